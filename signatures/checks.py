"""`hoso config check`, the signing part: does the signing configuration load, are the files it
names there, does every signer's key open with its PIN (and its certificate still run), does
the time-stamping authority answer.

A key is opened the way a worker opens it (`Keyring`), so a PIN variable that is missing, a
wrong PIN or an absent token shows here and not at the first copy a worker signs. The TSA is
asked for one real time-stamp on a dummy digest with a short timeout: an answer proves the URL
is a TSA, not only a port that accepts connections. Nothing is signed or written.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime
from pathlib import Path

from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError

from hoso.checks import CheckResult
from hoso.signatures.errors import SignerUnavailableError, SigningConfigError
from hoso.signatures.keys import Keyring
from hoso.signatures.profiles import CONFIG_ENV, Appearance, SignerSpec, SigningConfig

TSA_TIMEOUT_S = 5
CONFIG_FIX = f"correct the file named by {CONFIG_ENV} (see signing.example.toml)"


def check_signing(
    path: Path | None = None, tsa_timeout_s: float = TSA_TIMEOUT_S
) -> list[CheckResult]:
    """Every signing check for the configuration at `path` (else `HOSO_SIGNING_CONFIG`);
    one skipped result when the deployment does not sign."""
    name = "signing configuration"
    if path is None and not os.environ.get(CONFIG_ENV):
        return [
            CheckResult.skipped(
                name, f"{CONFIG_ENV} is not set: digitized copies are archived unsigned"
            )
        ]
    try:
        config = SigningConfig.load(path)
    except SigningConfigError as exc:
        return [CheckResult.problem(name, str(exc), CONFIG_FIX)]
    shown = path or os.environ[CONFIG_ENV]
    summary = f"{shown}: {len(config.signers)} signers, {len(config.profiles)} profiles"
    if config.pipeline_profile:
        summary += f"; workers sign with profile {config.pipeline_profile!r}"
    results = [CheckResult.ok(name, summary), _check_files(config)]
    keyring = Keyring()
    try:
        results += [_check_signer(spec, keyring) for spec in config.signers.values()]
    finally:
        keyring.close()
    results.append(check_tsa(config.tsa_url, tsa_timeout_s))
    return results


def check_tsa(url: str | None, timeout_s: float = TSA_TIMEOUT_S) -> CheckResult:
    """The time-stamping authority gives a time-stamp within `timeout_s` seconds."""
    name = "time-stamping authority"
    if not url:
        return CheckResult.skipped(name, "none configured: only B-B signatures can be made")
    try:
        asyncio.run(HTTPTimeStamper(url, timeout=timeout_s).async_dummy_response("sha256"))
    except (TimestampRequestError, OSError, ValueError) as exc:
        cause = exc.__cause__ or exc
        reason = str(cause) or type(cause).__name__
        return CheckResult.problem(
            name,
            f"{url} gave no time-stamp within {timeout_s:g} s ({reason})",
            "check the [timestamp] url in the signing configuration and that this machine "
            "may reach it (proxy, firewall); B-T and higher signatures fail without it",
        )
    return CheckResult.ok(name, f"{url} gives time-stamps")


def _check_signer(spec: SignerSpec, keyring: Keyring) -> CheckResult:
    name = f"signer {spec.name}"
    try:
        certificate = keyring.signer(spec).signing_cert
    except SigningConfigError as exc:  # the PIN's variable or file is missing
        where = f"set {spec.pin_env}" if spec.pin_env else f"create {spec.pin_file}"
        return CheckResult.problem(
            name, str(exc), f"{where} for `hoso serve` and every worker (it holds the PIN)"
        )
    except SignerUnavailableError as exc:
        return CheckResult.problem(
            name,
            str(exc),
            "check the key file or token, and that the PIN it is given is the right one",
        )
    if certificate is None:
        return CheckResult.problem(
            name,
            f"signer {spec.name!r}: the key opens but no certificate goes with it",
            "put the signer's certificate on the token (cert_label) or in the PKCS#12 file",
        )
    ends = certificate.not_valid_after
    subject = certificate.subject.human_friendly
    if ends < datetime.now(UTC):
        return CheckResult.problem(
            name,
            f"the certificate of {subject} ended on {ends:%Y-%m-%d}",
            "install the renewed certificate and key from the certification authority",
        )
    return CheckResult.ok(name, f"key opens; {subject}, valid until {ends:%Y-%m-%d}")


def _check_files(config: SigningConfig) -> CheckResult:
    name = "signing files"
    named = [*config.trust_roots, *config.intermediates]
    named += [path for spec in config.signers.values() for path in spec.chain]
    for profile in config.profiles.values():
        named += [p for p in (profile.seal_image, profile.signature_image) if p is not None]
        if profile.appearance is not Appearance.INVISIBLE:
            named.append(config.font)  # a visible stamp writes its text in it
    missing = sorted({str(path) for path in named if not path.is_file()})
    if missing:
        return CheckResult.problem(
            name, f"not found: {', '.join(missing)}", f"copy them there, or {CONFIG_FIX}"
        )
    return CheckResult.ok(name, f"{len(set(named))} certificates, images and fonts present")
