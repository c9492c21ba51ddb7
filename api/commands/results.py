"""`hoso result issue`: hand back a dossier's result electronically, from the command line.

The same steps as `POST /api/v1/dossiers/{code}/results` (`workflows/results.py`): the result
QR drawn and the agency's `[results]` profile signing through the `hoso sign --qr` code path,
the signed PDF archived with its record and a `result_issued` event. The local command acts
for any province (it holds the archive's own settings).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from hoso.api.commands.common import add_command, open_archive, stderr
from hoso.api.commands.signing import ConfigOption, JsonOption


def register(app: typer.Typer) -> None:
    result = typer.Typer(help="Results issued electronically for dossiers (Decision 766).")
    add_command(result, issue, "issue")
    app.add_typer(result, name="result")


def issue(
    source: Annotated[Path, typer.Argument(help="The result PDF the procedure system made.")],
    dossier: Annotated[str, typer.Option(help="The dossier's code (mã hồ sơ), archived.")],
    procedure: Annotated[str, typer.Option(help="The procedure's code (mã thủ tục).")],
    applicant: Annotated[str, typer.Option(help="The applicant's 12-digit ID number or tax code.")],
    title: Annotated[str, typer.Option(help="The paper's title, as printed in the QR.")],
    validity: Annotated[str | None, typer.Option(help="Validity or scope of the result.")] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Also write the signed PDF here.")
    ] = None,
    agent: Annotated[str, typer.Option(help="Who issues (recorded in the event log).")] = "cli",
    config: ConfigOption = None,
    as_json: JsonOption = False,
) -> None:
    """Sign a dossier's result with its QR code and the agency's result profile, and archive
    it. Issuing the same file for the same dossier again signs nothing and shows the first
    record. Without a signing configuration naming a result profile: exit 11."""
    from hoso.signatures.profiles import SigningConfig
    from hoso.signatures.sign import atomic_write, result_signer
    from hoso.storage.results import IssuedResults, ResultRecord
    from hoso.workflows.results import Issuer, ResultIssuer

    signer = result_signer(SigningConfig.load(config) if config else None)
    archive = open_archive()
    record = ResultRecord(procedure, applicant, title, validity)
    issued = ResultIssuer(IssuedResults(archive), signer).issue(
        dossier, record, source, Issuer(agent, None, None)
    )
    signer.service.keyring.close()
    row = issued.result
    if output is not None:
        with archive.store.open(row.object_key) as stream:
            atomic_write(output, stream.read())
    if as_json:
        print(json.dumps({"id": row.id, "dossier_code": dossier.strip(), "created": issued.created,
                          "procedure_code": row.procedure_code, "applicant_id": row.applicant_id,
                          "title": row.title, "object_key": row.object_key, "sha256": row.sha256,
                          "signer": row.signer, "issued_at": row.issued_at.isoformat(),
                          "output": str(output) if output else None},
                         ensure_ascii=False))  # fmt: skip
        return
    state = "issued" if issued.created else "already issued"
    stderr.print(f"{state}: result {row.id} of dossier {dossier.strip()}, signed by {row.signer}")
