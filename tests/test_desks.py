"""Desks: made and listed from the CLI and the API, named by tokens, accounts, `hoso ingest`
and `hoso stats` (on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner, Result

from hoso.api.app import create_app
from hoso.api.auth import Role, Tokens
from hoso.api.cli import app
from hoso.api.deps import Services
from hoso.errors import ExitCode
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.schema import Account, ApiToken
from hoso.workflows.queue import JobQueue
from tests.databases import fresh_database, postgres_available
from tests.test_config_check import bare_environment, hoso

PERIOD = ("--from", f"{dt.date.today() - dt.timedelta(days=2)}",
          "--to", f"{dt.date.today() + dt.timedelta(days=2)}")  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The environment of a `hoso` command on a fresh archive of that database."""
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL")
    with fresh_database(request.param, tmp_path) as url:
        yield bare_environment(tmp_path / "var", HOSO_DATABASE_URL=url)


def _made(env: dict[str, str], *args: str) -> dict[str, object]:
    answer: dict[str, object] = json.loads(hoso("desk", "create", *args, "--json", env=env).stdout)
    return answer


def test_a_desk_is_made_then_listed_and_a_duplicate_is_refused(env: dict[str, str]) -> None:
    made = _made(env, "Bộ phận một cửa Hải Châu", "--province", "48", "--commune", "20194")
    other = _made(env, "Bộ phận một cửa Hải Châu", "--province", "01")  # same name, other province
    assert made["id"] != other["id"]
    listed = json.loads(hoso("desk", "list", "--province", "48", "--json", env=env).stdout)
    assert listed == [{"id": made["id"], "province_code": "48", "commune_code": "20194",
                       "name": "Bộ phận một cửa Hải Châu"}]  # fmt: skip
    assert len(json.loads(hoso("desk", "list", "--json", env=env).stdout)) == 2
    refused = hoso("desk", "create", " Bộ phận một cửa Hải Châu ", "--province", "48", "--json",
                   env=env, expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    assert json.loads(refused.stdout)["error"]["code"] == "desk_exists"
    assert hoso("desk", "create", "x", "--province", "48", env=env).stdout.strip().isdigit()


@pytest.mark.parametrize(
    "args",
    [["Quầy 1", "--province", "99"], ["", "--province", "48"], ["Quầy\t1", "--province", "48"],
     ["x" * 201, "--province", "48"], ["Quầy 1", "--province", "48", "--commune", "12"]],
    ids=["unknown province", "empty name", "control character", "too long", "bad commune"],
)  # fmt: skip
def test_a_desk_that_cannot_be_is_refused(tmp_path: Path, args: list[str]) -> None:
    env = bare_environment(tmp_path / "var")
    refused = hoso("desk", "create", *args, "--json", env=env, expect=ExitCode.BAD_ARGUMENTS)
    assert json.loads(refused.stdout)["error"]["code"] == "desk_invalid"
    assert json.loads(hoso("desk", "list", "--json", env=env).stdout) == []


def test_ingest_at_a_new_desk_is_recorded_and_stats_name_the_desk(
    env: dict[str, str], tmp_path: Path
) -> None:
    desk = _made(env, "Quầy Sơn Trà", "--province", "48")
    source = tmp_path / "don.pdf"
    source.write_bytes(b"%PDF-1.4 an application form")
    added = hoso("ingest", str(source), "--no-digitize", "--json", "--province", "48",
                 "--desk", str(desk["id"]), env=env)  # fmt: skip
    document_id = json.loads(added.stdout)["document_id"]
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    ingested = [e for e in archive.index.events() if e.event_type == "ingested"]
    archive.index.engine.dispose()
    assert [(e.document_id, e.desk_id) for e in ingested] == [(document_id, desk["id"])]
    by_desk = [*PERIOD, "--desk", str(desk["id"])]
    rows = json.loads(hoso("stats", *by_desk, "--json", env=env).stdout)["rows"]
    assert [(r["province_code"], r["desk_id"], r["desk_name"]) for r in rows] == [
        ("48", desk["id"], "Quầy Sơn Trà")
    ]
    assert "Quầy Sơn Trà" in hoso("stats", *by_desk, env=env).stdout


def test_tokens_and_accounts_take_a_desk_of_their_own_province_only(env: dict[str, str]) -> None:
    desk = str(_made(env, "Quầy 2", "--province", "48")["id"])
    hoso("token", "create", "scanner-2", "--role", "station", "--province", "01", "--desk", desk,
         env=env, expect=ExitCode.BAD_ARGUMENTS)  # fmt: skip
    made = hoso("token", "create", "scanner-2", "--role", "station", "--province", "48",
                "--desk", desk, "--json", env=env)  # fmt: skip
    assert _user_create(env, "01", desk).exit_code == ExitCode.BAD_ARGUMENTS
    assert _user_create(env, "48", desk).exit_code == ExitCode.OK
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    with archive.index.sessions() as session:
        token = session.get(ApiToken, json.loads(made.stdout)["id"])
        account = session.scalar(select(Account).where(Account.username == "lan"))
    archive.index.engine.dispose()
    assert token is not None and token.desk_id == int(desk)
    assert account is not None and account.desk_id == int(desk)


def _user_create(env: dict[str, str], province: str, desk: str) -> Result:
    """`hoso user create lan` with its password on standard input (as `hoso` runs it)."""
    unset: dict[str, str | None] = {name: None for name in os.environ if name.startswith("HOSO_")}
    args = ["user", "create", "lan", "--role", "officer", "--province", province, "--desk", desk,
            "--password-stdin"]  # fmt: skip
    return CliRunner().invoke(app, args, input="một mật khẩu dài\n", env={**unset, **env})


def test_the_api_makes_desks_in_the_callers_province_only(tmp_path: Path) -> None:
    archive = Archive.open(ArchiveSettings.from_environment_of(bare_environment(tmp_path / "v")))
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    tokens = {
        name: Tokens(archive.index).create(name, role, province, "test")[1]
        for name, role, province in (
            ("admin48", Role.ADMIN, "48"), ("admin", Role.ADMIN, None),
            ("officer01", Role.OFFICER, "01"), ("station48", Role.STATION, "48"),
        )
    }  # fmt: skip

    def as_(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    with TestClient(create_app(Services(archive, queue))) as client:
        other = client.post("/api/v1/desks", json={"name": "Quầy A", "province_code": "01"},
                            headers=as_("admin48"))  # fmt: skip
        mine = client.post("/api/v1/desks", json={"name": "Quầy A", "province_code": "48"},
                           headers=as_("admin48"))  # fmt: skip
        again = client.post("/api/v1/desks", json={"name": "Quầy A", "province_code": "48"},
                            headers=as_("admin"))  # fmt: skip
        theirs = client.post("/api/v1/desks", json={"name": "Quầy B", "province_code": "01"},
                             headers=as_("admin"))  # fmt: skip
        seen = {who: client.get("/api/v1/desks", headers=as_(who)) for who in tokens}
    queue.close()
    assert (other.status_code, other.json()["code"]) == (403, "forbidden")
    assert mine.status_code == 201, mine.text
    assert (again.status_code, again.json()["code"]) == (409, "desk_exists")
    assert theirs.status_code == 201, theirs.text
    assert [d["name"] for d in seen["admin48"].json()] == ["Quầy A"]
    assert [d["province_code"] for d in seen["officer01"].json()] == ["01"]
    assert len(seen["admin"].json()) == 2
    assert seen["station48"].status_code == 403
    events = [e for e in archive.index.events() if e.event_type == "desk_created"]
    assert [(e.desk_id, e.agent) for e in events] == [
        (mine.json()["id"], "admin:admin48"),
        (theirs.json()["id"], "admin:admin"),
    ]
