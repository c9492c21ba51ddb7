"""Issue 14, retry and replace: a failed document goes back to the queue (API and `hoso retry`)
or is replaced by a rescan (API and `hoso replace`), each attempt with a job id of its own and
the earlier failure kept in its history; page warnings and pages under 200 dpi reach the batch
status and `hoso upload`'s report. Documents are processed by the workers' `Processor`, called
by hand."""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.errors import ExitCode
from hoso.storage.archive import Archive, ArchiveSettings
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import Intake
from hoso.storage.schema import Document
from hoso.workflows.jobs import document_workflow_id
from hoso.workflows.processing import Processor
from hoso.workflows.queue import JobQueue
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.deployment import serving_app
from tests.synthetic import PageSpec, render_page

API = "/api/v1"
_seeds = itertools.count(1)


def torn_png() -> bytes:
    """A PNG cut short, different bytes each call: its document fails."""
    return b"\x89PNG\r\n\x1a\n" + b"\x00" * 16 + str(next(_seeds)).encode()


def blank_png() -> bytes:
    """A small readable page, different bytes each call."""
    out = io.BytesIO()
    Image.new("L", (60, 40), 150 + next(_seeds) % 100).save(out, "PNG")
    return out.getvalue()


@dataclass
class Desk:
    client: TestClient
    archive: Archive
    queue: JobQueue
    processor: Processor
    tokens: dict[str, str]
    low_dpi: Path | None = None
    low_dpi_batch: int = 0

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def processed_batch(self, name: str, filename: str, payload: bytes, station: str = "s1") -> int:
        """A batch of one file sent by `station`, closed and processed as a worker does."""
        headers = self.as_(station)
        batch = self.client.post(f"{API}/batches", json={"name": name}, headers=headers).json()
        sent = self.client.post(
            f"{API}/batches/{batch['id']}/files",
            files={"file": (filename, io.BytesIO(payload))},
            headers=headers,
        )
        assert sent.status_code == 201, sent.text
        assert self.client.post(f"{API}/batches/{batch['id']}/close", headers=headers).is_success
        for document_id in self.processor.plan(batch["id"]):
            self.processor.process(document_id)
        return int(batch["id"])

    def documents(self, batch_id: int, station: str = "s1") -> list[dict[str, Any]]:
        """The batch's documents as its station sees them."""
        batch = self.client.get(f"{API}/batches/{batch_id}", headers=self.as_(station)).json()
        documents: list[dict[str, Any]] = batch["documents"]
        return documents

    def failed_document(self, station: str = "s1") -> int:
        batch_id = self.processed_batch(f"torn {next(_seeds)}", "torn.png", torn_png(), station)
        [document] = self.documents(batch_id, station)
        assert document["status"] == "failed"
        return int(document["id"])

    def document(self, document_id: int) -> Document:
        found = self.processor.intake.document(document_id)
        assert found is not None
        return found

    def enqueued(self, workflow_id: str) -> bool:
        found = self.queue.client.list_workflows(
            workflow_ids=[workflow_id], load_input=False, load_output=False
        )
        return [w.status for w in found] == ["ENQUEUED"]

    def events(self, document_id: int) -> list[tuple[str, str]]:
        return [
            (e.event_type, e.outcome)
            for e in self.archive.index.events(document_id=document_id)
            if e.event_type in ("processed", "retried", "replaced")
        ]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def desk(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Desk]:
    if request.param == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL")
    folder = tmp_path_factory.mktemp(f"retry-{request.param}")
    with fresh_database(request.param, folder) as url, PageRunner(Options(jobs=1)) as runner:
        index = RecordIndex(url)
        index.migrate()
        archive = Archive(FilesystemStore(folder / "objects"), index, folder / "spool")
        jobs_url = url if request.param == "postgresql" else f"sqlite:///{folder / 'dbos.sqlite'}"
        queue = JobQueue(jobs_url)
        client = TestClient(create_app(Services(archive, queue)))
        tokens = {
            name: Tokens(index).create(name, role, province, "test")[1]
            for name, role, province in [
                ("s1", Role.STATION, "48"), ("s2", Role.STATION, "48"),
                ("officer", Role.OFFICER, "48"), ("archivist", Role.ARCHIVIST, "48"),
                ("station01", Role.STATION, "01"), ("officer01", Role.OFFICER, "01"),
            ]
        }  # fmt: skip
        processor = Processor(Intake(archive), runner, Options(jobs=1), "worker:test")
        desk = Desk(client, archive, queue, processor, tokens)
        desk.low_dpi = render_page(PageSpec(seed=5, dpi=150, body_lines=4)).save(folder / "low.png")
        desk.low_dpi_batch = desk.processed_batch("low", "low.png", desk.low_dpi.read_bytes())
        yield desk
        client.close()
        queue.close()
        index.engine.dispose()


# --- job ids ------------------------------------------------------------------------------------


def test_each_attempt_has_its_own_job_id_and_the_first_keeps_its_id() -> None:
    assert document_workflow_id(7) == "hoso-document-7"
    assert document_workflow_id(7, 2) == "hoso-document-7-retry-2"


# --- warnings reach people ------------------------------------------------------------------------


def test_a_page_under_200_dpi_and_its_warnings_reach_the_batch_status(desk: Desk) -> None:
    [document] = desk.documents(desk.low_dpi_batch)
    assert document["status"] == "done"
    assert document["pages_below_200_dpi"] == [1]
    assert any(w.startswith("page 1: ") and "200" in w for w in document["warnings"])


# --- retry ----------------------------------------------------------------------------------------


def test_a_station_retries_its_failed_document_with_a_fresh_job_each_time(desk: Desk) -> None:
    document_id = desk.failed_document("s1")
    answer = desk.client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_("s1"))
    assert answer.status_code == 202, answer.text
    first = f"hoso-document-{document_id}-retry-1"
    assert answer.json() == {
        "document_id": document_id, "status": "queued", "attempt": 1, "workflow_id": first,
    }  # fmt: skip
    assert desk.enqueued(first)
    document = desk.document(document_id)
    assert document.status == "queued" and document.failure_code is None
    assert desk.processor.process(document_id) == "failed"  # the cause is not fixed yet
    again = desk.client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_("s1"))
    assert again.status_code == 202, again.text
    assert again.json()["workflow_id"] == f"hoso-document-{document_id}-retry-2"
    assert desk.enqueued(again.json()["workflow_id"])
    assert desk.events(document_id) == [
        ("processed", "failure"), ("retried", "success"),
        ("processed", "failure"), ("retried", "success"),
    ]  # fmt: skip


def test_retry_is_refused_unless_failed_and_the_caller_may_touch_it(desk: Desk) -> None:
    document_id = desk.failed_document("s1")
    client = desk.client
    for who in ("s2", "station01", "officer01"):
        other = client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_(who))
        assert other.status_code == 404, (who, other.text)
    archivist = client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_("archivist"))
    assert archivist.status_code == 403
    [done] = desk.documents(desk.low_dpi_batch)
    refused = client.post(f"{API}/documents/{done['id']}/retry", headers=desk.as_("officer"))
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "document_not_failed"
    assert desk.document(done["id"]).status == "done"
    by_officer = client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_("officer"))
    assert by_officer.status_code == 202, by_officer.text
    twice = client.post(f"{API}/documents/{document_id}/retry", headers=desk.as_("officer"))
    assert twice.status_code == 409  # queued now: one retry at a time


# --- replace by a rescan --------------------------------------------------------------------------


def test_a_rescan_replaces_a_failed_document_and_the_old_original_stays(desk: Desk) -> None:
    document_id = desk.failed_document("s1")
    old = desk.document(document_id)
    with desk.archive.store.open(old.original_key) as stream:
        old_bytes = stream.read()
    rescan = blank_png()
    for who in ("s2", "officer01"):
        other = desk.client.post(
            f"{API}/documents/{document_id}/replace",
            files={"file": ("rescan.png", io.BytesIO(rescan))}, headers=desk.as_(who),
        )  # fmt: skip
        assert other.status_code == 404, (who, other.text)
    answer = desk.client.post(
        f"{API}/documents/{document_id}/replace",
        files={"file": ("rescan.png", io.BytesIO(rescan))}, headers=desk.as_("s1"),
    )  # fmt: skip
    assert answer.status_code == 202, answer.text
    body = answer.json()
    assert body["status"] == "queued" and body["attempt"] == 1
    assert body["workflow_id"] == f"hoso-document-{document_id}-retry-1"
    assert body["file"]["sha256"] == hashlib.sha256(rescan).hexdigest()
    assert desk.enqueued(body["workflow_id"])
    with desk.archive.store.open(old.original_key) as stream:
        assert stream.read() == old_bytes  # the old original stays archived
    assert desk.processor.process(document_id) == "done"
    original = desk.client.get(
        f"{API}/documents/{document_id}/original", headers=desk.as_("officer")
    )
    assert original.content == rescan
    files = desk.client.get(f"{API}/batches/{old.batch_id}/files", headers=desk.as_("s1")).json()
    assert [f["name"] for f in files] == ["torn.png", "rescan.png"]
    assert desk.events(document_id) == [
        ("processed", "failure"), ("replaced", "success"), ("retried", "success"),
        ("processed", "success"),
    ]  # fmt: skip
    [replaced] = [
        e for e in desk.archive.index.events(document_id=document_id) if e.event_type == "replaced"
    ]
    assert replaced.agent == "station:s1" and replaced.detail["replaced_key"] == old.original_key


def test_a_document_that_did_not_fail_is_not_replaced(desk: Desk) -> None:
    [done] = desk.documents(desk.low_dpi_batch)
    before = desk.document(done["id"])
    answer = desk.client.post(
        f"{API}/documents/{done['id']}/replace",
        files={"file": ("rescan.png", io.BytesIO(blank_png()))}, headers=desk.as_("s1"),
    )  # fmt: skip
    assert answer.status_code == 409 and answer.json()["code"] == "document_not_failed"
    after = desk.document(done["id"])
    assert (after.status, after.original_key) == ("done", before.original_key)


# --- the CLI --------------------------------------------------------------------------------------


def test_hoso_retry_requeues_a_failed_document_of_the_archive(tmp_path: Path) -> None:
    env = {**os.environ, "HOSO_DATA_DIR": str(tmp_path / "var")}
    archive = Archive.open(ArchiveSettings.from_environment_of(env))
    intake = Intake(archive)
    batch = intake.create_batch("cli", "48", "station:test")
    intake.add_file(batch.id, io.BytesIO(torn_png()), "torn.png", 0, "station:test")
    intake.close(batch.id, "station:test")
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        [document_id] = processor.plan(batch.id)
        assert processor.process(document_id) == "failed"
    result = run_hoso("retry", str(document_id), "--json", env=env)
    answer = json.loads(result.stdout)
    assert answer["workflow_id"] == f"hoso-document-{document_id}-retry-1"
    assert answer["status"] == "queued"
    queue = JobQueue(f"sqlite:///{tmp_path / 'var' / 'dbos.sqlite'}")
    try:
        found = queue.client.list_workflows(workflow_ids=[answer["workflow_id"]])
        assert [w.status for w in found] == ["ENQUEUED"]
    finally:
        queue.close()
    again = run_hoso("retry", str(document_id), env=env, expect=ExitCode.FAILURE)
    assert "document_not_failed" in again.stderr
    run_hoso("retry", "999999", env=env, expect=ExitCode.BAD_ARGUMENTS)
    archive.index.engine.dispose()


@contextlib.contextmanager
def serving(desk: Desk) -> Iterator[str]:
    """The desk's app on a real port, for the `hoso` commands that talk HTTP."""
    with serving_app(desk.client.app) as url:
        yield url


def test_hoso_upload_names_the_pages_to_rescan(desk: Desk) -> None:
    """Sent again under its batch name, the processed low-resolution page is reported."""
    assert desk.low_dpi is not None
    with serving(desk) as url:
        result = run_hoso(
            "upload", desk.low_dpi, "--batch", "low", "--server", url, "--token",
            desk.tokens["s1"], "--timeout", "30",
        )  # fmt: skip
        report = run_hoso(
            "upload", desk.low_dpi, "--batch", "low", "--server", url, "--token",
            desk.tokens["s1"], "--timeout", "30", "--json",
        )  # fmt: skip
    assert "page 1: below 200 dpi, rescan needed" in result.stderr
    assert "sent 0 files, 1 already on the server" in result.stderr
    [document] = json.loads(report.stdout)["documents"]
    assert document["pages_below_200_dpi"] == [1]


def test_hoso_replace_sends_a_rescan_for_a_failed_document(desk: Desk, tmp_path: Path) -> None:
    document_id = desk.failed_document("s1")
    rescan = tmp_path / "rescan.png"
    rescan.write_bytes(blank_png())
    with serving(desk) as url:
        result = run_hoso(
            "replace", str(document_id), rescan, "--server", url, "--token", desk.tokens["s1"],
            "--json",
        )  # fmt: skip
        refused = run_hoso(
            "replace", str(document_id), rescan, "--server", url, "--token", desk.tokens["s1"],
            expect=ExitCode.FAILURE,
        )  # fmt: skip
    answer: dict[str, Any] = json.loads(result.stdout)
    assert answer["workflow_id"] == f"hoso-document-{document_id}-retry-1"
    assert desk.document(document_id).original_sha256 == answer["file"]["sha256"]
    assert "document_not_failed" in refused.stderr
