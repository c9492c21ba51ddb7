"""`hoso user …`: the people who log in to the desk UI (passwords stored as argon2 hashes).

The first admin comes from here (`hoso user create NAME --role admin`); admins make the others.
A password is never an argument (argv is visible to every user of the machine and kept in shell
histories): it is asked at the terminal, twice, or read from standard input with
`--password-stdin` (its first line) for scripts.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from hoso.api.commands.common import add_command, open_archive

AGENT = "cli"


def register(app: typer.Typer) -> None:
    users = typer.Typer(help="People who log in to the desk UI (role and province each).")
    add_command(users, user_create, "create", epilog=None)
    add_command(users, user_list, "list", epilog=None)
    add_command(users, user_disable, "disable", epilog=None)
    app.add_typer(users, name="user")


def user_create(
    name: Annotated[str, typer.Argument(help="Username: a-z, digits, '.', '_' or '-'.")],
    role: Annotated[str, typer.Option(help="station, officer, archivist or admin.")],
    province: Annotated[
        str | None, typer.Option(help="2-digit province code (all but admin need one).")
    ] = None,
    desk: Annotated[
        int | None,
        typer.Option(help="The desk they work at (`hoso desk list`), of their province."),
    ] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create an account; the password is asked for (or read with --password-stdin)."""
    from hoso.storage.accounts import Accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    account = Accounts(open_archive().index).create(
        name, password, role, province, AGENT, desk_id=desk
    )
    typer.echo(f"created {account.username} ({account.role}, {account.province_code or '*'})")


def user_list() -> None:
    """Accounts by id, username, role, province and state (never the password hashes)."""
    from hoso.storage.accounts import Accounts

    for row in Accounts(open_archive().index).list():
        state = "disabled" if row.disabled_at else "active"
        print(f"{row.id}\t{row.username}\t{row.role}\t{row.province_code or '*'}\t{state}")


def user_disable(name: Annotated[str, typer.Argument(help="The username.")]) -> None:
    """Disable an account: its sessions end now and it cannot log in again."""
    from hoso.storage.accounts import Accounts

    Accounts(open_archive().index).disable(name, AGENT)
    typer.echo(f"disabled {name}")
