"""Open signers: PKCS#12 files and PKCS#11 tokens/HSMs. The only module that touches key material.

Keys are opened once per process and kept (`Keyring`): pyHanko's `SimpleSigner` re-parses its key
for every signature (and twice per signature because of the size-estimating dry run), about
140 ms of a 60 ms signature; a PKCS#11 login per document would be slower still. The private key
object never leaves this module; callers get a pyHanko `Signer`, which only signs.
"""

from __future__ import annotations

import threading
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from pyhanko.sign.signers import Signer, SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

from hoso.signatures.errors import SignerUnavailableError
from hoso.signatures.profiles import SignerSpec, load_certificates


class _CachedKeySigner(SimpleSigner):
    """A SimpleSigner that parses its private key once."""

    def __init__(
        self,
        signing_cert: x509.Certificate,
        signing_key: asn1_keys.PrivateKeyInfo,
        cert_registry: SimpleCertificateStore,
    ) -> None:
        super().__init__(signing_cert, signing_key, cert_registry)
        self._key = serialization.load_der_private_key(signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        hash_algo = get_pyca_cryptography_hash(digest_algorithm)
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, RSAPrivateKey):
            return self._key.sign(data, PKCS1v15(), hash_algo)
        if mechanism == "ecdsa" and isinstance(self._key, EllipticCurvePrivateKey):
            return self._key.sign(data, ECDSA(hash_algo))
        result: bytes = super().sign_raw(data, digest_algorithm)  # PSS, EdDSA…: rare, uncached
        return result


def _open_pkcs12(spec: SignerSpec) -> Signer:
    assert spec.pkcs12 is not None
    pin = spec.pin()
    try:
        data = spec.pkcs12.read_bytes()
    except OSError as exc:
        raise SignerUnavailableError(
            f"signer {spec.name!r}: cannot read {spec.pkcs12}: {exc.strerror}"
        ) from exc
    try:
        key, cert, extra = serialization.pkcs12.load_key_and_certificates(
            data, pin.encode() if pin is not None else None
        )
    except ValueError as exc:
        raise SignerUnavailableError(
            f"signer {spec.name!r}: the PKCS#12 file cannot be opened (wrong PIN or damaged)"
        ) from exc
    if key is None or cert is None:
        raise SignerUnavailableError(
            f"signer {spec.name!r}: the PKCS#12 file holds no key and certificate pair"
        )
    key_info = asn1_keys.PrivateKeyInfo.load(
        key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    chain = [x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in extra]
    chain += load_certificates(spec.chain)
    registry = SimpleCertificateStore.from_certs(chain)  # type: ignore[no-untyped-call]
    signing_cert = x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return _CachedKeySigner(signing_cert, key_info, registry)


def _open_pkcs11(spec: SignerSpec) -> tuple[Signer, Any]:
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

    assert spec.pkcs11_module is not None
    try:
        session = open_pkcs11_session(
            str(spec.pkcs11_module),
            token_criteria=TokenCriteria(label=spec.token_label),
            user_pin=spec.pin(),
        )
    except (PKCS11Error, OSError, RuntimeError) as exc:
        raise SignerUnavailableError(
            f"signer {spec.name!r}: token {spec.token_label!r} cannot be opened "
            f"({type(exc).__name__}); is it plugged in and is the PIN right?"
        ) from exc
    chain = load_certificates(spec.chain)
    signer = PKCS11Signer(
        session,
        key_label=spec.key_label,
        cert_label=spec.cert_label or spec.key_label,
        ca_chain=chain,
    )
    return signer, session


def _parse_certificate_now(signer: Signer) -> None:
    """asn1crypto parses a certificate's fields on first read and caches them, and that first
    parse is not thread-safe: two documents signed at once by one kept signer both read its
    subject for the signature's name, and one got a half-built name (KeyError 'common_name',
    seen once in the drain test under load). Read everything once here, under the lock."""
    certificate = signer.signing_cert
    if certificate is not None:
        _ = certificate.native
        _ = signer.subject_name


class Keyring:
    """Signers opened on first use and kept for the life of the process (thread-safe)."""

    def __init__(self) -> None:
        self._signers: dict[str, Signer] = {}
        self._sessions: list[Any] = []
        self._lock = threading.Lock()

    def signer(self, spec: SignerSpec) -> Signer:
        with self._lock:
            if spec.name not in self._signers:
                if spec.pkcs12 is not None:
                    signer = _open_pkcs12(spec)
                else:
                    signer, session = _open_pkcs11(spec)
                    self._sessions.append(session)
                _parse_certificate_now(signer)
                self._signers[spec.name] = signer
            return self._signers[spec.name]

    def close(self) -> None:
        with self._lock:
            for session in self._sessions:
                session.close()
            self._sessions.clear()
            self._signers.clear()
