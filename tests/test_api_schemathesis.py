"""Property tests of the API against its own OpenAPI (schemathesis): generated requests,
valid and not, with each operation's proper role, must never make the server fail (5xx).

The app is built when the module is collected (schemathesis parametrizes from the schema), on
a throwaway SQLite archive with one batch and file in it, so ids exist to be found."""

from __future__ import annotations

import atexit
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.signatures.profiles import SigningConfig
from hoso.signatures.verify import Verifier
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.workflows.queue import JobQueue


def _app_with_tokens() -> tuple[FastAPI, dict[str, str]]:
    folder = Path(tempfile.mkdtemp(prefix="hoso-schemathesis-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    index = RecordIndex(f"sqlite:///{folder / 'index.sqlite'}")
    index.migrate()
    archive = Archive(FilesystemStore(folder / "objects"), index, folder / "spool")
    queue = JobQueue(f"sqlite:///{folder / 'dbos.sqlite'}")
    app = create_app(Services(archive, queue, Verifier(SigningConfig())))  # no trust anchors
    tokens = {role.value: Tokens(index).create(role.value, role, "48", "test")[1] for role in Role}
    client = TestClient(app)
    station = {"Authorization": f"Bearer {tokens['station']}"}
    client.post("/api/v1/batches", json={"name": "seed"}, headers=station)
    client.post(
        "/api/v1/batches/1/files", files={"file": ("a.png", io.BytesIO(b"\x89PNG"))},
        headers=station,
    )  # fmt: skip
    return app, tokens


APP, TOKENS = _app_with_tokens()
schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", APP)


def role_for(method: str, path: str) -> str:
    if path.startswith(("/api/v1/tokens", "/api/v1/audit", "/api/v1/desks")):
        return "admin"
    if path.startswith("/api/v1/batches") and method != "GET":
        return "station"
    if path.startswith("/api/v1/documents/") and path.endswith("/verify"):
        return "archivist"
    if path == "/api/v1/exports" or path.endswith("/records"):
        return "archivist"
    if path == "/api/v1/fixity":
        return "archivist"
    return "officer"


@pytest.mark.slow
@schema.parametrize()
# derandomize: CI draws the same requests as a run here; a rare failure found only by a new draw
# would fail an unrelated change. The drawn requests change when the API schema does.
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_makes_the_server_fail(case: schemathesis.Case[Any]) -> None:
    token = TOKENS[role_for(case.method.upper(), case.path)]
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error]
    )
