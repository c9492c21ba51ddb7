"""Renewal of long-term validity (PAdES B-LTA): fresh validation data for the newest timestamp
and a new document timestamp over everything, appended as new revisions.

A document needs renewal when its newest document timestamp's TSA certificate ends within
`renew_before_days`, or when that timestamp uses an algorithm now considered weak (SHA-1,
RSA under 2048 bits): renewing before then keeps a proof chain a later archivist can still
check. Renew with a TSA whose certificate lives longer than the one being replaced.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from hoso.signatures.errors import NotSignableError, SigningFailedError
from hoso.signatures.sign import SigningService, atomic_write, read_pdf
from hoso.signatures.verify import DAMAGED_PDF_ERRORS

WEAK_DIGESTS = {"md5", "sha1"}
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class RenewalNeed:
    needed: bool
    reason: str  # for people; empty when not needed
    newest_timestamp: str | None  # ISO time of the newest document timestamp
    signed: bool = True  # False: nothing in the file to keep valid


def renewal_need(data: bytes, within: timedelta, now: datetime | None = None) -> RenewalNeed:
    """Does this signed PDF need a fresh document timestamp?"""
    now = now or datetime.now(UTC)
    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = list(reader.embedded_signatures)
    except DAMAGED_PDF_ERRORS as exc:
        raise NotSignableError(f"the PDF cannot be read ({exc})") from exc
    stamps = [s for s in signatures if s.sig_object_type == "/DocTimeStamp"]
    if not stamps:
        if any(s.sig_object_type != "/DocTimeStamp" for s in signatures):
            return RenewalNeed(True, "no document timestamp yet (not B-LTA)", None)
        return RenewalNeed(False, "not signed", None, signed=False)
    newest = max(stamps, key=lambda s: s.signed_revision)
    when = newest.self_reported_timestamp
    stamp_time = when.isoformat() if when else None
    tsa: x509.Certificate = newest.signer_cert
    if tsa.not_valid_after - within <= now:
        return RenewalNeed(
            True, f"the TSA certificate ends {tsa.not_valid_after.date().isoformat()}", stamp_time
        )
    digest = newest.signer_info["digest_algorithm"]["algorithm"].native
    if digest in WEAK_DIGESTS:
        return RenewalNeed(True, f"the newest timestamp uses {digest}", stamp_time)
    key = tsa.public_key
    if key.algorithm == "rsa" and key.bit_size < MIN_RSA_BITS:
        return RenewalNeed(True, f"the TSA key is RSA {key.bit_size}", stamp_time)
    return RenewalNeed(False, "", stamp_time)


def renew_bytes(service: SigningService, data: bytes, at: datetime | None = None) -> bytes:
    """Append a DSS update and a new document timestamp. `at`: the moment of renewal, for
    revocation data (now; tests run their PKI's clock forward)."""
    reader = PdfFileReader(io.BytesIO(data), strict=False)
    if not reader.embedded_signatures:
        raise NotSignableError("the PDF carries no signature to keep valid")
    stamper = PdfTimeStamper(service.timestamper())
    output = io.BytesIO()
    try:
        stamper.update_archival_timestamp_chain(
            reader, service.validation_context(at), in_place=False, output=output
        )
    except (SigningError, TimestampRequestError, OSError) as exc:
        raise SigningFailedError(f"renewal failed: {exc}") from exc
    return output.getvalue()


def renew_file(
    service: SigningService, source: Path, target: Path, at: datetime | None = None
) -> None:
    atomic_write(target, renew_bytes(service, read_pdf(source), at))
