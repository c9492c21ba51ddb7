"""The signing configuration: trust anchors, the TSA, signers (where a key lives) and profiles
(who signs, at which PAdES level, with which appearance).

It is one TOML file (`HOSO_SIGNING_CONFIG` or `--config`), so the same settings serve the CLI, the
workers and the API; relative paths are read from the file's folder. PINs are never in it: a
signer names the environment variable or the secret file that holds its PIN.

`[operators]` maps the people who scan (a station account's name) to their own signers: the
person who digitized a copy signs it (Circular 01/2023 Art. 8), so with the table present a copy
is signed with its operator's key or not at all. Without it the pipeline profile's signer signs
for every operator: the agency's desk key, an explicit choice of the deployment.

`[results] profile` names the agency's profile for the results a desk issues (the decision or
certificate, with its QR code): distinct from the pipeline's, since a result speaks for the
agency, not for the person who scanned a paper. Without it hoso issues no result.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hoso.signatures.errors import OperatorSignerMissingError, SigningConfigError

if TYPE_CHECKING:
    from asn1crypto import x509

CONFIG_ENV = "HOSO_SIGNING_CONFIG"


class Level(StrEnum):
    """PAdES baseline levels (ETSI EN 319 142-1)."""

    B_B = "B-B"
    B_T = "B-T"
    B_LT = "B-LT"
    B_LTA = "B-LTA"

    @property
    def timestamped(self) -> bool:
        return self is not Level.B_B

    @property
    def with_validation_data(self) -> bool:
        return self in (Level.B_LT, Level.B_LTA)


class Appearance(StrEnum):
    """What the signature looks like on the page (Circular 01/2023, Decree 30/2020 App. I)."""

    INVISIBLE = "invisible"
    OPERATOR = "operator"  # scan operator: name and time, top left of page 1
    SEAL = "seal"  # organisation: red seal over the left third of the signer's signature image
    COPY_STAMP = "copy-stamp"  # e-copy or attachment: text, Times 10 pt, top right of page 1


@dataclass(frozen=True)
class SignerSpec:
    """Where one key lives. Exactly one of `pkcs12` or `pkcs11_module` is set."""

    name: str
    pkcs12: Path | None = None
    pkcs11_module: Path | None = None
    token_label: str | None = None
    key_label: str | None = None
    cert_label: str | None = None
    pin_env: str | None = None
    pin_file: Path | None = None
    chain: tuple[Path, ...] = ()  # CA certificates to embed (PKCS#11 tokens rarely hold them)

    def pin(self) -> str | None:
        """The PIN from the environment or a secret file; None when neither is configured."""
        if self.pin_env:
            value = os.environ.get(self.pin_env)
            if value is None:
                raise SigningConfigError(
                    f"signer {self.name!r}: environment variable {self.pin_env} is not set"
                )
            return value
        if self.pin_file:
            try:
                return self.pin_file.read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SigningConfigError(
                    f"signer {self.name!r}: cannot read its PIN file {self.pin_file}: "
                    f"{exc.strerror}"
                ) from exc
        return None


@dataclass(frozen=True)
class Profile:
    """One way of signing. `field` names the signature field: a second signing with the same
    profile finds it filled and does not sign again."""

    name: str
    signer: str
    level: Level
    appearance: Appearance = Appearance.INVISIBLE
    field: str = ""
    page: int = 1  # 1-based; negative counts from the end (seal on the last page: -1)
    box: tuple[float, float, float, float] | None = None  # points; None = the appearance's place
    seal_image: Path | None = None
    signature_image: Path | None = None
    seal_mm: float = 36.0  # printed seal diameter: the image is drawn at this actual size
    stamp_lines: tuple[str, ...] = ()  # copy-stamp text above the time, e.g. ("SAO Y", "UBND…")
    reason: str | None = None
    location: str | None = None

    @property
    def field_name(self) -> str:
        return self.field or f"hoso-{self.name}"


@dataclass(frozen=True)
class SigningConfig:
    trust_roots: tuple[Path, ...] = ()
    intermediates: tuple[Path, ...] = ()
    tsa_url: str | None = None
    signers: dict[str, SignerSpec] = field(default_factory=dict)
    profiles: dict[str, Profile] = field(default_factory=dict)
    pipeline_profile: str | None = None  # profile the workers sign each digitized copy with
    result_profile: str | None = None  # profile an issued result is signed with (`[results]`)
    # operator (station account) name → signer; None: the pipeline profile's signer signs for all
    operators: dict[str, str] | None = None
    font: Path = Path("/usr/share/fonts/truetype/freefont/FreeSerif.ttf")
    cache_dir: Path = field(
        default_factory=lambda: Path(
            os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")
        ).joinpath("hoso")
    )
    renew_before_days: int = 365  # `archive renew`: a TSA certificate ending sooner is renewed

    def profile(self, name: str) -> Profile:
        try:
            return self.profiles[name]
        except KeyError:
            known = ", ".join(sorted(self.profiles)) or "none"
            raise SigningConfigError(f"no signing profile {name!r} (configured: {known})") from None

    def signer(self, name: str) -> SignerSpec:
        try:
            return self.signers[name]
        except KeyError:
            raise SigningConfigError(f"no signer {name!r} in the signing configuration") from None

    def operator_signer(self, profile: Profile, operator: str | None) -> str:
        """The signer whose key signs a copy that `operator` scanned, with `profile`'s level,
        appearance and field. With `[operators]`, only the operator's own signer; an operator
        without one (or no operator at all) is refused rather than signed as someone else."""
        if self.operators is None:
            return profile.signer
        signer = self.operators.get(operator) if operator else None
        if signer is None:
            raise OperatorSignerMissingError(_no_signer_for(operator))
        return signer

    @classmethod
    def for_verifying(cls, path: Path | None = None, trust: Sequence[Path] = ()) -> SigningConfig:
        """What `hoso verify` checks against: the configuration (`path`, else the environment's)
        if there is one, else none, plus `trust` as further anchors. Checking integrity and
        changes needs no configuration; without anchors, trust is unknown (INDETERMINATE)."""
        config = cls() if path is None and not os.environ.get(CONFIG_ENV) else cls.load(path)
        return replace(config, trust_roots=(*config.trust_roots, *trust))

    @classmethod
    def load(cls, path: Path | None = None) -> SigningConfig:
        """Read the configuration from `path`, else from $HOSO_SIGNING_CONFIG."""
        if path is None:
            configured = os.environ.get(CONFIG_ENV)
            if not configured:
                raise SigningConfigError(
                    f"no signing configuration: set {CONFIG_ENV} or pass --config "
                    "(see docs/signing.example.toml)"
                )
            path = Path(configured)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise SigningConfigError(
                f"cannot read signing configuration {path}: {exc.strerror}"
            ) from exc
        except tomllib.TOMLDecodeError as exc:
            raise SigningConfigError(f"signing configuration {path} is not TOML: {exc}") from exc
        return cls.from_dict(data, base=path.parent)

    @classmethod
    def from_dict(cls, data: dict[str, Any], base: Path) -> SigningConfig:
        def paths(values: Any) -> tuple[Path, ...]:
            return tuple(_path(base, v) for v in (values or ()))

        try:
            trust = data.get("trust", {})
            signers = {
                name: SignerSpec(
                    name=name,
                    pkcs12=_opt_path(base, spec.get("pkcs12")),
                    pkcs11_module=_opt_path(base, spec.get("pkcs11_module")),
                    token_label=spec.get("token_label"),
                    key_label=spec.get("key_label"),
                    cert_label=spec.get("cert_label"),
                    pin_env=spec.get("pin_env"),
                    pin_file=_opt_path(base, spec.get("pin_file")),
                    chain=paths(spec.get("chain")),
                )
                for name, spec in data.get("signers", {}).items()
            }
            profiles = {
                name: Profile(
                    name=name,
                    signer=spec["signer"],
                    level=Level(spec.get("level", "B-T")),
                    appearance=Appearance(spec.get("appearance", "invisible")),
                    field=spec.get("field", ""),
                    page=int(spec.get("page", 1)),
                    box=tuple(spec["box"]) if "box" in spec else None,
                    seal_image=_opt_path(base, spec.get("seal_image")),
                    signature_image=_opt_path(base, spec.get("signature_image")),
                    seal_mm=float(spec.get("seal_mm", 36.0)),
                    stamp_lines=tuple(spec.get("stamp_lines", ())),
                    reason=spec.get("reason"),
                    location=spec.get("location"),
                )
                for name, spec in data.get("profiles", {}).items()
            }
            extra: dict[str, Any] = {}
            if "font" in data:
                extra["font"] = _path(base, data["font"])
            if "cache_dir" in data:
                extra["cache_dir"] = _path(base, data["cache_dir"])
            config = cls(
                trust_roots=paths(trust.get("roots")),
                intermediates=paths(trust.get("intermediates")),
                tsa_url=data.get("timestamp", {}).get("url"),
                signers=signers,
                profiles=profiles,
                pipeline_profile=data.get("pipeline", {}).get("profile"),
                result_profile=data.get("results", {}).get("profile"),
                operators=_operators(data.get("operators")),
                renew_before_days=int(data.get("renew_before_days", 365)),
                **extra,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise SigningConfigError(f"signing configuration is invalid: {exc!r}") from exc
        config.check()
        return config

    def check(self) -> None:
        """Refuse a configuration that could only fail later, at signing time."""
        for spec in self.signers.values():
            if (spec.pkcs12 is None) == (spec.pkcs11_module is None):
                raise SigningConfigError(
                    f"signer {spec.name!r} needs exactly one of pkcs12 or pkcs11_module"
                )
            if spec.pkcs11_module and not (spec.token_label and spec.key_label):
                raise SigningConfigError(
                    f"signer {spec.name!r}: a PKCS#11 signer needs token_label and key_label"
                )
        for profile in self.profiles.values():
            self.signer(profile.signer)
            if profile.level.timestamped and not self.tsa_url:
                raise SigningConfigError(
                    f"profile {profile.name!r} is {profile.level}: it needs [timestamp] url"
                )
            if profile.appearance is Appearance.SEAL and profile.seal_image is None:
                raise SigningConfigError(f"profile {profile.name!r}: a seal needs seal_image")
        if self.pipeline_profile is not None:
            self.profile(self.pipeline_profile)
        if self.result_profile is not None:
            self.profile(self.result_profile)
        for operator, signer in (self.operators or {}).items():
            if signer not in self.signers:
                raise SigningConfigError(
                    f"[operators] {operator!r} signs with {signer!r}, but there is no signer "
                    f"{signer!r} in the signing configuration"
                )
        if self.operators is not None and self.pipeline_profile is None:
            raise SigningConfigError(
                "[operators] names the signers of the workers' signature: it needs "
                "[pipeline] profile (the level, appearance and field they sign with)"
            )


def _operators(table: Any) -> dict[str, str] | None:
    """`[operators]` as read: None when absent (an empty table is present: nobody may sign)."""
    if table is None:
        return None
    if not isinstance(table, dict) or not all(
        isinstance(name, str) and name and isinstance(signer, str) and signer
        for name, signer in table.items()
    ):
        raise SigningConfigError(
            '[operators] maps operator names to signer names, e.g. "desk-1-scanner" = "binh-token"'
        )
    return dict(table)


def _no_signer_for(operator: str | None) -> str:
    """What the administrator must configure, said to the desk that sees the failure."""
    if not operator:
        return (
            "no operator is known for this copy, and hoso signs a copy only with the key of the "
            "person who scanned it: archive it with `hoso ingest --operator NAME`, NAME being "
            "an operator under [operators] in the signing configuration"
        )
    return (
        f"the operator {operator!r} who scanned this copy (a station account or a person) has "
        "no signer of its own, and hoso never signs a copy with another person's key: an "
        f'administrator must add "{operator}" = "<its signer>" under [operators] in the signing '
        "configuration and restart the workers; then retry this document (its original is kept)"
    )


def _path(base: Path, value: str) -> Path:
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def _opt_path(base: Path, value: str | None) -> Path | None:
    return None if value is None else _path(base, value)


def load_certificates(paths: tuple[Path, ...] | list[Path]) -> list[x509.Certificate]:
    """PEM or DER certificate files, every certificate in each."""
    from pyhanko.keys import load_certs_from_pemder

    try:
        return list(load_certs_from_pemder([str(p) for p in paths]))  # type: ignore[no-untyped-call]
    except (OSError, ValueError) as exc:
        raise SigningConfigError(
            f"cannot read certificates {list(map(str, paths))}: {exc}"
        ) from exc
