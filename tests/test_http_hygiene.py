"""What every HTTP answer says about itself: no caching of personal data, no sniffing, no framing,
no referrer; and the API documentation works with no internet at all."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hoso.api.app import create_app
from hoso.api.auth import Role, Tokens
from hoso.api.deps import Services
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.workflows.queue import JobQueue


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    token = Tokens(index).create("officer", Role.OFFICER, "48", "test")[1]
    with TestClient(create_app(Services(archive, queue))) as test_client:
        yield test_client, token
    queue.close()
    index.engine.dispose()


def test_api_answers_forbid_caching_sniffing_framing_and_referrers(
    client: tuple[TestClient, str],
) -> None:
    test_client, token = client
    auth = {"Authorization": f"Bearer {token}"}
    answers = [
        test_client.get("/api/v1/health"),
        test_client.get("/api/v1/documents/1", headers=auth),  # a problem answer (404)
        test_client.get("/api/v1/documents", params={"q": "an"}, headers=auth),
        test_client.get("/api/v1/batches"),  # not authenticated
    ]
    for answer in answers:
        headers = answer.headers
        assert headers["cache-control"] == "no-store", answer.request.url
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert "default-src 'none'" in headers["content-security-policy"]
        assert "strict-transport-security" not in headers  # plain HTTP: no HSTS
    assert [a.status_code for a in answers] == [200, 404, 200, 401]


def test_hsts_only_over_tls(client: tuple[TestClient, str]) -> None:
    test_client, _ = client
    answer = test_client.get("https://testserver/api/v1/health")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_docs_load_nothing_from_outside_and_run_without_inline_script(
    client: tuple[TestClient, str],
) -> None:
    test_client, _ = client
    page = test_client.get("/api/v1/docs")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text), "an external asset"
    assert not re.search(r"<script>[^<]", page.text), "an inline script"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    for asset in re.findall(r"(?:src|href)=\"(/[^\"]+)\"", page.text):
        loaded = test_client.get(asset)
        assert loaded.status_code == 200, asset
        assert len(loaded.content) > 30, asset
    assert test_client.get("/api/v1/openapi.json").json()["info"]["title"] == "hoso"
