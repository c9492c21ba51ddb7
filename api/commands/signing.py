"""`hoso sign`, `hoso verify` and `hoso archive renew`: PAdES signatures, checked and kept valid.

PINs are never options: each signer in the signing configuration names the environment variable
or secret file holding its PIN, so a PIN is neither in shell history nor in `ps` output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from hoso.api.commands.common import add_command, open_archive, progress_bar, stderr
from hoso.errors import ExitCode
from hoso.signatures.errors import NotSignableError
from hoso.signatures.profiles import CONFIG_ENV, SigningConfig

if TYPE_CHECKING:  # pyHanko takes 0.3 s to import: only the signing commands pay for it
    from hoso.signatures.verify import VerificationReport

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        help=f"Signing configuration (TOML); default ${CONFIG_ENV}. See docs/signing.example.toml.",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]


def register(app: typer.Typer) -> None:
    add_command(app, sign)
    add_command(app, verify)
    archive = typer.Typer(help="Long-term care of the archive's signed documents.")
    add_command(archive, renew, "renew")
    app.add_typer(archive, name="archive")


def sign(
    source: Annotated[Path, typer.Argument(help="PDF to sign (PDF/A stays PDF/A).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Signed PDF to write.")],
    profile: Annotated[
        str, typer.Option(help="Signing profile from the configuration (level, key, stamp).")
    ],
    qr: Annotated[
        Path | None,
        typer.Option(
            help="JSON with the issued result's dossier_code, procedure_code, applicant_id, "
            "title (and validity or appointment): its QR code is drawn top left before signing.",
        ),
    ] = None,
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign a PDF with a profile's key, PAdES level and stamp.

    Signing a file that already carries this profile's signature writes it unchanged and says
    so, so a retry never signs twice."""
    from hoso.signatures.result_qr import ResultInfo
    from hoso.signatures.sign import SigningService

    service = SigningService(SigningConfig.load(config))
    result = ResultInfo.from_file(qr) if qr else None
    outcome = service.sign(source, output, profile, result)
    service.keyring.close()
    if as_json:
        print(
            json.dumps(
                {
                    "output": str(outcome.output),
                    "signed": outcome.signed,
                    "profile": outcome.profile,
                    "level": outcome.level.value,
                    "field": outcome.field,
                    "signer": outcome.signer,
                    "seconds": round(outcome.seconds, 3),
                },
                ensure_ascii=False,
            )
        )
    elif outcome.signed:
        stderr.print(
            f"signed {outcome.output} ({outcome.level}, profile {outcome.profile}) "
            f"by {outcome.signer}"
        )
    else:
        stderr.print(f"{source} already carries the {outcome.profile} signature; nothing added")


def verify(
    source: Annotated[Path, typer.Argument(help="Signed PDF to check.")],
    at: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"],
            help="Validate as of this UTC moment (past: embedded data only) instead of now.",
        ),
    ] = None,
    config: ConfigOption = None,
    trust: Annotated[
        list[Path] | None,
        typer.Option(
            "--trust",
            help="A trust anchor (CA certificate, PEM or DER), besides the configuration's; "
            "repeatable. With neither, trust is unknown: INDETERMINATE.",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show pyHanko's log lines on stderr.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Verify signatures: report in Vietnamese (or --json), exit 0/12/13 by verdict.

    Every signature and document timestamp is checked: integrity, chain to the trust anchors,
    revocation, timestamps, what changed after signing. No signing configuration is needed:
    integrity and changes are checked all the same. Exit 0 TOTAL-PASSED, 12 INDETERMINATE,
    13 TOTAL-FAILED."""
    from hoso.signatures.verify import Verdict, Verifier

    _pyhanko_logs(debug)
    moment = at.replace(tzinfo=UTC) if at else None
    verifier = Verifier(SigningConfig.for_verifying(config, trust or ()))
    report = verifier.verify_file(source, at=moment)
    print_report(report, as_json)
    exit_codes = {
        Verdict.PASSED: ExitCode.OK,
        Verdict.INDETERMINATE: ExitCode.SIGNATURE_INDETERMINATE,
        Verdict.FAILED: ExitCode.SIGNATURE_FAILED,
    }
    raise typer.Exit(int(exit_codes[report.verdict]))


def _pyhanko_logs(debug: bool) -> None:
    """pyHanko logs its validation steps (with tracebacks) as warnings, which Python prints to
    the terminal when nothing is configured; the report already says what matters. `--debug`
    shows them for whoever digs deeper."""
    import logging

    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")
        return
    for name in ("pyhanko", "pyhanko_certvalidator", "hoso.signatures"):
        logger = logging.getLogger(name)  # still seen by the verifier's own handlers
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


def print_report(report: VerificationReport, as_json: bool) -> None:
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, default=str))
    else:
        print(report.render_vi())


def renew(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Signed PDFs to renew in place; none = every signed PDF/A archived."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Renew even when the newest timestamp is far from expiry.")
    ] = False,
    config: ConfigOption = None,
    agent: Annotated[str, typer.Option(help="Recorded in the event log.")] = "renew-cli",
    as_json: JsonOption = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q")] = False,
) -> None:
    """Renew long-term validity: fresh validation data and a new document timestamp.

    Only documents whose newest timestamp nears the end of its TSA certificate (or uses weakened
    algorithms) are renewed, unless --force."""
    from hoso.signatures.renew import renew_bytes, renewal_need
    from hoso.signatures.sign import SigningService

    results: list[dict[str, object]] = []
    signing_config = SigningConfig.load(config)
    service = SigningService(signing_config)
    within = timedelta(days=signing_config.renew_before_days)
    targets = _file_targets(files) if files else _archive_targets(agent)
    with progress_bar(quiet) as bar:
        task = bar.add_task("renewing", total=len(targets))
        for target in targets:
            bar.advance(task)
            data = target.read()
            try:
                need = renewal_need(data, within)
            except NotSignableError as error:  # one damaged file does not stop the run
                results.append({"file": target.name, "renewed": False, "error": str(error)})
                continue
            renewing = need.needed or (force and need.signed)
            if renewing:
                target.write(renew_bytes(service, data))
            results.append(
                {
                    "file": target.name,
                    "renewed": renewing,
                    "reason": need.reason or ("forced" if renewing else ""),
                    "newest_timestamp": need.newest_timestamp,
                }
            )
    if as_json:
        print(json.dumps(results, ensure_ascii=False))
    else:
        for row in results:
            state = "renewed" if row["renewed"] else "kept"
            detail = row.get("error") or row["reason"]
            stderr.print(f"{row['file']}: {state} {detail}".rstrip())
    if any("error" in row for row in results):
        raise typer.Exit(int(ExitCode.FAILURE))


@dataclass(frozen=True)
class _Target:
    name: str
    read: Callable[[], bytes]
    write: Callable[[bytes], None]


def _file_targets(files: list[Path]) -> list[_Target]:
    from hoso.signatures.sign import atomic_write

    def reader(path: Path) -> Callable[[], bytes]:
        return path.read_bytes

    def writer(path: Path) -> Callable[[bytes], None]:
        return lambda data: atomic_write(path, data)

    return [_Target(str(path), reader(path), writer(path)) for path in files]


def _archive_targets(agent: str) -> list[_Target]:
    """The newest PDF/A of every archived document that carries a signature; a renewed copy is
    stored as a new object (nothing is overwritten) and becomes the document's newest."""
    from hoso.storage.upkeep import Upkeep

    archive = open_archive()
    keys = [(copy.document_id, copy.key) for copy in Upkeep(archive).current_copies("pdfa")]

    def reader(key: str) -> Callable[[], bytes]:
        def read() -> bytes:
            with archive.store.open(key) as stream:
                return stream.read()

        return read

    def writer(document_id: int) -> Callable[[bytes], None]:
        def write(data: bytes) -> None:
            with archive.work_folder() as folder:
                path = Path(folder) / "renewed.pdf"
                path.write_bytes(data)
                archive.add_derived(document_id, "pdfa", path, agent)

        return write

    return [_Target(f"document {doc_id}", reader(key), writer(doc_id)) for doc_id, key in keys]
