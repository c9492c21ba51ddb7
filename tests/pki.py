"""A complete local test PKI for the signature tests and the signing benchmark.

Root and intermediate CAs, an agency seal certificate, a scan operator's personal certificate, a
revoked, an expired and a self-signed ("rogue") one, an RFC 3161 TSA, an OCSP responder and CRLs,
all served by certomancer's Animator on 127.0.0.1 (a port picked at start), so no test touches the
network. Keys are generated fresh (RSA 2048: fast to make, still a real key size) for every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from certomancer.integrations.animator import Animator, AnimatorArchStore
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.serving import BaseWSGIServer, make_server

ARCH = "hoso-test"
PFX_PASSWORD = "test-pin-1234"
# Scan operators, each a person with a certificate of their own (common name as on the stamp).
OPERATORS = {
    "operator": "Nguyễn Thị Bình",
    "operator2": "Trần Văn Cường",
    "operator3": "Lê Thị Dung",
}
# Signers the tests use; each has its own key and entity.
SIGNERS = ("agency", "operator", "revoked", "expired", "rogue", "shortlived", "operator2",
           "operator3")  # fmt: skip
SHORTLIVED_DAYS = 30  # "shortlived" expires this many days after the PKI is built
_ALL_KEYS = ("root", "interm", "ocsp", "tsa", *SIGNERS)

_LONG = {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2045-01-01T00:00:00+0000"}


def _key_usage(*uses: str, critical: bool = True) -> dict[str, Any]:
    return {
        "id": "key_usage",
        "critical": critical,
        "smart-value": {"schema": "key-usage", "params": list(uses)},
    }


def _ca(issuer: str, crl_repo: str | None) -> dict[str, Any]:
    extensions: list[dict[str, Any]] = [
        {"id": "basic_constraints", "critical": True, "value": {"ca": True}},
        _key_usage("digital_signature", "key_cert_sign", "crl_sign"),
    ]
    if crl_repo:
        extensions.append(_crl_point(crl_repo))
    return {"issuer": issuer, "validity": _LONG, "extensions": extensions}


def _crl_point(repo: str) -> dict[str, Any]:
    return {
        "id": "crl_distribution_points",
        "smart-value": {"schema": "crl-dist-url", "params": {"crl-repo-names": [repo]}},
    }


def _end_entity(validity: dict[str, str]) -> dict[str, Any]:
    return {
        "issuer": "interm",
        "validity": validity,
        "extensions": [
            _key_usage("digital_signature", "non_repudiation"),
            _crl_point("interm"),
            {
                "id": "authority_information_access",
                "smart-value": {
                    "schema": "aia-urls",
                    "params": {"ocsp-responder-names": ["interm"]},
                },
            },
        ],
    }


def _config(key_dir: Path, url_prefix: str) -> dict[str, Any]:
    revoked = _end_entity(_LONG)
    revoked["revocation"] = {
        "revoked-since": "2025-06-01T00:00:00+0000",
        "reason": "key_compromise",
    }
    expired = _end_entity(
        {"valid-from": "2020-01-01T00:00:00+0000", "valid-to": "2022-01-01T00:00:00+0000"}
    )
    now = datetime.now(UTC).replace(microsecond=0)
    shortlived = _end_entity(
        {
            "valid-from": (now - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
            "valid-to": (now + timedelta(days=SHORTLIVED_DAYS)).strftime("%Y-%m-%dT%H:%M:%S+0000"),
        }
    )
    rogue = {
        "issuer": "rogue",
        "validity": _LONG,
        "extensions": [_key_usage("digital_signature", "non_repudiation")],
    }
    return {
        "external-url-prefix": url_prefix,
        "keysets": {
            "hoso": {
                "path-prefix": str(key_dir),
                "keys": {name: {"path": f"{name}.key.pem"} for name in _ALL_KEYS},
            }
        },
        "pki-architectures": {
            ARCH: {
                "keyset": "hoso",
                "entity-defaults": {"country-name": "VN", "organization-name": "hoso test PKI"},
                "entities": {
                    "root": {"common-name": "hoso Test Root CA"},
                    "interm": {"common-name": "hoso Test Issuing CA"},
                    "ocsp": {"common-name": "hoso Test OCSP Responder"},
                    "tsa": {"common-name": "hoso Test Time Stamping Authority"},
                    "agency": {
                        "organization-name": "UBND tỉnh Thử Nghiệm",
                        "common-name": "Văn phòng UBND tỉnh Thử Nghiệm",
                    },
                    **{name: {"common-name": cn} for name, cn in OPERATORS.items()},
                    "revoked": {"common-name": "Chứng thư đã bị thu hồi"},
                    "expired": {"common-name": "Chứng thư đã hết hạn"},
                    "rogue": {"organization-name": "Tự cấp", "common-name": "Con dấu giả"},
                    "shortlived": {"common-name": "Chứng thư ngắn hạn"},
                },
                # certomancer numbers serials in file order: append new certificates at the end.
                "certs": {
                    "root": _ca("root", None),
                    "interm": _ca("root", "root"),
                    "ocsp": {
                        "issuer": "interm",
                        "validity": _LONG,
                        "extensions": [
                            _key_usage("digital_signature"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["ocsp_signing"],
                            },
                            {"id": "ocsp_no_check"},
                        ],
                    },
                    "tsa": {
                        "issuer": "root",
                        "validity": _LONG,
                        "extensions": [
                            _key_usage("digital_signature", "non_repudiation"),
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            },
                            _crl_point("root"),
                        ],
                    },
                    "agency": _end_entity(_LONG),
                    "operator": _end_entity(_LONG),
                    "revoked": revoked,
                    "expired": expired,
                    "rogue": rogue,
                    "shortlived": shortlived,
                    "operator2": _end_entity(_LONG),
                    "operator3": _end_entity(_LONG),
                },
                "services": {
                    "ocsp": {
                        "interm": {
                            "for-issuer": "interm",
                            "responder-cert": "ocsp",
                            "signing-key": "ocsp",
                        }
                    },
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P30D",
                        },
                        "interm": {
                            "for-issuer": "interm",
                            "signing-key": "interm",
                            "simulated-update-schedule": "P7D",
                        },
                    },
                    "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
                    "cert-repo": {
                        "root": {"for-issuer": "root", "publish-issued-certs": True},
                        "interm": {"for-issuer": "interm", "publish-issued-certs": True},
                    },
                },
            }
        },
    }


@dataclass(frozen=True)
class TestPki:
    """Where the running test PKI's files and services are."""

    __test__ = False  # not a pytest test class

    folder: Path
    url: str
    _clock: Callable[[datetime | None], None]

    def travel_to(self, moment: datetime | None) -> None:
        """Serve OCSP, CRLs and timestamps as of `moment` (None: the real clock again)."""
        self._clock(moment)

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/{ARCH}/tsa/tsa"

    @property
    def root_cert(self) -> Path:
        return self.cert("root")

    @property
    def interm_cert(self) -> Path:
        return self.cert("interm")

    def cert(self, label: str) -> Path:
        """PEM certificate of `label`."""
        return self.folder / f"{label}.cert.pem"

    def key(self, label: str) -> Path:
        """Unencrypted PKCS#8 PEM private key of `label` (for importing into SoftHSM)."""
        return self.folder / "keys" / f"{label}.key.pem"

    def pkcs12(self, label: str) -> Path:
        """PKCS#12 bundle (key, certificate and chain) of a signer, protected by PFX_PASSWORD."""
        return self.folder / f"{label}.p12"


def _generate_keys(key_dir: Path) -> None:
    key_dir.mkdir(parents=True, exist_ok=True)
    for name in _ALL_KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (key_dir / f"{name}.key.pem").write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )


class _LateApp:
    """The server must exist (for its port) before the PKI that embeds its URL can be built."""

    app: Any = None

    def __call__(self, environ: Any, start_response: Any) -> Any:
        return self.app(environ, start_response)


@contextmanager
def running_pki(folder: Path) -> Iterator[TestPki]:
    """Build the PKI in `folder` and serve its OCSP, CRL, TSA and certificates on 127.0.0.1."""
    late = _LateApp()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, late, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    _generate_keys(folder / "keys")
    config = CertomancerConfig(_config(folder / "keys", url), key_search_dir=str(folder))
    arch = config.get_pki_arch(ArchLabel(ARCH))
    for label in ("root", "interm", "ocsp", "tsa", *SIGNERS):
        cert = arch.get_cert(CertLabel(label))
        (folder / f"{label}.cert.pem").write_bytes(_pem(cert.dump()))
    for label in SIGNERS:
        chain = [] if label == "rogue" else [CertLabel("interm"), CertLabel("root")]
        (folder / f"{label}.p12").write_bytes(
            arch.package_pkcs12(
                CertLabel(label), certs_to_embed=chain, password=PFX_PASSWORD.encode()
            )
        )
    archs = AnimatorArchStore({arch.arch_label: arch})

    def clock(moment: datetime | None) -> None:
        late.app = Animator(archs, at_time=moment, with_web_ui=False)

    clock(None)
    thread = threading.Thread(target=server.serve_forever, name="test-pki", daemon=True)
    thread.start()
    try:
        yield TestPki(folder=folder, url=url, _clock=clock)
    finally:
        server.shutdown()
        thread.join(timeout=5)


def _pem(der: bytes) -> bytes:
    from asn1crypto import pem

    return bytes(pem.armor("CERTIFICATE", der))
