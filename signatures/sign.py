"""PAdES signing of one PDF with one profile (B-B, B-T, B-LT or B-LTA).

Signing is idempotent by signature field: every profile signs into its own named field, and a
file whose field is already signed is handed back unchanged, so a retried job step never signs
twice. The first signature may tidy the PDF/A metadata (pyHanko would otherwise leave the /Info
producer and the XMP producer disagreeing); a signed file is only ever appended to.
"""

from __future__ import annotations

import io
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pikepdf
from lxml import etree
from pkcs11 import PKCS11Error
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.sign.fields import SigFieldSpec, SigSeedSubFilter, enumerate_sig_fields
from pyhanko.sign.general import SigningError
from pyhanko.sign.signers import PdfSignatureMetadata, PdfSigner, Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError
from pyhanko_certvalidator import ValidationContext

from hoso.files import atomic_output
from hoso.signatures import appearance
from hoso.signatures.errors import (
    NotSignableError,
    ResultSigningNotConfiguredError,
    SignerUnavailableError,
    SigningConfigError,
    SigningFailedError,
)
from hoso.signatures.keys import Keyring
from hoso.signatures.profiles import CONFIG_ENV, Level, Profile, SigningConfig, load_certificates
from hoso.signatures.result_qr import ResultInfo, add_result_qr

# pyHanko rewrites the XMP packet; namespaces lxml does not know come out as ns0, ns1…
etree.register_namespace("xmpMM", "http://ns.adobe.com/xap/1.0/mm/")
etree.register_namespace("pdfaid", "http://www.aiim.org/pdfa/ns/id/")
etree.register_namespace("pdfuaid", "http://www.aiim.org/pdfua/ns/id/")


@dataclass(frozen=True)
class SignOutcome:
    output: Path
    signed: bool  # False: the profile's field was already signed, nothing was added
    profile: str
    level: Level
    field: str
    signer: str  # the certificate's subject
    seconds: float
    signer_name: str = ""  # the configured signer that signed (or would have)
    operator: str | None = None  # who scanned the copy, for the workers' signature


class SigningService:
    """Signs with the configured profiles; holds the keys and one time-stamp client per process
    (a new client per document costs a dry-run timestamp, ~0.45 s)."""

    def __init__(self, config: SigningConfig, keyring: Keyring | None = None) -> None:
        self.config = config
        self.keyring = keyring or Keyring()
        self._trust_roots = load_certificates(config.trust_roots)  # read once, not per signature
        self._intermediates = load_certificates(config.intermediates)
        self._timestamper: HTTPTimeStamper | None = None
        self._lock = threading.Lock()

    def validation_context(self, at: datetime | None = None) -> ValidationContext:
        """Trust anchors and intermediates from the configuration; revocation data fetched from
        the certificates' OCSP and CRL addresses; `at`: the moment to validate for (now)."""
        return ValidationContext(
            trust_roots=self._trust_roots,
            other_certs=self._intermediates,
            allow_fetching=True,
            moment=at,
        )

    def timestamper(self) -> HTTPTimeStamper:
        with self._lock:
            if self._timestamper is None:
                if not self.config.tsa_url:
                    raise SigningFailedError("no time-stamping authority configured")
                self._timestamper = HTTPTimeStamper(self.config.tsa_url, timeout=20)
            return self._timestamper

    def sign(
        self,
        source: Path,
        target: Path,
        profile_name: str,
        result: ResultInfo | None = None,
        signer_name: str | None = None,
    ) -> SignOutcome:
        """Sign `source` into `target`. `result`: draw an issued result's QR code first.
        `signer_name`: sign with this configured signer instead of the profile's (the scan
        operator's own key, with the profile's level, appearance and field)."""
        profile = self.config.profile(profile_name)
        key = signer_name or profile.signer
        started = time.perf_counter()
        signer = self.keyring.signer(self.config.signer(key))
        subject = signer.signing_cert.subject.human_friendly if signer.signing_cert else ""
        data = read_pdf(source)
        existing = _signature_fields(data, source)
        if existing.get(profile.field_name):
            _signed_by_us(data, profile.field_name, signer, source)
            if source.resolve() != target.resolve():
                atomic_write(target, data)
            return SignOutcome(
                target, False, profile.name, profile.level, profile.field_name, subject, 0.0, key
            )
        if result is not None:
            data = add_result_qr(data, result)
        if not any(existing.values()):
            data = _tidy_metadata(data)
        signed = self._sign_bytes(data, profile, signer, key)
        atomic_write(target, signed)
        return SignOutcome(
            target,
            True,
            profile.name,
            profile.level,
            profile.field_name,
            subject,
            time.perf_counter() - started,
            key,
        )

    def _sign_bytes(self, data: bytes, profile: Profile, signer: Signer, key: str) -> bytes:
        page_index, page_size = _page(data, profile.page)
        writer = IncrementalPdfFileWriter(io.BytesIO(data))
        place = appearance.placement(
            profile,
            font=self.config.font,
            cache_dir=self.config.cache_dir,
            page_size=page_size,
            when=datetime.now(UTC),
        )
        level = profile.level
        metadata = PdfSignatureMetadata(
            field_name=profile.field_name,
            subfilter=SigSeedSubFilter.PADES,
            md_algorithm="sha256",
            reason=profile.reason,
            location=profile.location,
            embed_validation_info=level.with_validation_data,
            validation_context=self.validation_context() if level.with_validation_data else None,
            use_pades_lta=level is Level.B_LTA,
        )
        pdf_signer = PdfSigner(
            metadata,
            signer=signer,
            timestamper=self.timestamper() if level.timestamped else None,
            stamp_style=place.style,
            new_field_spec=SigFieldSpec(
                sig_field_name=profile.field_name, on_page=page_index, box=place.box
            ),
        )
        output = io.BytesIO()
        try:
            pdf_signer.sign_pdf(
                writer, output=output, appearance_text_params=place.text_params or None
            )
        except PKCS11Error as exc:
            raise SignerUnavailableError(
                f"the token of signer {key!r} (profile {profile.name!r}) refused to sign "
                f"({type(exc).__name__}); is it still plugged in?"
            ) from exc
        except (SigningError, TimestampRequestError, OSError) as exc:
            raise SigningFailedError(_signing_failure(exc, profile)) from exc
        return output.getvalue()


def _signing_failure(exc: Exception, profile: Profile) -> str:
    if isinstance(exc, TimestampRequestError | OSError):
        return f"the time-stamping authority did not answer ({exc}); try again later"
    return f"profile {profile.name!r} could not sign: {exc}"


def read_pdf(source: Path) -> bytes:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise NotSignableError(f"cannot read {source}: {exc.strerror}") from exc
    if not data.lstrip()[:5] == b"%PDF-":
        raise NotSignableError("this is not a PDF file", source=str(source))
    return data


def _signature_fields(data: bytes, source: Path) -> dict[str, bool]:
    """Signature field name → filled?  Refuses encrypted and unreadable files."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        if reader.encrypted:
            raise NotSignableError(
                "the PDF is encrypted: hoso signs only unencrypted PDF/A", source=str(source)
            )
        return {name: value is not None for name, value, _ in enumerate_sig_fields(reader)}
    except (PdfReadError, ValueError, KeyError) as exc:
        raise NotSignableError(f"the PDF cannot be read ({exc})", source=str(source)) from exc


def _signed_by_us(data: bytes, field_name: str, signer: Signer, source: Path) -> None:
    """A filled field is this signer's own signature from an earlier try (a retried job signs
    once), never anyone else's: an uploaded PDF whose `hoso-result` field a self-made
    certificate had filled was filed and served as the agency's issued result, unsigned by it
    (a reviewing helper's)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    ours = signer.signing_cert.dump() if signer.signing_cert else None
    for embedded in reader.embedded_signatures:
        if embedded.field_name == field_name and ours and embedded.signer_cert.dump() == ours:
            return
    raise NotSignableError(
        f"its signature field {field_name!r} already holds a signature that is not this "
        "signer's: hoso signs it only itself",
        source=str(source),
    )


def _tidy_metadata(data: bytes) -> bytes:
    """Before the first signature: one producer in /Info and XMP, so signing keeps PDF/A valid."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        if "/Info" not in pdf.trailer:
            return data
        del pdf.trailer["/Info"]  # PDF/A-2 needs none; XMP carries the metadata
        out = io.BytesIO()
        pdf.save(out, fix_metadata_version=False, deterministic_id=False)
        return out.getvalue()


def _page(data: bytes, wanted: int) -> tuple[int, tuple[float, float]]:
    """0-based index and size in points of page `wanted` (1-based, negative from the end)."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        count = len(pdf.pages)
        index = wanted - 1 if wanted > 0 else count + wanted
        if not 0 <= index < count:
            raise NotSignableError(f"the PDF has {count} pages; the profile wants page {wanted}")
        x1, y1, x2, y2 = (float(v) for v in pdf.pages[index].mediabox)
        return index, (abs(x2 - x1), abs(y2 - y1))


def atomic_write(target: Path, data: bytes) -> None:
    with atomic_output(target) as temp:
        temp.write_bytes(data)


class PipelineSigner:
    """The scan operator's signature on every digitized copy (Circular 01/2023 Art. 8), for the
    workers and `hoso ingest`: the pipeline profile's level, appearance and field, with the key
    of the operator who scanned the copy (`SigningConfig.operator_signer`). One per process:
    its service keeps every operator's key open (`Keyring`), so no token is opened per copy."""

    def __init__(self, service: SigningService) -> None:
        if service.config.pipeline_profile is None:
            raise SigningConfigError("the signing configuration has no [pipeline] profile")
        self.service = service
        self.profile = service.config.profile(service.config.pipeline_profile)

    def for_operator(self, operator: str | None) -> Callable[[Path, Path], SignOutcome]:
        """`sign(pdf, signed_pdf)` with `operator`'s key. Raises `OperatorSignerMissingError`
        at once when operators have signers of their own and this one has none, so a copy
        that could only be signed as someone else is not even digitized."""
        key = self.service.config.operator_signer(self.profile, operator)

        def sign(source: Path, target: Path) -> SignOutcome:
            outcome = self.service.sign(source, target, self.profile.name, signer_name=key)
            return replace(outcome, operator=operator)

        return sign

    def describe(self) -> str:
        """Who signs, in one line for the worker's log (the choice must not be silent)."""
        operators = self.service.config.operators
        if operators is None:
            return (
                f"profile {self.profile.name!r}: signer {self.profile.signer!r} signs every "
                "copy, whoever scanned it (no [operators] in the signing configuration)"
            )
        return (
            f"profile {self.profile.name!r}: each copy signed by its operator's own signer "
            f"({len(operators)} operators configured; others fail as operator_signer_missing)"
        )


def pipeline_signer(config: SigningConfig | None = None) -> PipelineSigner | None:
    """The workers' signing step for `config` (else the environment's configuration), or None
    when there is no signing configuration or it has no pipeline profile."""
    if config is None:
        if not os.environ.get(CONFIG_ENV):
            return None
        config = SigningConfig.load()
    if config.pipeline_profile is None:
        return None
    return PipelineSigner(SigningService(config))


class ResultSigner:
    """The agency's signature on a result it issues (the decision or certificate a desk hands
    back): the result's QR code drawn on page 1, then the `[results]` profile's key, level and
    appearance, through `SigningService.sign` like `hoso sign --qr`. One per process, so the
    agency's token is opened once."""

    def __init__(self, service: SigningService) -> None:
        if service.config.result_profile is None:
            raise ResultSigningNotConfiguredError(_NO_RESULT_PROFILE)
        self.service = service
        self.profile = service.config.profile(service.config.result_profile)

    def sign(self, source: Path, target: Path, result: ResultInfo) -> SignOutcome:
        return self.service.sign(source, target, self.profile.name, result)


_NO_RESULT_PROFILE = (
    "results are signed with the agency's result profile, and the signing configuration names "
    'none: an administrator must add [results] profile = "<profile>" (see '
    "docs/signing.example.toml) and restart hoso; nothing was issued"
)


def result_signer(config: SigningConfig | None) -> ResultSigner:
    """The result signer of `config`, else of the environment's configuration; without either
    (or without a result profile) `ResultSigningNotConfiguredError`, never an unsigned result."""
    if config is None:
        if not os.environ.get(CONFIG_ENV):
            raise ResultSigningNotConfiguredError(
                f"no signing configuration (set {CONFIG_ENV} or pass --config): results are "
                "issued signed with the agency's result profile; nothing was issued"
            )
        config = SigningConfig.load()
    if config.result_profile is None:
        raise ResultSigningNotConfiguredError(_NO_RESULT_PROFILE)
    return ResultSigner(SigningService(config))


def configured_result_signer() -> ResultSigner | None:
    """The result signer of the environment's signing configuration, or None when there is
    none or it names no result profile (`hoso serve`: issuing then answers 503)."""
    if not os.environ.get(CONFIG_ENV):
        return None
    config = SigningConfig.load()
    return ResultSigner(SigningService(config)) if config.result_profile else None
