"""PAdES signing with PKCS#12 and a real PKCS#11 token (SoftHSM2), at all four levels, against the
local test PKI; appearances where the Vietnamese rules put them; PDF/A kept; idempotent signing;
legitimate countersignatures and LTA renewal verify."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from hoso.digitize.codes import read_codes
from hoso.digitize.ocr.engine import OcrEngine
from hoso.signatures.errors import (
    NotSignableError,
    SigningFailedError,
    TooManySignaturesError,
    VerificationTimedOutError,
)
from hoso.signatures.profiles import Level, SigningConfig
from hoso.signatures.renew import renew_file
from hoso.signatures.result_qr import ResultInfo
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verdict, VerificationReport, Verifier
from tests.deployment import free_port
from tests.pki import SHORTLIVED_DAYS, TestPki
from tests.signing_setup import SoftHsm

LEVELS = [level.value for level in Level]


@pytest.mark.parametrize("level", LEVELS)
def test_pkcs12_signature_at_each_level_verifies(
    level: str, signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.pdf"
    outcome = signing.sign(pdfa_copy, out, f"p12-{level}")
    assert outcome.signed
    report = verifier.verify_file(out)
    assert report.verdict is Verdict.PASSED, report.render_vi()
    signature = report.signatures[0]
    assert signature.level == level
    assert signature.signer is not None and "Văn phòng UBND" in signature.signer.subject
    assert signature.chain[-1].endswith(
        "hoso Test Root CA, Organization: hoso test PKI, Country: VN"
    )
    assert signature.revocation == "good"
    assert (signature.timestamp is not None) == (level != "B-B")
    doc_timestamps = [s for s in report.signatures if s.kind == "document-timestamp"]
    assert bool(doc_timestamps) == (level == "B-LTA")


@pytest.mark.parametrize("level", LEVELS)
def test_softhsm_token_signature_at_each_level_verifies(
    level: str,
    softhsm: SoftHsm,
    signing: SigningService,
    verifier: Verifier,
    pdfa_copy: Path,
    tmp_path: Path,
) -> None:
    out = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, out, f"hsm-{level}")
    report = verifier.verify_file(out)
    assert report.verdict is Verdict.PASSED, report.render_vi()
    assert report.signatures[0].level == level


def test_signing_again_with_the_same_profile_adds_nothing(
    signing: SigningService, pdfa_copy: Path, tmp_path: Path
) -> None:
    once = tmp_path / "once.pdf"
    assert signing.sign(pdfa_copy, once, "p12-B-B").signed
    twice = tmp_path / "twice.pdf"
    outcome = signing.sign(once, twice, "p12-B-B")
    assert not outcome.signed
    assert twice.read_bytes() == once.read_bytes()


def _fields_sharing_one_signature(signed: Path, target: Path, count: int) -> Path:
    """`signed` with `count` more signature fields, all holding its one signature (cheap to
    make, each checked again by a verifier)."""
    with pikepdf.open(signed) as pdf:
        form = pdf.Root.AcroForm
        value = next(field.V for field in form.Fields if "/V" in field)
        page = pdf.pages[0].obj
        for number in range(count):
            widget = pdf.make_indirect(pikepdf.Dictionary(
                FT=pikepdf.Name.Sig, T=pikepdf.String(f"copy-{number}"), V=value,
                Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget,
                Rect=pikepdf.Array([0, 0, 0, 0]), P=page,
            ))  # fmt: skip
            form.Fields.append(widget)
        pdf.save(target)
    return target


def test_a_file_of_thousands_of_signatures_is_refused_at_once(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Hole: 1,000 fields sharing one signature kept a request busy for 39 s, 5,000 for 4.5
    minutes, each request a server thread and a core (a reviewing helper's)."""
    signing.sign(pdfa_copy, tmp_path / "signed.pdf", "p12-B-B")
    many = _fields_sharing_one_signature(tmp_path / "signed.pdf", tmp_path / "many.pdf", 1000)
    with pytest.raises(TooManySignaturesError, match="1001 signatures"):
        verifier.verify_file(many)


def test_a_server_that_does_not_answer_is_a_clear_error(
    signing: SigningService,
    verifier: Verifier,
    pdfa_copy: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hole: a certificate naming a server that never answers ended the request in an internal
    error after 11 s, when pyHanko's fetcher gave up with `TimeoutError` (here raised where
    its fetch would be)."""
    signing.sign(pdfa_copy, tmp_path / "signed.pdf", "p12-B-T")

    async def no_answer(*_args: object) -> None:
        raise TimeoutError

    monkeypatch.setattr(Verifier, "_one", no_answer)
    with pytest.raises(VerificationTimedOutError, match="did not answer in time"):
        verifier.verify_file(tmp_path / "signed.pdf")


def test_operator_then_agency_countersignature_passes(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    scanned = tmp_path / "scanned.pdf"
    signing.sign(pdfa_copy, scanned, "scan")
    issued = tmp_path / "issued.pdf"
    signing.sign(scanned, issued, "result")
    report = verifier.verify_file(issued)
    assert report.verdict is Verdict.PASSED, report.render_vi()
    operator, agency = report.signatures[0], report.signatures[1]
    assert operator.signer is not None and "Nguyễn Thị Bình" in operator.signer.subject
    assert operator.changes_after in {"form-filling", "lta-updates"}
    assert agency.level == "B-LTA"


def test_signing_keeps_pdfa_metadata_consistent(
    signing: SigningService, pdfa_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, out, "result")
    with pikepdf.open(out) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode("utf-8")
        assert (
            "<pdfaid:part>2</pdfaid:part>"
            in xmp.replace(' xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"', "")
            or 'pdfaid:part="2"' in xmp
        )
        assert "ns0:" not in xmp
        meta = pdf.open_metadata()
        if "/Info" in pdf.trailer and "/Producer" in pdf.trailer.Info:
            assert str(pdf.trailer.Info.Producer) == meta.get("pdf:Producer")
        assert "/OutputIntents" in pdf.Root
        for annot in pdf.pages[0].get("/Annots", []):
            x1, y1, x2, y2 = (float(v) for v in annot.Rect)
            if annot.get("/Subtype") == "/Widget" and (x2 - x1) * (y2 - y1) > 0:
                # PDF/A-2: a visible annotation is printed and has exactly a normal appearance
                assert int(annot.F) & 4
                assert set(annot.AP.keys()) == {"/N"}


def _render_widget(
    pdf_path: Path, field: str, scale: float = 4.0
) -> tuple[Image.Image, tuple[float, ...], tuple[float, float]]:
    with pikepdf.open(pdf_path) as pdf:
        for index, page in enumerate(pdf.pages):  # noqa: B007 (index is used after the loop)
            for annot in page.get("/Annots", []):
                if str(annot.get("/T", "")) == field:
                    rect = tuple(float(v) for v in annot.Rect)
                    size = (float(page.mediabox[2]), float(page.mediabox[3]))
                    break
            else:
                continue
            break
        else:
            raise AssertionError(f"no widget {field}")
    document = pdfium.PdfDocument(str(pdf_path))
    document.init_forms()
    image = document[index].render(scale=scale, may_draw_forms=True).to_pil().convert("RGB")
    x1, y1, x2, y2 = rect
    height = size[1]
    crop = image.crop(
        (int(x1 * scale), int((height - y2) * scale), int(x2 * scale), int((height - y1) * scale))
    )
    return crop, rect, size


def test_operator_stamp_top_left_of_page_one_shows_name_and_time(
    signing: SigningService, engine: OcrEngine, pdfa_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "scanned.pdf"
    signing.sign(pdfa_copy, out, "scan")
    crop, (_, y1, x2, _), (width, height) = _render_widget(out, "hoso-scan")
    assert x2 < width / 2 and y1 > height * 3 / 4  # top left
    text = _ocr_text(engine, crop)
    assert "Nguyễn Thị Bình" in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text), text


def test_copy_stamp_top_right_in_times_10pt_with_iso_time(
    signing: SigningService, engine: OcrEngine, pdfa_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "copy.pdf"
    signing.sign(pdfa_copy, out, "copy")
    crop, (x1, y1, _, _), (width, height) = _render_widget(out, "hoso-copy")
    assert x1 > width / 2 and y1 > height * 3 / 4  # top right
    text = _ocr_text(engine, crop)
    assert "SAOY" in text.replace(" ", "") and "Thử Nghiệm" in text
    assert re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", text), text
    with pikepdf.open(out) as pdf:
        widget = next(a for a in pdf.pages[0].Annots if str(a.get("/T")) == "hoso-copy")
        appearance = widget.AP.N.read_bytes().decode("latin-1")
        assert re.search(r"/F\w*\s+10(\.0+)?\s+Tf", appearance), appearance
        fonts = [str(f.BaseFont) for f in widget.AP.N.Resources.Font.values()]
        assert any("FreeSerif" in name for name in fonts), fonts


def test_seal_is_actual_size_red_over_left_third_of_blue_signature(
    signing: SigningService, pdfa_copy: Path, tmp_path: Path
) -> None:
    out = tmp_path / "issued.pdf"
    signing.sign(pdfa_copy, out, "result")
    crop, (_, y1, _, y2), _ = _render_widget(out, "hoso-result")
    seal_pt = 36.0 / 25.4 * 72  # the profile's 36 mm seal
    assert abs((y2 - y1) - seal_pt) < 1.5
    pixels = np.asarray(crop).astype(int)
    red = (pixels[..., 0] > 150) & (pixels[..., 1] < 90) & (pixels[..., 2] < 90)
    blue = (pixels[..., 2] > 120) & (pixels[..., 0] < 90)
    columns = np.arange(pixels.shape[1])
    red_x = columns[red.any(axis=0)]
    blue_x = columns[blue.any(axis=0)]
    assert red_x.size and blue_x.size
    assert red_x.min() < blue_x.min() < red_x.max() < blue_x.max()  # seal overlaps its left
    overlap = (red_x.max() - blue_x.min()) / (blue_x.max() - blue_x.min())
    assert 0.2 < overlap < 0.45


def test_renewal_adds_a_document_timestamp_and_still_verifies(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "archived.pdf"
    signing.sign(pdfa_copy, signed, "p12-B-LTA")
    renewed = tmp_path / "renewed.pdf"
    renew_file(signing, signed, renewed)
    before = verifier.verify_file(signed)
    after = verifier.verify_file(renewed)
    assert after.verdict is Verdict.PASSED, after.render_vi()
    assert _doc_timestamps(after) == _doc_timestamps(before) + 1
    assert renewed.read_bytes().startswith(signed.read_bytes())  # appended, never rewritten


def _doc_timestamps(report: VerificationReport) -> int:
    return sum(s.kind == "document-timestamp" for s in report.signatures)


def _ocr_text(engine: OcrEngine, crop: Image.Image) -> str:
    """Read a rendered stamp (at 4× = 288 dpi) with the real OCR engine."""
    page = engine.recognize(crop.convert("L"), 288)
    return " ".join(word.text for word in page.words)


def test_result_carries_its_qr_top_left_under_the_agency_signature(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    info = ResultInfo(
        dossier_code="000.00.48.H48-251124-0007",
        procedure_code="1.001234",
        applicant_id="048095000123",
        title="Giấy xác nhận tình trạng hôn nhân",
        validity="6 tháng kể từ ngày cấp",
    )
    issued = tmp_path / "result.pdf"
    signing.sign(pdfa_copy, issued, "result", info)
    assert verifier.verify_file(issued).verdict is Verdict.PASSED
    document = pdfium.PdfDocument(str(issued))
    page = document[0].render(scale=200 / 72).to_pil().convert("L")
    width, height = page.size
    corner = np.asarray(page.crop((0, 0, width // 3, height // 4)))
    payloads = [json.loads(text) for text in read_codes(corner)]
    assert payloads and payloads[0]["ma_ho_so"] == info.dossier_code
    assert payloads[0]["so_dinh_danh"] == info.applicant_id
    assert payloads[0]["ten_giay_to"] == info.title
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00", payloads[0]["thoi_gian_cap"])
    with pytest.raises(NotSignableError, match="before signing"):
        signing.sign(issued, tmp_path / "again.pdf", "copy", info)


def test_the_documented_example_configuration_loads() -> None:
    example = Path(__file__).resolve().parent.parent / "docs" / "signing.example.toml"
    config = SigningConfig.load(example)
    assert config.pipeline_profile == "scan"
    assert config.profile("result").level is Level.B_LTA
    assert config.signer("agency-seal").pkcs11_module is not None
    assert config.signer("operator-desk3").pin_env == "HOSO_OPERATOR_PIN"


FUTURE_VERDICTS = {
    "B-B": (Verdict.INDETERMINATE, "OUT_OF_BOUNDS_NO_POE"),  # nothing proves when it was made
    "B-T": (Verdict.PASSED, None),  # the timestamp proves it was made while the cert was valid
    "B-LT": (Verdict.PASSED, None),
    "B-LTA": (Verdict.PASSED, None),
}


def test_signatures_outlive_their_certificate_only_with_proof_of_time(
    signing: SigningService, verifier: Verifier, pki: TestPki, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Sign now with a certificate that ends in 30 days; verify 400 days later, with the test
    PKI's clock run forward; renew then, and verify 1000 days later."""
    signed = {}
    for level in FUTURE_VERDICTS:
        signed[level] = tmp_path / f"{level}.pdf"
        signing.sign(pdfa_copy, signed[level], f"shortlived-{level}")
    later = datetime.now(UTC) + timedelta(days=SHORTLIVED_DAYS + 370)
    much_later = later + timedelta(days=600)
    try:
        pki.travel_to(later)
        for level, (verdict, reason) in FUTURE_VERDICTS.items():
            report = verifier.verify_file(signed[level], at=later)
            assert report.verdict is verdict, (level, report.render_vi())
            assert reason is None or reason in report.reasons
        renewed = tmp_path / "renewed.pdf"
        renew_file(signing, signed["B-LTA"], renewed, at=later)
        pki.travel_to(much_later)
        report = verifier.verify_file(renewed, at=much_later)
        assert report.verdict is Verdict.PASSED, report.render_vi()
        stamps = [s for s in report.signatures if s.kind == "document-timestamp"]
        assert len(stamps) == 2 and stamps[-1].proven_signing_time is not None
        assert datetime.fromisoformat(stamps[-1].proven_signing_time) > later - timedelta(days=1)
    finally:
        pki.travel_to(None)


def test_an_unreachable_tsa_is_a_typed_failure_and_writes_nothing(
    signing_config_file: Path, pdfa_copy: Path, tmp_path: Path
) -> None:
    config = dataclasses.replace(
        SigningConfig.load(signing_config_file), tsa_url=f"http://127.0.0.1:{free_port()}/tsa"
    )
    target = tmp_path / "never.pdf"
    with pytest.raises(SigningFailedError, match="time-stamping authority did not answer"):
        SigningService(config).sign(pdfa_copy, target, "p12-B-T")
    assert not target.exists()
