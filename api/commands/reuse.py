"""`hoso person`, `hoso procedures` and `hoso review …`: reuse of extracted fields (a person's
record, a procedure's form prefilled from it, the procedure catalogue), and the officer's
review of the doubtful ones. Every read of a person's data is logged by the storage layer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from hoso.api.commands.common import add_command, open_archive, shown, stderr


def register(app: typer.Typer) -> None:
    add_command(app, person)
    add_command(app, procedures)
    review = typer.Typer(help="The review queue: doubtful field values waiting for an officer.")
    add_command(review, review_list, "list", epilog=None)
    add_command(review, review_crop, "crop", epilog=None)
    add_command(review, review_decide, "decide", epilog=None)
    app.add_typer(review, name="review")


def _no_papers(citizen_id: str) -> typer.Exit:
    stderr.print(f"no digitized papers carry ID number {citizen_id}")
    return typer.Exit(1)


def person(
    citizen_id: Annotated[str, typer.Argument(help="12-digit ID number (số định danh cá nhân).")],
    prefill: Annotated[
        str | None,
        typer.Option(
            metavar="PROCEDURE",
            help="Procedure key or code (`hoso procedures`): print its form filled from the "
            "person's valid papers, and the required fields none fills (--json: as the API "
            "gives it).",
        ),
    ] = None,
    agent: Annotated[str, typer.Option(help="Who is reading (recorded: personal data).")] = "cli",
    province: Annotated[
        str | None,
        typer.Option(help="The reading desk's province code: only its records (default: all)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """A person's reusable records and the best current value of each field (the read is logged)."""
    from hoso.storage.procedures import configured_catalogue
    from hoso.storage.reuse import Reuse

    procedure = configured_catalogue().find(prefill) if prefill else None  # before any read
    reuse = Reuse(open_archive().index)
    if procedure is not None:
        form = reuse.prefill(citizen_id, procedure, agent, province_code=province)
        if form is None:
            raise _no_papers(citizen_id)
        if as_json:
            print(json.dumps(form, ensure_ascii=False, indent=2))
        else:
            _print_form(form)
        return
    record = reuse.person(citizen_id, agent, province_code=province)
    if record is None:
        raise _no_papers(citizen_id)
    fields = {
        name: {
            "value": best.value,
            "confidence": round(best.confidence, 3),
            "status": best.status,
            "document_id": best.document_id,
            "contradicts_id": best.contradicts_id,
        }
        for name, best in record.fields.items()
    }
    if as_json:
        data = {"citizen_id": record.citizen_id, "fields": fields, "documents": record.documents}
        print(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for name, best in record.fields.items():
        origin = f"{best.status} {best.confidence:.2f}, document {best.document_id}"
        if best.contradicts_id:
            origin += ", the ID number says otherwise: check the paper"
        print(f"{name:15s} {best.value}  [{origin}]")
    for document in record.documents:
        print(f"document {document['document_id']}: {document['doc_type']} — {document['title']}")


def _print_form(form: dict[str, Any]) -> None:
    """A prefilled form for the officer at the terminal: one line a field (* = required), then
    what to ask the citizen and which papers were used or set aside."""
    procedure = form["procedure"]
    print(f"{procedure['name']} ({procedure['code'] or procedure['key']}) — {form['citizen_id']}")
    for name, field in form["fields"].items():
        label = name + ("*" if field["required"] else "")
        if field["value"] is None:
            print(f"  {label:18s} —")
            continue
        origin = f"document {field['source_document_id']}, {field['confidence']:.2f}"
        if not field["reviewed"]:
            origin += f", {field['status']}"
        if field["contradicts_id"]:
            origin += ", the ID number says otherwise: check the paper"
        print(f"  {label:18s} {field['value']}  [{origin}]")
    if form["missing"]:
        print(f"ask the citizen for: {', '.join(form['missing'])}")
    print(f"papers reused: {', '.join(map(str, form['reused_documents'])) or 'none'}")
    if form["expired_documents"]:
        expired = ", ".join(map(str, form["expired_documents"]))
        print(f"set aside (ID card expired): {expired}")


def procedures(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The procedures `--prefill` knows and the person fields each form takes (* = required):
    the packaged catalogue, with HOSO_PROCEDURES's additions."""
    from hoso.api.schemas import procedure_out
    from hoso.storage.procedures import configured_catalogue

    catalogue = configured_catalogue()
    if as_json:  # the shape of GET /api/v1/procedures
        listing = [procedure_out(p).model_dump() for p in catalogue]
        print(json.dumps(listing, ensure_ascii=False, indent=2))
        return
    for procedure in catalogue:
        form = ", ".join(f.name + ("*" if f.required else "") for f in procedure.fields)
        print(f"{procedure.key:24s} {procedure.code or '-':9s} {procedure.name}\n    {form}")


def review_list(
    limit: Annotated[int, typer.Option(min=1)] = 50,
    agent: Annotated[str, typer.Option(help="Who is reading (recorded: personal data).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Fields below the confidence threshold or failing a check, least confident first (the read
    is logged)."""
    from hoso.storage.reuse import Reuse

    queue = Reuse(open_archive().index).review_queue(limit, agent=agent)
    if as_json:
        rows = [
            {
                "field_id": f.id,
                "document_id": f.document_id,
                "name": f.name,
                "value": f.value,
                "confidence": round(f.confidence, 3),
                "problems": f.problems or [],
            }
            for f in queue
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for f in queue:
        why = "; ".join(f.problems) if f.problems else "low confidence"
        print(f"#{f.id} doc {f.document_id} {f.name} = {f.value!r} ({why})")


def review_crop(
    field_id: Annotated[int, typer.Argument(help="From `hoso review list`.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="PNG to write.")],
    agent: Annotated[str, typer.Option(help="The reviewing officer (the read is logged).")] = "cli",
) -> None:
    """Write the part of the page where the field's value stands, to check it against the value."""
    from hoso.files import atomic_output

    crop = open_archive().field_crop(field_id, agent)
    with atomic_output(output) as temp:
        crop.save(temp, format="PNG")
    stderr.print(f"{shown(output)} ({crop.width}×{crop.height})", highlight=False)


def review_decide(
    field_id: Annotated[int, typer.Argument(help="From `hoso review list`.")],
    value: Annotated[
        str | None, typer.Option(help="The correct value; without it the value is accepted.")
    ] = None,
    agent: Annotated[str, typer.Option(help="The reviewing officer.")] = "cli",
) -> None:
    """Accept a field value, or correct it with --value (checked like a reading: exit 2 with the
    reason if it fails). Recorded as an event."""
    from hoso.digitize.fields.extract import value_problems
    from hoso.storage.reuse import Reuse

    reuse = Reuse(open_archive().index)
    try:
        row = reuse.review(field_id, agent, value, value_problems)
    except KeyError:
        stderr.print(f"no field #{field_id}")
        raise typer.Exit(1) from None
    stderr.print(f"#{row.id} {row.name} = {row.value!r}: {row.status}", highlight=False)
