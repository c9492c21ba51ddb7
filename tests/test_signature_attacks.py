"""Every attack on a signed PDF that the archive must catch is reported as failed or
indeterminate, with the reason that names it (tests/signature_attacks.py builds them)."""

from __future__ import annotations

import random
import re
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers

from hoso.signatures.errors import NotSignableError
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verdict, Verifier
from tests.pki import TestPki
from tests.signature_attacks import ATTACKS, Attack, attacked


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_attack_is_detected_with_its_reason(
    attack: Attack, signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    report = verifier.verify_bytes(attacked(attack, signing, pdfa_copy, tmp_path), name=attack.name)
    assert report.verdict is attack.verdict, report.render_vi()
    assert attack.reasons & set(report.reasons), report.render_vi()


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
def test_the_same_file_untampered_is_judged_on_its_certificate_only(
    attack: Attack, signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Control: without the tampering, a good certificate passes; so each detection above is
    caused by the attack, not by the way the file was made."""
    untampered = Attack(attack.name, attack.profile, attack.verdict, attack.reasons,
                        None, attack.prepare)  # fmt: skip
    report = verifier.verify_bytes(
        attacked(untampered, signing, pdfa_copy, tmp_path), name=attack.name
    )
    if attack.tamper is None:  # the attack is the certificate itself
        assert report.verdict is attack.verdict
    else:
        assert report.verdict is Verdict.PASSED, report.render_vi()


def test_damaged_signed_files_get_a_verdict_or_a_typed_error_never_a_pass(
    signing: SigningService, verifier: Verifier, pdfa_copy: Path, tmp_path: Path
) -> None:
    """Random truncations and byte changes (a fuzz with a fixed seed): each answer is a report
    or a NotSignableError; a change inside the signed ranges never passes. Unsigned by design,
    so they may change unnoticed: the zero padding of /Contents, and the last revision, added
    after the document timestamp with that timestamp's own validation data (PAdES B-LTA: the
    next archive timestamp covers it; pyHanko's difference analysis judges what it may hold,
    and lets an XMP metadata update pass; the archive's fixity check sees any changed byte).
    A CI run (session 16) flipped a byte of that revision's XMP title: it passed."""
    signed = tmp_path / "signed.pdf"
    signing.sign(pdfa_copy, signed, "p12-B-LTA")
    data = signed.read_bytes()
    ranges = [
        tuple(int(n) for n in m.groups())
        for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", data)
    ]
    signed_end = max(c + d for _, _, c, d in ranges)
    gaps = [(a + b, c) for a, b, c, _ in ranges] + [(signed_end, len(data))]
    rnd = random.Random(7)
    for round_ in range(60):
        damaged = bytearray(data)
        changed: list[int] = []
        if round_ % 2:
            damaged = damaged[: rnd.randrange(10, len(damaged))]
        else:
            changed = [rnd.randrange(len(damaged)) for _ in range(rnd.randrange(1, 4))]
            for offset in changed:
                damaged[offset] ^= rnd.randrange(1, 256)
        try:
            report = verifier.verify_bytes(bytes(damaged), name=f"damaged-{round_}")
        except NotSignableError:
            continue
        if report.verdict is Verdict.PASSED:
            assert changed, "a truncated file passed"
            assert all(any(a <= c < b for a, b in gaps) for c in changed), changed


class _Recorder(BaseHTTPRequestHandler):
    """An address a stranger's certificate names: records each request, answers nothing."""

    asked: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_error(404)

    do_POST = do_GET  # OCSP asks by POST

    def log_message(self, *_: object) -> None:
        pass


def _stranger(
    base: str,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, x509.Certificate]:
    """A key and certificate issued by a CA no one trusts, whose certificate names the CA's
    certificate, its OCSP responder and its CRL at `base`; and the CA's certificate."""
    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Không ai tin")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Người lạ")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False), True
        )
        .add_extension(
            x509.AuthorityInformationAccess(
                [
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.CA_ISSUERS,
                        x509.UniformResourceIdentifier(f"{base}/ca.cer"),
                    ),
                    x509.AccessDescription(
                        AuthorityInformationAccessOID.OCSP,
                        x509.UniformResourceIdentifier(f"{base}/ocsp"),
                    ),
                ]
            ),
            False,
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier(f"{base}/ca.crl")], None, None, None
                    )
                ]
            ),
            False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(ca_key, hashes.SHA256())
    )
    return key, certificate, ca


def _signed_by(
    unsigned: Path,
    folder: Path,
    key: ec.EllipticCurvePrivateKey,
    certificate: x509.Certificate,
    chain: tuple[x509.Certificate, ...] = (),
) -> Path:
    """`unsigned` signed with `key`, its certificate and `chain` embedded in the signature."""
    files = {"key.pem": key.private_bytes(serialization.Encoding.PEM,
                                          serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()),
             "cert.pem": certificate.public_bytes(serialization.Encoding.PEM)}  # fmt: skip
    files |= {
        f"chain{n}.pem": c.public_bytes(serialization.Encoding.PEM) for n, c in enumerate(chain)
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    load = signers.SimpleSigner.load
    chain_files = tuple(str(folder / f"chain{n}.pem") for n in range(len(chain)))
    signer = load(str(folder / "key.pem"), str(folder / "cert.pem"), ca_chain_files=chain_files)  # type: ignore[no-untyped-call]
    signed = folder / "signed.pdf"
    with unsigned.open("rb") as source, signed.open("wb") as out:
        signers.sign_pdf(
            IncrementalPdfFileWriter(source), signers.PdfSignatureMetadata(field_name="Ky"),
            signer=signer, output=out,
        )  # fmt: skip
    return signed


@pytest.mark.parametrize("ca_embedded", [False, True], ids=["issuer-missing", "issuer-embedded"])
def test_a_strangers_signature_makes_the_server_fetch_nothing_it_names(
    verifier: Verifier, pdfa_copy: Path, tmp_path: Path, ca_embedded: bool
) -> None:
    """An uploaded PDF's signer may name any address as its issuer's certificate, OCSP
    responder or CRL. pyHanko fetched them all: an archivist's upload made the server call an
    address of the signer's choice (a machine inside the agency's network) and keep what it
    answered in memory (helper-73 saw 2 GB). Nothing is fetched for a certificate that no
    path from the trust roots vouches for."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    _Recorder.asked = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        key, certificate, ca = _stranger(f"http://127.0.0.1:{server.server_port}")
        chain = (ca,) if ca_embedded else ()
        signed = _signed_by(pdfa_copy, tmp_path, key, certificate, chain)
        report = verifier.verify_file(signed)
    finally:
        server.shutdown()
    assert report.verdict != Verdict.PASSED
    assert _Recorder.asked == []


def test_a_certificate_claiming_a_trusted_roots_name_with_another_key_type_is_judged(
    verifier: Verifier, pki: TestPki, pdfa_copy: Path, tmp_path: Path
) -> None:
    """An EC certificate naming the trusted (RSA) root as its issuer made pyHanko's path check
    fail an assertion, and verifying answered an internal error (helper-75)."""
    root = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
    key, forger = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    forged = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Giả gốc")]))
        .issuer_name(root.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root.public_key()),  # type: ignore[arg-type]
            False,
        )
        .sign(forger, hashes.SHA256())
    )
    signed = _signed_by(pdfa_copy, tmp_path, key, forged)
    report = verifier.verify_file(signed)
    assert report.verdict != Verdict.PASSED and report.reasons
