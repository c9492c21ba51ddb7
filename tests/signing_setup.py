"""Everything the signature tests and the signing benchmark sign with: a SoftHSM2 token holding
the agency key and one token per scan operator at a desk (real PKCS#11, no fake signer), seal
and signature images, and a signing configuration file naming the test PKI's keys, TSA and trust
anchors."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw

from tests.pki import PFX_PASSWORD, SIGNERS, TestPki

HSM_PIN = "246810"
HSM_TOKEN = "hoso-agency"
PIN_ENV = "HOSO_TEST_SIGNING_PIN"
HSM_PIN_ENV = "HOSO_TEST_HSM_PIN"
# Scan operators' own tokens (a USB token at each desk): test PKI label → token label. Made with
# the agency token, before the PKCS#11 library is loaded: it sees only tokens present at load.
OPERATOR_TOKENS = {"operator": "hoso-operator-binh", "operator2": "hoso-operator-cuong"}
_MODULES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
)


def softhsm_module() -> Path | None:
    if shutil.which("softhsm2-util") is None:
        return None
    return next((m for m in _MODULES if m.is_file()), None)


@dataclass(frozen=True)
class SoftHsm:
    module: Path
    conf: Path  # SOFTHSM2_CONF: must be in the environment of whoever opens the token


@contextmanager
def softhsm_with_key(folder: Path, pki: TestPki, label: str = "agency") -> Iterator[SoftHsm]:
    """A fresh SoftHSM2 token with `label`'s private key and certificate (id 01), and one token
    per scan operator (`OPERATOR_TOKENS`) holding theirs."""
    module = softhsm_module()
    assert module is not None, "softhsm2 is not installed (scripts/system-deps.sh installs it)"
    tokens = folder / "tokens"
    tokens.mkdir(parents=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}

    def util(*args: str) -> None:
        subprocess.run(["softhsm2-util", *args], env=env, check=True, capture_output=True)

    tokens_and_keys = {HSM_TOKEN: label} | {t: k for k, t in OPERATOR_TOKENS.items()}
    for token, key in tokens_and_keys.items():
        util("--init-token", "--free", "--label", token, "--pin", HSM_PIN, "--so-pin", "13579111")
        util(
            "--import", str(pki.key(key)), "--token", token, "--label", key,
            "--id", "01", "--pin", HSM_PIN,
        )  # fmt: skip
    os.environ["SOFTHSM2_CONF"] = str(conf)  # the in-process PKCS#11 library reads it at load
    for token, key in tokens_and_keys.items():
        _store_certificate(module, key, pki, token)
    yield SoftHsm(module=module, conf=conf)


def _store_certificate(module: Path, label: str, pki: TestPki, token_label: str) -> None:
    """Tokens carry the certificate beside the key; write it with the PKCS#11 API itself."""
    import pkcs11
    from asn1crypto import pem, x509
    from pkcs11 import Attribute, CertificateType, ObjectClass

    _, _, der = pem.unarmor(pki.cert(label).read_bytes())
    cert = x509.Certificate.load(der)
    token = pkcs11.lib(str(module)).get_token(token_label=token_label)
    with token.open(rw=True, user_pin=HSM_PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: label,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.dump(),
                Attribute.VALUE: der,
            }
        )


def draw_seal(path: Path, diameter: int = 420) -> Path:
    """A red round seal on a transparent background, like a scanned agency seal."""
    image = Image.new("RGBA", (diameter, diameter), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 30, 235)
    draw.ellipse((6, 6, diameter - 6, diameter - 6), outline=red, width=14)
    draw.ellipse((60, 60, diameter - 60, diameter - 60), outline=red, width=5)
    mid = diameter // 2
    draw.regular_polygon((mid, mid, diameter // 8), 5, fill=red)
    image.save(path)
    return path


def draw_signature(path: Path) -> Path:
    """A blue handwritten-looking stroke on a transparent background."""
    image = Image.new("RGBA", (600, 240), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    blue = (20, 40, 170, 255)
    points = [(20 + x * 28, 120 + int(60 * ((-1) ** x) * (x % 3) / 2)) for x in range(20)]
    draw.line(points, fill=blue, width=9, joint="curve")
    image.save(path)
    return path


def write_signing_config(folder: Path, pki: TestPki, hsm: SoftHsm | None) -> Path:
    """A signing configuration (TOML) with one PKCS#12 signer per test certificate, the agency
    key in SoftHSM when there is one, and profiles at every PAdES level."""
    seal = draw_seal(folder / "seal.png")
    signature = draw_signature(folder / "signature.png")
    lines = [
        f'cache_dir = "{folder / "cache"}"',
        "[trust]",
        f'roots = ["{pki.root_cert}"]',
        f'intermediates = ["{pki.interm_cert}"]',
        "[timestamp]",
        f'url = "{pki.tsa_url}"',
    ]
    for name in SIGNERS:
        lines += [f"[signers.{name}]", f'pkcs12 = "{pki.pkcs12(name)}"', f'pin_env = "{PIN_ENV}"']
    if hsm is not None:
        lines += [
            "[signers.agency-hsm]",
            f'pkcs11_module = "{hsm.module}"',
            f'token_label = "{HSM_TOKEN}"',
            'key_label = "agency"',
            f'pin_env = "{HSM_PIN_ENV}"',
            f'chain = ["{pki.interm_cert}", "{pki.root_cert}"]',
        ]
    profiles = {
        "scan": ("operator", "B-T", "operator"),
        "result": ("agency", "B-LTA", "seal"),
        "copy": ("agency", "B-T", "copy-stamp"),
    }
    for level in ("B-B", "B-T", "B-LT", "B-LTA"):
        profiles[f"p12-{level}"] = ("agency", level, "invisible")
        profiles[f"hsm-{level}"] = ("agency-hsm", level, "seal")
        for name in ("revoked", "expired", "rogue", "shortlived"):
            profiles[f"{name}-{level}"] = (name, level, "invisible")
    for name, (signer, level, look) in profiles.items():
        if signer == "agency-hsm" and hsm is None:
            continue
        lines += [
            f"[profiles.{name}]",
            f'signer = "{signer}"',
            f'level = "{level}"',
            f'appearance = "{look}"',
            f'seal_image = "{seal}"',
            f'signature_image = "{signature}"',
            'stamp_lines = ["SAO Y", "UBND xã Thử Nghiệm"]',
        ]
    lines += ["[pipeline]", 'profile = "scan"']  # workers sign each digitized copy
    lines += ["[results]", 'profile = "result"']  # the agency signs the results it issues
    path = folder / "signing.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.environ[PIN_ENV] = PFX_PASSWORD
    os.environ[HSM_PIN_ENV] = HSM_PIN
    return path


def digitized_copy(folder: Path, seeds: tuple[int, int] = (71, 72)) -> Path:
    """A copy as the pipeline makes it, to sign: PDF/A-2b with a text layer, 2 synthetic pages."""
    from hoso.digitize.models import Options
    from hoso.digitize.pipeline import digitize, write_outputs
    from tests.synthetic import PageSpec, render_page

    pages = [
        render_page(PageSpec(seed=seed, dpi=150, body_lines=4)).save(folder / f"p{seed}.jpg")
        for seed in seeds
    ]
    out = folder / "copy.pdf"
    write_outputs(digitize(pages, Options(jobs=1)), out, None, title="copy")
    return out


def write_operator_config(
    folder: Path, pki: TestPki, hsm: SoftHsm, operators: dict[str, str]
) -> Path:
    """The signing configuration with each operator token as a signer (`<PKI label>-token`)
    and `operators` (station name → signer) as its `[operators]` table."""
    lines = [write_signing_config(folder, pki, hsm).read_text(encoding="utf-8")]
    for key, token in OPERATOR_TOKENS.items():
        lines += [
            f"[signers.{key}-token]",
            f'pkcs11_module = "{hsm.module}"',
            f'token_label = "{token}"',
            f'key_label = "{key}"',
            f'pin_env = "{HSM_PIN_ENV}"',
            f'chain = ["{pki.interm_cert}", "{pki.root_cert}"]',
        ]
    lines += ["[operators]", *(f'"{name}" = "{signer}"' for name, signer in operators.items())]
    path = folder / "operators.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
