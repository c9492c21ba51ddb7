"""Ways to tamper with a signed PDF, each as an attacker would do it: used by the attack tests and
by the signing benchmark's attack table.

Every function takes signed bytes and returns tampered bytes. Incremental updates are written
with pyHanko's own incremental writer, so the result is a well-formed PDF whose earlier revision
(and signature) is untouched: only the verifier's difference analysis can catch them.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verdict

SHADOW_NAME = "/HosoShadow"
ALTERNATIVE_KEY = "/HosoAlternative"
FORGED_TEXT = b"BT /Helv 28 Tf 60 60 Td (DA DUYET - APPROVED) Tj ET"


def flip_byte_in_signed_range(signed: bytes) -> bytes:
    """One byte of the page image changed (inside the first ByteRange segment)."""
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)", signed)
    assert match, "no ByteRange"
    first_end = int(match.group(1)) + int(match.group(2))
    jpeg = signed.find(b"\xff\xd8\xff")
    offset = jpeg + 4000 if 0 <= jpeg < first_end - 5000 else first_end // 3
    tampered = bytearray(signed)
    tampered[offset] ^= 0x01
    return bytes(tampered)


def _update(signed: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)
    out = io.BytesIO()
    writer.write(out)  # type: ignore[no-untyped-call]
    return out.getvalue()


def _first_page(writer: IncrementalPdfFileWriter) -> generic.DictionaryObject:
    page: generic.DictionaryObject = writer.root["/Pages"]["/Kids"][0].get_object()
    return page


def add_page_content(signed: bytes) -> bytes:
    """A new revision that draws text on page 1."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = _first_page(writer)
        forged = writer.add_object(generic.StreamObject(stream_data=FORGED_TEXT))
        contents = page["/Contents"]
        old = (
            list(contents)
            if isinstance(contents, generic.ArrayObject)
            else [page.raw_get("/Contents")]
        )
        page["/Contents"] = generic.ArrayObject([*old, forged])
        writer.update_container(page)

    return _update(signed, change)


def add_annotation(signed: bytes) -> bytes:
    """A new revision that puts a free-text annotation ("approved") on page 1."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = _first_page(writer)
        annotation = generic.DictionaryObject(  # type: ignore[no-untyped-call]
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(v) for v in (50, 50, 300, 90)]  # type: ignore[no-untyped-call]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("ĐÃ DUYỆT"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 20 Tf 1 0 0 rg"),
            }
        )
        ref = writer.add_object(annotation)
        annots = page.get("/Annots")
        existing = list(annots) if annots is not None else []
        page["/Annots"] = generic.ArrayObject([*existing, ref])
        writer.update_container(page)

    return _update(signed, change)


def prepare_shadow(unsigned: bytes) -> bytes:
    """Before signing: page 1 draws an empty form XObject (the shadow) and the file carries an
    unused alternative content stream. Both look harmless when the signer checks the page."""
    with pikepdf.open(io.BytesIO(unsigned)) as pdf:
        page = pdf.pages[0]
        shadow = pikepdf.Stream(pdf, b"")
        shadow.Type = pikepdf.Name.XObject
        shadow.Subtype = pikepdf.Name.Form
        shadow.BBox = page.mediabox
        if "/XObject" not in page.Resources:
            page.Resources.XObject = pikepdf.Dictionary()
        page.Resources.XObject[SHADOW_NAME] = shadow
        page.contents_add(pikepdf.Stream(pdf, f"q {SHADOW_NAME} Do Q".encode()), prepend=False)
        pdf.Root[ALTERNATIVE_KEY] = pikepdf.Stream(pdf, FORGED_TEXT)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def shadow_replace(signed: bytes) -> bytes:
    """After signing: the empty shadow XObject's stream is overwritten with visible text."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = _first_page(writer)
        ref = page["/Resources"]["/XObject"].raw_get(SHADOW_NAME)
        shadow = ref.get_object()
        shadow._data = FORGED_TEXT  # new stream body, same object number
        shadow._encoded_data = None
        writer.mark_update(ref)

    return _update(signed, change)


def shadow_switch(signed: bytes) -> bytes:
    """After signing: page 1's /Contents is pointed at the alternative stream prepared before."""

    def change(writer: IncrementalPdfFileWriter) -> None:
        page = _first_page(writer)
        page["/Contents"] = writer.root.raw_get(ALTERNATIVE_KEY)
        writer.update_container(page)

    return _update(signed, change)


def blank_signature_value(signed: bytes) -> bytes:
    """Universal signature forgery: the CMS value replaced by zeros, everything else intact."""
    value = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", signed)
    assert value, "no signature value"
    start, end = value.span(1)
    return signed[:start] + b"0" * (end - start) + signed[end:]


def drop_byte_range(signed: bytes) -> bytes:
    """Universal signature forgery: the /ByteRange entry blanked out (same length)."""
    entry = re.search(rb"/ByteRange\s*\[[^\]]*\]", signed)
    assert entry, "no ByteRange"
    start, end = entry.span()
    return signed[:start] + b" " * (end - start) + signed[end:]


def widen_byte_range_gap(signed: bytes) -> bytes:
    """Signature wrapping: the first signed range shortened by 100 bytes, so the gap the
    signature leaves out also hides signed content (padded to the same length)."""
    entry = re.search(rb"/ByteRange\s*\[([^\]]*)\]", signed)
    assert entry, "no ByteRange"
    a, b, c, d = (int(v) for v in entry.group(1).split())
    forged = f"{a} {b - 100} {c} {d}".encode()
    start, end = entry.span(1)
    return signed[:start] + forged.ljust(end - start) + signed[end:]


def append_unsigned_bytes(signed: bytes) -> bytes:
    """Bytes after the signed range that are not a proper revision: the ByteRange no longer
    covers the file."""
    return signed + b"\n% appended after signing\n9999 0 obj\n(DA DUYET)\nendobj\n"


@dataclass(frozen=True)
class Attack:
    """One attack: sign `profile` (after `prepare`, if any), then `tamper`; the verifier must
    answer `verdict` with one of `reasons`."""

    name: str
    profile: str
    verdict: Verdict
    reasons: frozenset[str]
    tamper: Callable[[bytes], bytes] | None = None
    prepare: Callable[[bytes], bytes] | None = None


_CHANGED = frozenset({"DISALLOWED_CHANGES"})
ATTACKS = [
    Attack("byte changed in the signed range", "p12-B-T", Verdict.FAILED,
           frozenset({"HASH_FAILURE"}), flip_byte_in_signed_range),
    Attack("page content added in a later revision", "p12-B-T", Verdict.FAILED, _CHANGED,
           add_page_content),
    Attack("page content added after B-LTA", "p12-B-LTA", Verdict.FAILED, _CHANGED,
           add_page_content),
    Attack("annotation added after signing", "p12-B-T", Verdict.FAILED, _CHANGED, add_annotation),
    Attack("shadow: prepared XObject overwritten", "p12-B-T", Verdict.FAILED, _CHANGED,
           shadow_replace, prepare_shadow),
    Attack("shadow: page switched to prepared content", "p12-B-T", Verdict.FAILED, _CHANGED,
           shadow_switch, prepare_shadow),
    Attack("ByteRange does not cover the file", "p12-B-T", Verdict.FAILED,
           frozenset({"PARTIAL_COVERAGE"}), append_unsigned_bytes),
    Attack("ByteRange gap widened over signed bytes", "p12-B-T", Verdict.FAILED,
           frozenset({"HASH_FAILURE", "PARTIAL_COVERAGE"}), widen_byte_range_gap),
    Attack("signature value blanked (universal forgery)", "p12-B-T", Verdict.FAILED,
           frozenset({"SIGNATURE_UNREADABLE"}), blank_signature_value),
    Attack("ByteRange removed (universal forgery)", "p12-B-T", Verdict.FAILED,
           frozenset({"SIGNATURE_UNREADABLE"}), drop_byte_range),
    Attack("self-signed (untrusted) certificate", "rogue-B-T", Verdict.INDETERMINATE,
           frozenset({"NO_CERTIFICATE_CHAIN_FOUND", "CHAIN_CONSTRAINTS_FAILURE"})),
    Attack("revoked certificate, no timestamp", "revoked-B-B", Verdict.INDETERMINATE,
           frozenset({"REVOKED_NO_POE"})),
    Attack("revoked certificate, timestamp after revocation", "revoked-B-T", Verdict.FAILED,
           frozenset({"REVOKED"})),
    Attack("expired certificate, no timestamp", "expired-B-B", Verdict.INDETERMINATE,
           frozenset({"OUT_OF_BOUNDS_NO_POE"})),
    Attack("expired certificate, timestamp after expiry", "expired-B-T", Verdict.FAILED,
           frozenset({"EXPIRED"})),
]  # fmt: skip


def attacked(attack: Attack, service: SigningService, unsigned: Path, folder: Path) -> bytes:
    """The bytes an archivist would receive after `attack`."""
    source = unsigned
    if attack.prepare is not None:
        source = folder / "prepared.pdf"
        source.write_bytes(attack.prepare(unsigned.read_bytes()))
    signed = folder / "signed.pdf"
    service.sign(source, signed, attack.profile)
    data = signed.read_bytes()
    return attack.tamper(data) if attack.tamper else data
