"""Results issued electronically (storage/results.py, workflows/results.py): an officer's result
PDF gets the result QR and the agency's result signature (the test PKI, really signed and
really verified), is archived and listed, counts in the reuse stats, and is issued once for the
same bytes. Through `POST/GET /api/v1/dossiers/{code}/results` (province-scoped, officers only
issue) and `hoso result issue`. SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from playwright.sync_api import Browser, expect
from sqlalchemy import select

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.codes import read_codes
from hoso.errors import ExitCode
from hoso.signatures.errors import NotSignableError
from hoso.signatures.profiles import SigningConfig
from hoso.signatures.sign import ResultSigner, SigningService
from hoso.signatures.verify import Verdict, Verifier
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.results import IssuedResult, IssuedResults, ResultRecord
from hoso.storage.schema import Document, Dossier, Event
from hoso.storage.stats import Rate, Stats, StatsQuery
from hoso.storage.vocabulary import DocumentStatus, EventType
from hoso.workflows.queue import JobQueue
from hoso.workflows.results import Issuer, ResultIssuer
from tests.cli import run_hoso
from tests.desk_days import desk_today, last_seven_days
from tests.pki import PFX_PASSWORD, TestPki
from tests.signing_setup import PIN_ENV
from tests.web import assert_accessible, page_as, running_desk

pytestmark = pytest.mark.xdist_group("results")  # one agency key, B-LTA signatures

CODE = "000.00.48.H48-261201-0007"
RECORD = ResultRecord("1.001234", "048095000123", "Giấy xác nhận tình trạng hôn nhân",
                      "6 tháng kể từ ngày cấp")  # fmt: skip


def result_pdf(path: Path, text: str = "QUYET DINH") -> Path:
    """A one-page A4 result as a procedure system might print it (a plain PDF)."""
    page = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(page).text((500, 400), text, fill="black")
    page.save(path, "PDF", resolution=150)
    return path


def dossier(index: RecordIndex, code: str, province: str) -> int:
    """A dossier the desk scanned (one digitized paper), opened two days ago."""
    opened = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    with index.session() as session:
        row = Dossier(code=code, province_code=province, created_at=opened)
        session.add(row)
        session.flush()
        session.add(Document(title=f"paper of {code}", original_key=f"originals/{code}",
                             original_sha256=code.ljust(64, "0")[:64], status=DocumentStatus.DONE,
                             province_code=province, dossier_id=row.id,
                             created_at=opened))  # fmt: skip
        return row.id


def qr_payload(pdf: bytes) -> dict[str, str]:
    page = pdfium.PdfDocument(pdf)[0].render(scale=200 / 72).to_pil().convert("L")
    width, height = page.size
    [text] = read_codes(np.asarray(page.crop((0, 0, width // 3, height // 4))))
    payload: dict[str, str] = json.loads(text)
    return payload


@pytest.fixture()
def archive(index: RecordIndex, tmp_path: Path) -> Archive:
    return Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")


@pytest.fixture()
def result_signer(signing: SigningService) -> ResultSigner:
    return ResultSigner(signing)


def test_an_issued_result_is_signed_with_its_qr_archived_counted_and_issued_once(
    archive: Archive, result_signer: ResultSigner, verifier: Verifier, tmp_path: Path
) -> None:
    dossier_id = dossier(archive.index, CODE, "48")
    dossier(archive.index, "000.00.48.H48-261201-0008", "48")  # finished, no e-result
    issuer = ResultIssuer(IssuedResults(archive), result_signer)
    source = result_pdf(tmp_path / "decision.pdf")
    officer = Issuer("officer:lan", None, "48")

    first = issuer.issue(f" {CODE} ", RECORD, source, officer)
    again = issuer.issue(CODE, RECORD, source, officer)

    assert first.created and not again.created
    assert again.result.id == first.result.id and again.result.sha256 == first.result.sha256
    with archive.store.open(first.result.object_key) as stream:
        signed = stream.read()
    report = verifier.verify_bytes(signed, name="result.pdf")
    assert report.verdict is Verdict.PASSED, report.render_vi()
    payload = qr_payload(signed)
    assert (payload["ma_ho_so"], payload["ma_thu_tuc"]) == (CODE, RECORD.procedure_code)
    assert payload["so_dinh_danh"] == RECORD.applicant_id
    with archive.index.sessions() as session:
        rows = session.scalars(select(IssuedResult)).all()
        events = session.scalars(
            select(Event).where(Event.event_type == EventType.RESULT_ISSUED)
        ).all()
    assert [(r.dossier_id, r.issued_by) for r in rows] == [(dossier_id, "officer:lan")]
    assert [(e.object_key, e.detail["dossier"]) for e in events] == [
        (first.result.object_key, CODE)
    ]

    week = StatsQuery.for_days(*last_seven_days(), "48", None)
    [province] = Stats(archive.index).report(week)
    assert province.results_electronic == Rate(1, 2)
    year_ago = desk_today() - dt.timedelta(days=365)
    [empty] = Stats(archive.index).report(StatsQuery.for_days(year_ago, year_ago, "48", None))
    assert empty.results_electronic == Rate(0, 0) and empty.results_electronic.rate is None


def _signed_by(pki: TestPki, label: str, source: Path, target: Path, field: str) -> Path:
    """`source` signed by the test PKI's `label` (B-B) into signature field `field`."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    signer = signers.SimpleSigner.load_pkcs12(pki.pkcs12(label), passphrase=PFX_PASSWORD.encode())  # type: ignore[no-untyped-call]
    assert signer is not None
    with source.open("rb") as stream:
        writer = IncrementalPdfFileWriter(stream, strict=False)
        metadata = signers.PdfSignatureMetadata(field_name=field)
        target.write_bytes(signers.sign_pdf(writer, metadata, signer=signer).getvalue())
    return target


def test_a_result_already_signed_by_another_key_is_refused_not_filed_as_the_agencys(
    archive: Archive,
    pki: TestPki,
    signing: SigningService,
    result_signer: ResultSigner,
    verifier: Verifier,
    tmp_path: Path,
) -> None:
    """Hole: a PDF whose result signature field another certificate had filled was returned
    unchanged by the signer (which skips a field already filled, for retries) and filed and
    served as the agency's issued result (a reviewing helper's). Only the agency's own earlier
    signature is kept as is."""
    dossier(archive.index, CODE, "48")
    source = result_pdf(tmp_path / "decision.pdf")
    forged = _signed_by(pki, "rogue", source, tmp_path / "forged.pdf", "hoso-result")
    issuer = ResultIssuer(IssuedResults(archive), result_signer)
    with pytest.raises(NotSignableError, match="not this signer's"):
        issuer.issue(CODE, RECORD, forged, Issuer("officer:lan", None, "48"))
    with archive.index.sessions() as session:
        assert session.scalars(select(IssuedResult)).all() == []

    ours = tmp_path / "ours.pdf"
    signing.sign(result_pdf(tmp_path / "decision.pdf"), ours, "result")
    again = signing.sign(ours, tmp_path / "again.pdf", "result")  # a retry: signed once
    assert not again.signed
    assert (tmp_path / "again.pdf").read_bytes() == ours.read_bytes()
    report = verifier.verify_bytes(ours.read_bytes(), name="ours.pdf")
    assert report.verdict is Verdict.PASSED, report.render_vi()


def test_the_api_issues_for_the_officers_province_only(
    archive: Archive, result_signer: ResultSigner, tmp_path: Path
) -> None:
    dossier(archive.index, CODE, "48")
    jobs = archive.index.url if archive.index.is_postgres else f"sqlite:///{tmp_path / 'j.db'}"
    queue = JobQueue(jobs)
    signing_app = TestClient(create_app(Services(archive, queue, result_signer=result_signer)))
    unsigned_app = TestClient(create_app(Services(archive, queue)))
    tokens = Tokens(archive.index)
    who = {name: {"Authorization": f"Bearer {tokens.create(name, role, province, 't')[1]}"}
           for name, role, province in [("officer", Role.OFFICER, "48"),
                                        ("archivist", Role.ARCHIVIST, "48"),
                                        ("station", Role.STATION, "48"),
                                        ("officer01", Role.OFFICER, "01")]}  # fmt: skip
    form = {"procedure_code": RECORD.procedure_code, "applicant_id": RECORD.applicant_id,
            "title": RECORD.title}  # fmt: skip
    pdf = result_pdf(tmp_path / "decision.pdf").read_bytes()
    results = f"/api/v1/dossiers/{CODE}/results"

    def post(client: TestClient, caller: str) -> dict[str, object]:
        answer = client.post(results, data=form, files={"file": ("kq.pdf", pdf)},
                             headers=who[caller])  # fmt: skip
        return {"status": answer.status_code, **answer.json()}

    try:
        made = post(signing_app, "officer")
        assert (made["status"], made["created"], made["dossier_code"]) == (201, True, CODE)
        repeated = post(signing_app, "officer")
        assert (repeated["status"], repeated["id"], repeated["created"]) == (200, made["id"], False)
        listed = signing_app.get(results, headers=who["archivist"]).json()
        assert [r["id"] for r in listed] == [made["id"]]
        download = signing_app.get(f"{results}/{made['id']}/pdf", headers=who["archivist"])
        assert download.status_code == 200 and download.content.startswith(b"%PDF-")
        assert qr_payload(download.content)["ma_ho_so"] == CODE

        assert post(signing_app, "officer01")["status"] == 404
        for path in (results, f"{results}/{made['id']}/pdf"):
            other = signing_app.get(path, headers=who["officer01"])
            assert other.status_code == 404 and other.json()["code"] == "dossier_not_found"
        refused = post(signing_app, "station")
        assert (refused["status"], refused["code"]) == (403, "forbidden")
        unconfigured = post(unsigned_app, "officer")
        assert (unconfigured["status"], unconfigured["code"]) == (
            503, "result_signing_not_configured"
        )  # fmt: skip
        wrong = dict(form, applicant_id="12")
        bad = signing_app.post(results, data=wrong, files={"file": ("kq.pdf", pdf)},
                               headers=who["officer"])  # fmt: skip
        assert (bad.status_code, bad.json()["code"]) == (422, "invalid_result")
    finally:
        signing_app.close()
        unsigned_app.close()
        queue.close()


def test_hoso_result_issue_writes_the_signed_pdf_and_needs_a_result_profile(
    signing_config_file: Path, verifier: Verifier, tmp_path: Path
) -> None:
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    dossier(index, CODE, "48")
    env = {"PATH": "/usr/bin:/bin", "HOSO_DATA_DIR": str(tmp_path / "var"),
           "HOSO_DATABASE_URL": index.url, PIN_ENV: os.environ[PIN_ENV]}  # fmt: skip
    source = result_pdf(tmp_path / "decision.pdf")
    args: list[str | Path] = [
        "result", "issue", source, "--dossier", CODE, "--procedure", RECORD.procedure_code,
        "--applicant", RECORD.applicant_id, "--title", RECORD.title,
    ]  # fmt: skip
    out = tmp_path / "signed.pdf"
    configured = env | {"HOSO_SIGNING_CONFIG": str(signing_config_file)}
    answer = json.loads(run_hoso(*args, "-o", out, "--json", env=configured).stdout)
    assert (answer["created"], answer["dossier_code"]) == (True, CODE)
    assert verifier.verify_file(out).verdict is Verdict.PASSED
    assert qr_payload(out.read_bytes())["ma_ho_so"] == CODE

    refused = run_hoso(*args, env=env, expect=ExitCode.SIGNING_FAILED)
    assert "result_signing_not_configured" in refused.stderr
    no_profile = tmp_path / "no-results.toml"
    no_profile.write_text(
        signing_config_file.read_text(encoding="utf-8").replace("[results]", "[unused]"),
        encoding="utf-8",
    )
    refused = run_hoso(*args, "--config", no_profile, env=env, expect=ExitCode.SIGNING_FAILED)
    assert "[results] profile" in refused.stderr
    assert SigningConfig.load(no_profile).result_profile is None
    index.engine.dispose()


@pytest.mark.slow
def test_an_officer_issues_a_result_from_the_document_page(
    signing_config_file: Path, verifier: Verifier, browser: Browser, tmp_path: Path
) -> None:
    with running_desk(tmp_path / "desk", worker=False, signing_config=signing_config_file) as desk:
        index = RecordIndex(desk.deployment.database_url)
        dossier_id = dossier(index, CODE, "48")
        with index.sessions() as session:
            paper = session.scalar(select(Document.id).where(Document.dossier_id == dossier_id))
        page = page_as(desk, browser, "canbo-48")
        page.goto(f"/officer/documents/{paper}")
        form = page.get_by_role("region", name="Trả kết quả điện tử")
        form.get_by_label("Tệp PDF kết quả").set_input_files(str(result_pdf(tmp_path / "kq.pdf")))
        form.get_by_label("Mã thủ tục").fill(RECORD.procedure_code)
        form.get_by_label("Số định danh hoặc mã số thuế của người nộp").fill(RECORD.applicant_id)
        form.get_by_label("Tên giấy tờ kết quả").fill(RECORD.title)
        form.get_by_role("button", name="Ký và trả kết quả").click()
        expect(page.locator("#issued-results tbody tr")).to_have_count(1)
        assert_accessible(page)
        with page.expect_download() as download:
            page.get_by_role("link", name="Tải kết quả số").click()
        signed = Path(download.value.path()).read_bytes()
        with ThreadPoolExecutor(1) as thread:  # Playwright's loop runs in this thread
            report = thread.submit(verifier.verify_bytes, signed, name="kq.pdf").result()
        assert report.verdict is Verdict.PASSED
        assert qr_payload(signed)["ma_ho_so"] == CODE

        other = page_as(desk, browser, "canbo-01")
        answer = other.goto(f"/officer/documents/{paper}")
        assert answer is not None and answer.status == 404
        index.engine.dispose()
