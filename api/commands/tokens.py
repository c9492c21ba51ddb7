"""`hoso token …`: the API's tokens (stored hashed; a secret is shown once, at creation)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hoso.api.commands.common import add_command, open_archive


def register(app: typer.Typer) -> None:
    tokens = typer.Typer(help="API tokens (stored hashed; a token is shown once).")
    add_command(tokens, token_create, "create", epilog=None)
    add_command(tokens, token_list, "list", epilog=None)
    add_command(tokens, token_revoke, "revoke", epilog=None)
    app.add_typer(tokens, name="token")


def token_create(
    name: Annotated[str, typer.Argument(help="Who or what uses it, e.g. 'desk-3-scanner'.")],
    role: Annotated[str, typer.Option(help="station, officer, archivist or admin.")],
    province: Annotated[
        str | None, typer.Option(help="2-digit province code (all but admin need one).")
    ] = None,
    desk: Annotated[
        int | None, typer.Option(help="The desk it works at (`hoso desk list`), of its province.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Create a token on the configured archive and print it (once)."""
    from hoso.api.auth import Role, Tokens

    try:
        chosen = Role(role)
    except ValueError:
        raise typer.BadParameter("choose station, officer, archivist or admin") from None
    row, secret = Tokens(open_archive().index).create(name, chosen, province, "cli", desk)
    if as_json:
        print(json.dumps({"id": row.id, "name": name, "role": role, "token": secret}))
    else:
        print(secret)


def token_list() -> None:
    """Tokens by id, name, role and province (never the secrets)."""
    from hoso.api.auth import Tokens

    for row in Tokens(open_archive().index).list():
        state = "revoked" if row.revoked_at else "active"
        print(f"{row.id}\t{row.name}\t{row.role}\t{row.province_code or '*'}\t{state}")


def token_revoke(token_id: Annotated[int, typer.Argument()]) -> None:
    """Revoke a token; requests with it are refused from now on."""
    from hoso.api.auth import Tokens

    Tokens(open_archive().index).revoke(token_id, "cli")
