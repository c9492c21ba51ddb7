"""Verification reports for archivists, in the spirit of ETSI EN 319 102-1 and EU DSS.

For every signature: integrity, signer certificate and chain to the configured trust anchors,
revocation status, timestamp, what it covers and what changed after it; an indication per
signature and an overall TOTAL-PASSED / INDETERMINATE / TOTAL-FAILED verdict, with reasons.

The AdES process is chosen by PAdES level (basic for B-B; with time for B-T and B-LT, the latter
reading revocation data from the DSS; long-term for signatures followed by a document
timestamp). Three checks are added on top of pyHanko's AdES indication, each measured to be
missing (shared/notes/signing.md):
- changes after signing: the AdES indication ignores PDF difference analysis, so a page rewritten
  in a later revision would pass; only further signatures, DSS and document timestamps are
  allowed, and a signature must cover its whole revision;
- signing time inside the certificate's validity: a timestamp proving the signature was made after
  the certificate expired (or before it was valid) fails, though the AdES process passes it;
- revoked before the proven signing time: fails (not merely indeterminate).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESPassed, AdESStatus
from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel
from pyhanko.sign.fields import SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.validation.ades import (
    ades_basic_validation,
    ades_lta_validation,
    ades_timestamp_validation,
    ades_with_time_validation,
)
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.errors import NoDSSFoundError, SignatureValidationError
from pyhanko.sign.validation.pdf_embedded import EmbeddedPdfSignature
from pyhanko.sign.validation.policy_decl import (
    CertificateFetchingRule,
    LocalKnowledge,
    PdfSignatureValidationSpec,
    RevocationInfoGatheringSpec,
    SignatureValidationSpec,
)
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator.context import CertValidationPolicySpec
from pyhanko_certvalidator.errors import InsufficientRevinfoError, StaleRevinfoError
from pyhanko_certvalidator.ltv.types import ValidationTimingInfo
from pyhanko_certvalidator.policy_decl import CertRevTrustPolicy, RevocationCheckingPolicy
from pyhanko_certvalidator.policy_decl import RevocationCheckingRule as Rule
from pyhanko_certvalidator.registry import SimpleTrustManager
from pyhanko_certvalidator.revinfo.archival import CRLContainer, OCSPContainer

from hoso.signatures.errors import (
    NotSignableError,
    TooManySignaturesError,
    VerificationTimedOutError,
)
from hoso.signatures.profiles import SigningConfig, load_certificates

log = logging.getLogger(__name__)

# What pyHanko raises on a damaged file: its own read and validation errors, and plain Python
# errors from structures that are not what the PDF spec says (found by fuzzing). A signature whose
# analysis fails this way is reported failed, never passed; the file as a whole, unreadable.
DAMAGED_PDF_ERRORS: tuple[type[Exception], ...] = (
    SignatureValidationError,
    PdfReadError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    NotImplementedError,  # e.g. a stream filter name that a changed byte made up
    zlib.error,  # a damaged compressed stream
    OverflowError,  # absurd numbers (lengths, offsets) in a crafted file
    RecursionError,  # objects nested or referring to themselves without end
)


class Verdict(StrEnum):
    """The ETSI EN 319 102-1 main indication, for one signature and for the file."""

    PASSED = "TOTAL-PASSED"
    INDETERMINATE = "INDETERMINATE"
    FAILED = "TOTAL-FAILED"


_SEVERITY = {Verdict.PASSED: 0, Verdict.INDETERMINATE: 1, Verdict.FAILED: 2}

VERDICTS_VI: dict[Verdict, str] = {
    Verdict.PASSED: "HỢP LỆ (TOTAL-PASSED)",
    Verdict.INDETERMINATE: "CHƯA XÁC ĐỊNH (INDETERMINATE)",
    Verdict.FAILED: "KHÔNG HỢP LỆ (TOTAL-FAILED)",
}


class Reason(StrEnum):
    """Why a signature did not pass. The codes are stable: they are what the JSON report and
    the API carry, and what other tools match on. The first group is every AdES sub-indication
    pyHanko's processes can return (a test keeps it complete, so a pyHanko upgrade cannot
    bring a code without a text); the second, hoso's own checks on top of them."""

    FORMAT_FAILURE = "FORMAT_FAILURE"
    HASH_FAILURE = "HASH_FAILURE"
    SIG_CRYPTO_FAILURE = "SIG_CRYPTO_FAILURE"
    REVOKED = "REVOKED"
    NOT_YET_VALID = "NOT_YET_VALID"
    SIG_CONSTRAINTS_FAILURE = "SIG_CONSTRAINTS_FAILURE"
    CHAIN_CONSTRAINTS_FAILURE = "CHAIN_CONSTRAINTS_FAILURE"
    CERTIFICATE_CHAIN_GENERAL_FAILURE = "CERTIFICATE_CHAIN_GENERAL_FAILURE"
    CRYPTO_CONSTRAINTS_FAILURE = "CRYPTO_CONSTRAINTS_FAILURE"
    EXPIRED = "EXPIRED"
    POLICY_PROCESSING_ERROR = "POLICY_PROCESSING_ERROR"
    SIGNATURE_POLICY_NOT_AVAILABLE = "SIGNATURE_POLICY_NOT_AVAILABLE"
    TIMESTAMP_ORDER_FAILURE = "TIMESTAMP_ORDER_FAILURE"
    NO_SIGNING_CERTIFICATE_FOUND = "NO_SIGNING_CERTIFICATE_FOUND"
    NO_CERTIFICATE_CHAIN_FOUND = "NO_CERTIFICATE_CHAIN_FOUND"
    REVOKED_NO_POE = "REVOKED_NO_POE"
    REVOKED_CA_NO_POE = "REVOKED_CA_NO_POE"
    OUT_OF_BOUNDS_NO_POE = "OUT_OF_BOUNDS_NO_POE"
    REVOCATION_OUT_OF_BOUNDS_NO_POE = "REVOCATION_OUT_OF_BOUNDS_NO_POE"
    OUT_OF_BOUNDS_NOT_REVOKED = "OUT_OF_BOUNDS_NOT_REVOKED"
    CRYPTO_CONSTRAINTS_FAILURE_NO_POE = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
    NO_POE = "NO_POE"
    TRY_LATER = "TRY_LATER"
    SIGNED_DATA_NOT_FOUND = "SIGNED_DATA_NOT_FOUND"
    GENERIC = "GENERIC"

    TIMESTAMP_INVALID = "TIMESTAMP_INVALID"
    DISALLOWED_CHANGES = "DISALLOWED_CHANGES"
    PARTIAL_COVERAGE = "PARTIAL_COVERAGE"
    NO_SIGNATURE = "NO_SIGNATURE"
    SIGNATURE_UNREADABLE = "SIGNATURE_UNREADABLE"
    SIGNATURE_FORMAT_UNSUPPORTED = "SIGNATURE_FORMAT_UNSUPPORTED"
    REVOCATION_DATA_MISSING = "REVOCATION_DATA_MISSING"


# Each reason for the archivist, in Vietnamese (a test requires one, distinct, for every code).
REASONS_VI: dict[Reason, str] = {
    Reason.FORMAT_FAILURE: "Chữ ký không đúng định dạng.",
    Reason.HASH_FAILURE: "Nội dung đã ký bị thay đổi: giá trị băm không khớp.",
    Reason.SIG_CRYPTO_FAILURE: "Chữ ký số không hợp lệ về mặt mật mã.",
    Reason.REVOKED: "Chứng thư ký đã bị thu hồi trước thời điểm ký.",
    Reason.NOT_YET_VALID: "Chữ ký được tạo trước khi chứng thư ký có hiệu lực.",
    Reason.SIG_CONSTRAINTS_FAILURE: "Chữ ký không đáp ứng các ràng buộc của chính sách kiểm tra.",
    Reason.CHAIN_CONSTRAINTS_FAILURE: "Chứng thư ký không thuộc tổ chức chứng thực được tin cậy.",
    Reason.CERTIFICATE_CHAIN_GENERAL_FAILURE: "Chuỗi chứng thư không hợp lệ.",
    Reason.CRYPTO_CONSTRAINTS_FAILURE: "Thuật toán mật mã hoặc độ dài khóa của chữ ký không còn "
    "được chấp nhận.",
    Reason.EXPIRED: "Chữ ký được tạo sau khi chứng thư ký đã hết hạn.",
    Reason.POLICY_PROCESSING_ERROR: "Không xử lý được chính sách chữ ký mà chữ ký tham chiếu.",
    Reason.SIGNATURE_POLICY_NOT_AVAILABLE: "Không tìm thấy chính sách chữ ký mà chữ ký tham chiếu.",
    Reason.TIMESTAMP_ORDER_FAILURE: "Thứ tự thời gian của các dấu thời gian không hợp lệ.",
    Reason.NO_SIGNING_CERTIFICATE_FOUND: "Không tìm thấy chứng thư của người ký.",
    Reason.NO_CERTIFICATE_CHAIN_FOUND: "Không dựng được chuỗi chứng thư tới tổ chức chứng thực "
    "tin cậy.",
    Reason.REVOKED_NO_POE: "Chứng thư ký đã bị thu hồi; không có bằng chứng chữ ký có trước đó.",
    Reason.REVOKED_CA_NO_POE: "Chứng thư của tổ chức cấp đã bị thu hồi.",
    Reason.OUT_OF_BOUNDS_NO_POE: "Chứng thư ký đã hết hạn và không có dấu thời gian chứng minh "
    "chữ ký được tạo khi chứng thư còn hiệu lực.",
    Reason.REVOCATION_OUT_OF_BOUNDS_NO_POE: "Thông tin thu hồi được phát hành ngoài thời hạn "
    "hiệu lực của chứng thư ký; không có bằng chứng tồn tại cho chữ ký.",
    Reason.OUT_OF_BOUNDS_NOT_REVOKED: "Chứng thư ký đã hết hạn.",
    Reason.CRYPTO_CONSTRAINTS_FAILURE_NO_POE: "Thuật toán mật mã của chữ ký không còn an toàn "
    "và không có bằng chứng chữ ký được tạo khi thuật toán còn được chấp nhận.",
    Reason.NO_POE: "Không có bằng chứng tồn tại (dấu thời gian) cho chữ ký.",
    Reason.TRY_LATER: "Chưa lấy được thông tin thu hồi chứng thư; hãy thử lại sau.",
    Reason.SIGNED_DATA_NOT_FOUND: "Không tìm thấy dữ liệu được ký.",
    Reason.GENERIC: "Không xác định được tính hợp lệ của chữ ký.",
    Reason.TIMESTAMP_INVALID: "Dấu thời gian không hợp lệ hoặc không tin cậy.",
    Reason.DISALLOWED_CHANGES: "Tài liệu bị sửa sau khi ký (nội dung, trang hoặc chú thích).",
    Reason.PARTIAL_COVERAGE: "Chữ ký không bao phủ toàn bộ tệp (ByteRange bất thường).",
    Reason.NO_SIGNATURE: "Tệp không có chữ ký số.",
    Reason.SIGNATURE_UNREADABLE: "Không đọc được chữ ký (dữ liệu chữ ký hoặc ByteRange hỏng).",
    Reason.SIGNATURE_FORMAT_UNSUPPORTED: "Chữ ký theo định dạng không được hỗ trợ.",
    Reason.REVOCATION_DATA_MISSING: "Thiếu thông tin thu hồi (OCSP/CRL) của chứng thư: tệp không "
    "mang theo và không lấy được; chưa xác nhận được chứng thư còn hiệu lực.",
}


class SignatureKind(StrEnum):
    """What a signature field holds: a signature proper, or a document timestamp (B-LTA)."""

    SIGNATURE = "signature"
    DOCUMENT_TIMESTAMP = "document-timestamp"


class Coverage(StrEnum):
    """What a signature's ByteRange covers (pyHanko's `SignatureCoverageLevel`, as hoso judges
    it: anything short of a whole revision is partial, and fails)."""

    ENTIRE_FILE = "entire-file"
    ENTIRE_REVISION = "entire-revision"
    PARTIAL = "partial"
    UNKNOWN = "unknown"  # the signature could not be read


class ChangesAfter(StrEnum):
    """The worst change made to the file after a signature (pyHanko's `ModificationLevel`)."""

    NONE = "none"
    LTA_UPDATES = "lta-updates"  # DSS and document timestamps
    FORM_FILLING = "form-filling"  # e.g. a further signature in its own field
    ANNOTATIONS = "annotations"
    OTHER = "other"

    @property
    def allowed(self) -> bool:
        """Changes that keep the signed content as it was signed; the rest fail the signature."""
        return self in (ChangesAfter.NONE, ChangesAfter.LTA_UPDATES, ChangesAfter.FORM_FILLING)


@dataclass(frozen=True)
class CertificateInfo:
    subject: str
    issuer: str
    serial: str
    not_before: str
    not_after: str
    sha256: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> CertificateInfo:
        return cls(
            subject=cert.subject.human_friendly,
            issuer=cert.issuer.human_friendly,
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before.isoformat(),
            not_after=cert.not_valid_after.isoformat(),
            sha256=hashlib.sha256(cert.dump()).hexdigest(),
        )


@dataclass
class SignatureReport:
    field_name: str
    kind: SignatureKind
    level: str  # PAdES level found: B-B, B-T, B-LT, B-LTA (document timestamps: "DocTS")
    indication: Verdict
    ades: str  # the AdES (sub)indication pyHanko's process returned
    reasons: list[Reason] = field(default_factory=list)
    signer: CertificateInfo | None = None
    chain: list[str] = field(default_factory=list)  # subjects, signer first, anchor last
    trusted: bool = False
    intact: bool = False
    revocation: str = "unknown"  # good | revoked <date> (<reason>) | unknown
    claimed_signing_time: str | None = None
    proven_signing_time: str | None = None  # from a timestamp (signature or document)
    timestamp: dict[str, Any] | None = None
    coverage: Coverage = Coverage.UNKNOWN
    changes_after: ChangesAfter = ChangesAfter.NONE
    revision: int = 0  # the PDF revision the signature signed (0 = first)


@dataclass
class VerificationReport:
    file: str
    sha256: str
    verified_at: str
    verdict: Verdict
    revisions: int
    signatures: list[SignatureReport]
    reasons: list[Reason]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["reasons_vi"] = [REASONS_VI[r] for r in self.reasons]
        return data

    def render_vi(self) -> str:
        """The report for people, in Vietnamese."""
        out = [
            f"Tệp: {self.file}",
            f"SHA-256: {self.sha256}",
            f"Thời điểm kiểm tra: {self.verified_at}",
            f"Kết luận: {VERDICTS_VI[self.verdict]}",
        ]
        out += [f"  - {REASONS_VI[r]}" for r in self.reasons]
        for n, sig in enumerate(self.signatures, 1):
            kind = (
                "Dấu thời gian tài liệu"
                if sig.kind is SignatureKind.DOCUMENT_TIMESTAMP
                else "Chữ ký"
            )
            out.append(f"\n{kind} {n}: trường {sig.field_name!r}, mức {sig.level}")
            out.append(f"  Kết quả: {VERDICTS_VI[sig.indication]} [{sig.ades}]")
            if sig.signer:
                out.append(f"  Người ký: {sig.signer.subject}")
                out.append(f"  Cấp bởi: {sig.signer.issuer}")
                out.append(
                    f"  Hiệu lực chứng thư: {sig.signer.not_before} → {sig.signer.not_after}"
                )
            out.append(f"  Toàn vẹn: {'có' if sig.intact else 'KHÔNG'}")
            out.append(f"  Chuỗi tin cậy: {' ← '.join(sig.chain) if sig.chain else 'không có'}")
            out.append(f"  Tình trạng thu hồi: {_revocation_vi(sig.revocation)}")
            if sig.claimed_signing_time:
                out.append(f"  Thời điểm ký (tự khai): {sig.claimed_signing_time}")
            if sig.proven_signing_time:
                out.append(f"  Thời điểm ký (dấu thời gian): {sig.proven_signing_time}")
            out.append(f"  Phạm vi ký: {sig.coverage}; thay đổi sau khi ký: {sig.changes_after}")
            out += [f"  - {REASONS_VI[r]}" for r in sig.reasons]
        return "\n".join(out)


_COVERAGE = {
    SignatureCoverageLevel.ENTIRE_FILE: Coverage.ENTIRE_FILE,
    SignatureCoverageLevel.ENTIRE_REVISION: Coverage.ENTIRE_REVISION,
}
_CHANGES = {
    ModificationLevel.NONE: ChangesAfter.NONE,
    ModificationLevel.LTA_UPDATES: ChangesAfter.LTA_UPDATES,
    ModificationLevel.FORM_FILLING: ChangesAfter.FORM_FILLING,
    ModificationLevel.ANNOTATIONS: ChangesAfter.ANNOTATIONS,
    ModificationLevel.OTHER: ChangesAfter.OTHER,
}


# A paper carries a few signatures (an operator's, the agency's, renewals' time-stamps); a
# file holding more is a way to keep a server busy, not a record.
MAX_SIGNATURES = 64


class Verifier:
    """Verifies PDFs against the configured trust anchors (revocation fetched when missing)."""

    def __init__(self, config: SigningConfig) -> None:
        self.trust_roots = load_certificates(config.trust_roots)
        self.intermediates = load_certificates(config.intermediates)

    def verify_file(self, path: Path, at: datetime | None = None) -> VerificationReport:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise NotSignableError(f"cannot read {path}: {exc.strerror}") from exc
        return self.verify_bytes(data, name=path.name, at=at)

    def verify_bytes(
        self, data: bytes, *, name: str, at: datetime | None = None
    ) -> VerificationReport:
        """`at`: validate as of that moment, else now. A past moment is historical validation
        (embedded data only, nothing fetched); a future one is what a verifier will see then
        (the test suite runs its PKI's clock forward to check archived files outlive their
        certificates)."""
        if not data.lstrip()[:5] == b"%PDF-":
            raise NotSignableError("this is not a PDF file", source=name)
        timing = (
            ValidationTimingInfo(validation_time=at, best_signature_time=at,
                                 point_in_time_validation=at < datetime.now(UTC))
            if at is not None
            else None
        )  # fmt: skip
        try:
            return asyncio.run(self._verify(data, name, timing))
        except TimeoutError as exc:  # a fetch pyHanko gave up on (its fetchers' own limit)
            raise VerificationTimedOutError(
                "a certificate authority's server named in a certificate did not answer in "
                "time; try again later",
                source=name,
            ) from exc

    def _spec(self, knowledge: LocalKnowledge) -> PdfSignatureValidationSpec:
        policy = CertValidationPolicySpec(
            trust_manager=SimpleTrustManager.build(trust_roots=self.trust_roots),
            revinfo_policy=CertRevTrustPolicy(
                RevocationCheckingPolicy(
                    ee_certificate_rule=Rule.CRL_OR_OCSP_REQUIRED,
                    intermediate_ca_cert_rule=Rule.CRL_OR_OCSP_REQUIRED,
                )
            ),
        )
        known = LocalKnowledge(
            known_ocsps=knowledge.known_ocsps,
            known_crls=knowledge.known_crls,
            known_certs=[*knowledge.known_certs, *self.intermediates],
        )
        # No certificate is fetched from an address the signed file names (its signer's
        # "issuer at" URL, a CRL's): the path from the trust roots is built from what the file
        # embeds and the configured intermediates, so OCSP and CRLs are fetched only for
        # certificates that path vouches for, at the addresses their trusted issuers wrote. A
        # stranger's certificate had made the server call an address of its choice and keep
        # the answer in memory (helper-73: 2 GB).
        gathering = RevocationInfoGatheringSpec(
            certificate_fetching_rule=CertificateFetchingRule.NEVER_FETCH
        )
        return PdfSignatureValidationSpec(
            SignatureValidationSpec(
                cert_validation_policy=policy,
                revinfo_gathering_policy=gathering,
                local_knowledge=known,
            )
        )

    async def _verify(
        self, data: bytes, name: str, timing: ValidationTimingInfo | None
    ) -> VerificationReport:
        now = timing.validation_time if timing else datetime.now(UTC)
        try:
            reader = PdfFileReader(io.BytesIO(data), strict=False)
            if reader.encrypted:
                raise NotSignableError("the PDF is encrypted; hoso cannot verify it", source=name)
            embedded, broken = _collect_signatures(reader)
            if len(embedded) + len(broken) > MAX_SIGNATURES:
                raise TooManySignaturesError(
                    f"the PDF holds {len(embedded) + len(broken)} signatures; hoso checks at "
                    f"most {MAX_SIGNATURES} in one file",
                    source=name,
                )
            revisions = reader.xrefs.total_revisions
            knowledge = _dss_knowledge(reader)
        except DAMAGED_PDF_ERRORS as exc:
            raise NotSignableError(f"the PDF cannot be read ({exc})", source=name) from exc
        spec = self._spec(knowledge)
        reports = []
        for sig in embedded:
            try:
                with _pyhanko_causes() as causes:
                    report = await self._one(sig, embedded, spec, timing)
                _name_the_cause(report, causes)
                reports.append(report)
            except DAMAGED_PDF_ERRORS as exc:
                log.info("signature %s unreadable", sig.field_name, exc_info=exc)
                reports.append(_unreadable(str(sig.field_name)))
            except AssertionError as exc:
                # pyHanko's path validation asserts what it takes certificates to be: an EC
                # signature on a certificate naming an RSA root as its issuer failed its
                # assertion, and the upload answered 500 (helper-75). No chain holds there.
                log.warning("signature %s: its chain cannot be checked", sig.field_name,
                            exc_info=exc)  # fmt: skip
                reports.append(_unreadable(
                    str(sig.field_name), Reason.CERTIFICATE_CHAIN_GENERAL_FAILURE,
                    Verdict.INDETERMINATE, "INDETERMINATE/CERTIFICATE_CHAIN_GENERAL_FAILURE",
                ))  # fmt: skip
        _flag_unsigned_tail(data, embedded, reports)
        reports += broken
        if not reports:
            verdict, reasons = Verdict.INDETERMINATE, [Reason.NO_SIGNATURE]
        else:
            verdict = max((r.indication for r in reports), key=_SEVERITY.__getitem__)
            reasons = list(dict.fromkeys(code for r in reports for code in r.reasons))
        return VerificationReport(
            file=name,
            sha256=hashlib.sha256(data).hexdigest(),
            verified_at=now.isoformat(timespec="seconds"),
            verdict=verdict,
            revisions=revisions,
            signatures=reports,
            reasons=reasons,
        )

    async def _one(
        self,
        sig: EmbeddedPdfSignature,
        embedded: list[EmbeddedPdfSignature],
        spec: PdfSignatureValidationSpec,
        timing: ValidationTimingInfo | None,
    ) -> SignatureReport:
        sig.compute_integrity_info()  # type: ignore[no-untyped-call]
        integrity = sig.summarise_integrity_info()
        is_doc_ts = sig.sig_object_type == "/DocTimeStamp"
        later_doc_ts = any(
            other.sig_object_type == "/DocTimeStamp" and other.signed_revision > sig.signed_revision
            for other in embedded
        )
        has_sig_ts = _has_signature_timestamp(sig)
        has_dss = bool(spec.signature_validation_spec.local_knowledge.known_ocsps) or bool(
            spec.signature_validation_spec.local_knowledge.known_crls
        )
        if is_doc_ts:
            level = "DocTS"
        elif later_doc_ts and has_sig_ts and has_dss:
            level = "B-LTA"
        elif has_sig_ts:
            level = "B-LT" if has_dss else "B-T"
        else:
            level = "B-B"

        status: Any
        best_time: datetime | None = None
        if has_sig_ts and not is_doc_ts:
            timed = await ades_with_time_validation(
                sig.signed_data,
                spec.signature_validation_spec,
                raw_digest=sig.compute_digest(),
                extra_status_kwargs=integrity,
                status_cls=PdfSignatureStatus,
                timing_info=timing,
            )
            subindic, status = timed.ades_subindic, timed.api_status
            best_time = timed.best_signature_time
            if later_doc_ts and not isinstance(subindic, AdESPassed):
                # Only the long-term process can rescue a signature whose certificate has
                # expired or been revoked since: the document timestamps prove it older.
                lta = await ades_lta_validation(sig, spec, timing_info=timing)
                subindic, status = lta.ades_subindic, lta.api_status
                best_time = lta.best_signature_time
        elif is_doc_ts:
            stamped = await ades_timestamp_validation(
                sig.signed_data,
                spec.signature_validation_spec,
                expected_tst_imprint=lambda algo: sig.compute_digest(algo),
                timing_info=timing,
            )
            subindic, status = stamped.ades_subindic, stamped.api_status
            best_time = sig.self_reported_timestamp
        else:
            basic = await ades_basic_validation(
                sig.signed_data,
                spec.signature_validation_spec,
                raw_digest=sig.compute_digest(),
                timing_info=timing,
            )
            subindic, status = basic.ades_subindic, basic.api_status

        report = SignatureReport(
            field_name=str(sig.field_name),
            kind=SignatureKind.DOCUMENT_TIMESTAMP if is_doc_ts else SignatureKind.SIGNATURE,
            level=level,
            indication=_verdict_of(subindic),
            ades=f"{subindic.status.name}/{subindic.standard_name}",
            revision=sig.signed_revision,
        )
        if not isinstance(subindic, AdESPassed):
            report.reasons.append(Reason(subindic.standard_name))
        cert: x509.Certificate = sig.signer_cert
        report.signer = CertificateInfo.of(cert)
        report.intact = bool(status and status.intact and status.valid)
        report.trusted = bool(status and status.trusted)
        path = getattr(status, "validation_path", None)
        if path is not None:
            report.chain = [c.subject.human_friendly for c in reversed(list(path))]
        revoked = getattr(status, "revocation_details", None)
        if revoked is not None:
            since = revoked.revocation_date.isoformat()
            report.revocation = f"revoked {since} ({revoked.revocation_reason.native})"
        elif report.trusted:
            report.revocation = "good"
        if sig.self_reported_timestamp and not is_doc_ts:
            report.claimed_signing_time = sig.self_reported_timestamp.isoformat()
        ts_status = getattr(status, "timestamp_validity", None)
        if ts_status is not None:
            report.timestamp = {
                "time": ts_status.timestamp.isoformat(),
                "tsa": ts_status.signing_cert.subject.human_friendly,
                "valid": bool(ts_status.intact and ts_status.valid),
                "trusted": bool(ts_status.trusted),
            }
            if not (ts_status.intact and ts_status.valid and ts_status.trusted):
                _fail(report, Reason.TIMESTAMP_INVALID, Verdict.INDETERMINATE)
        if best_time is not None and (has_sig_ts or later_doc_ts or is_doc_ts):
            report.proven_signing_time = best_time.isoformat()
            self._check_time(report, cert, best_time, revoked)

        coverage = integrity.get("coverage")
        diff = integrity.get("diff_result")
        report.coverage = _COVERAGE.get(coverage, Coverage.PARTIAL)  # type: ignore[arg-type]
        if diff is not None:
            level_of_change = (
                diff.modification_level if isinstance(diff, DiffResult) else ModificationLevel.OTHER
            )
            report.changes_after = _CHANGES[level_of_change]
        if report.coverage is Coverage.PARTIAL:
            _fail(report, Reason.PARTIAL_COVERAGE, Verdict.FAILED)
        if not report.changes_after.allowed or integrity.get("docmdp_ok") is False:
            _fail(report, Reason.DISALLOWED_CHANGES, Verdict.FAILED)
        return report

    @staticmethod
    def _check_time(
        report: SignatureReport,
        cert: x509.Certificate,
        proven: datetime,
        revoked: Any,
    ) -> None:
        """The checks the AdES process leaves out, against the proven signing time."""
        if proven > cert.not_valid_after:
            _fail(report, Reason.EXPIRED, Verdict.FAILED)
        elif proven < cert.not_valid_before:
            _fail(report, Reason.NOT_YET_VALID, Verdict.FAILED)
        if revoked is not None and not revoked.ca_revoked and revoked.revocation_date <= proven:
            _fail(report, Reason.REVOKED, Verdict.FAILED)


def _revocation_vi(revocation: str) -> str:
    """The report's revocation status ("good", "revoked <date> (<reason>)", "unknown") as the
    Vietnamese report says it; the JSON keeps the English words of its contract."""
    if revocation == "good":
        return "chưa bị thu hồi"
    if revocation.startswith("revoked "):
        return "đã bị thu hồi từ " + revocation.removeprefix("revoked ")
    return "không xác định được"


def _unreadable(
    field_name: str,
    reason: Reason = Reason.SIGNATURE_UNREADABLE,
    indication: Verdict = Verdict.FAILED,
    ades: str = "FAILED/FORMAT_FAILURE",
) -> SignatureReport:
    """A signature that could not be checked at all."""
    return SignatureReport(
        field_name=field_name,
        kind=SignatureKind.SIGNATURE,
        level="?",
        indication=indication,
        ades=ades,
        reasons=[reason],
    )


def _collect_signatures(
    reader: PdfFileReader,
) -> tuple[list[EmbeddedPdfSignature], list[SignatureReport]]:
    """The file's filled signature fields: those that can be checked, in signing order, and
    reports for those that cannot. pyHanko's own listing skips unknown formats silently and
    stops at the first signature whose CMS or ByteRange is garbage (a "universal signature
    forgery" then reads as an unreadable file); here each such field is a failed signature."""
    embedded: list[EmbeddedPdfSignature] = []
    broken: list[SignatureReport] = []
    for fq_name, sig_obj, sig_field in enumerate_sig_fields(reader, filled_status=True):
        try:
            subfilter = sig_obj.get_object().get("/SubFilter")
            if str(subfilter) not in _SUBFILTERS:  # e.g. legacy adbe.x509.rsa_sha1: cannot check
                broken.append(
                    _unreadable(
                        str(fq_name),
                        Reason.SIGNATURE_FORMAT_UNSUPPORTED,
                        Verdict.INDETERMINATE,
                        "INDETERMINATE/FORMAT_UNSUPPORTED",
                    )
                )
                continue
            embedded.append(EmbeddedPdfSignature(reader, sig_field, fq_name))
        except DAMAGED_PDF_ERRORS as exc:
            log.info("signature %s unreadable", fq_name, exc_info=exc)
            broken.append(_unreadable(str(fq_name)))
    embedded.sort(key=lambda sig: sig.signed_revision)
    return embedded, broken


_SUBFILTERS = {subfilter.value for subfilter in SigSeedSubFilter}


def _flag_unsigned_tail(
    data: bytes, embedded: list[EmbeddedPdfSignature], reports: list[SignatureReport]
) -> None:
    """Bytes after the file's last %%EOF belong to no revision: difference analysis never sees
    them, yet a lenient reader may. Signatures whose ByteRange stops short of them do not cover
    the file."""
    last_eof = data.rfind(b"%%EOF")
    if last_eof < 0 or not data[last_eof + 5 :].strip():
        return
    for sig, report in zip(embedded, reports, strict=True):
        start, length = int(sig.byte_range[2]), int(sig.byte_range[3])
        if start + length < len(data):
            report.coverage = Coverage.PARTIAL
            _fail(report, Reason.PARTIAL_COVERAGE, Verdict.FAILED)


def configured_verifier() -> Verifier:
    """The server's verifier: the signing configuration's trust anchors when there is one, else
    none, as `hoso verify` does. Without anchors a signature's integrity and the changes after
    it are still checked, and trust is unknown (INDETERMINATE); the server had answered 503 to
    every verification on the embedded defaults, where the command line verified (helper-76)."""
    return Verifier(SigningConfig.for_verifying())


class _CauseLog(logging.Handler):
    """Keeps the exceptions pyHanko logs in this thread (it logs, then folds them into an AdES
    sub-indication)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.thread = threading.get_ident()
        self.causes: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread and record.exc_info and record.exc_info[1] is not None:
            self.causes.append(record.exc_info[1])


@contextmanager
def _pyhanko_causes() -> Iterator[list[BaseException]]:
    """The exceptions pyHanko logs while the block runs."""
    handler = _CauseLog()
    logger = logging.getLogger("pyhanko")
    logger.addHandler(handler)
    try:
        yield handler.causes
    finally:
        logger.removeHandler(handler)


def _name_the_cause(report: SignatureReport, causes: list[BaseException]) -> None:
    """pyHanko reports missing revocation data (no OCSP or CRL in the file, none fetched) as a
    generic chain failure ("Chuỗi chứng thư không hợp lệ"), which sends an archivist looking
    for a forged chain; the logged exception says what is really missing."""
    general = Reason.CERTIFICATE_CHAIN_GENERAL_FAILURE
    missing = any(
        isinstance(c, InsufficientRevinfoError) and not isinstance(c, StaleRevinfoError)
        for c in causes
    )
    if general in report.reasons and missing:
        report.reasons[report.reasons.index(general)] = Reason.REVOCATION_DATA_MISSING


def _fail(report: SignatureReport, code: Reason, verdict: Verdict) -> None:
    if code not in report.reasons:
        report.reasons.append(code)
    if _SEVERITY[verdict] > _SEVERITY[report.indication]:
        report.indication = verdict


def _verdict_of(subindic: Any) -> Verdict:
    status = subindic.status
    if status is AdESStatus.PASSED:
        return Verdict.PASSED
    if status is AdESStatus.FAILED:
        return Verdict.FAILED
    return Verdict.INDETERMINATE


def _has_signature_timestamp(sig: EmbeddedPdfSignature) -> bool:
    attrs = sig.signer_info["unsigned_attrs"]
    if not attrs:
        return False
    return any(attr["type"].native == "signature_time_stamp_token" for attr in attrs)


def _dss_knowledge(reader: PdfFileReader) -> LocalKnowledge:
    """Certificates, OCSP responses and CRLs embedded in the DSS (B-LT, B-LTA)."""
    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except NoDSSFoundError:
        return LocalKnowledge()
    ocsps = [
        container
        for ref in dss.ocsps
        for container in OCSPContainer.load_multi(
            asn1_ocsp.OCSPResponse.load(ref.get_object().data)
        )
    ]
    crls = [
        CRLContainer(crl_data=asn1_crl.CertificateList.load(ref.get_object().data))
        for ref in dss.crls
    ]
    return LocalKnowledge(known_ocsps=ocsps, known_crls=crls, known_certs=list(dss.load_certs()))
