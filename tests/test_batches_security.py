"""Issue 14, batches and uploads: a batch belongs to the station that opened it, file names are
data (never paths), duplicates never point at a copy nobody processes, a file arriving after
close is refused, `hoso upload` says when it gave up, leftovers of a killed process go away, and
failure reasons never show where the server keeps its files."""

from __future__ import annotations

import io
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select, text

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.api.uploader import StationClient
from hoso.digitize.errors import PagePoolClosedError
from hoso.digitize.models import Options
from hoso.digitize.pipeline import PageRunner
from hoso.digitize.triage import TriagedInput, triage_file
from hoso.errors import ExitCode
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import BatchClosedError, Intake
from hoso.storage.objects import StorageUnavailableError, StoredObject
from hoso.storage.queries import Records
from hoso.storage.schema import BatchFile, Document, Event
from hoso.storage.vocabulary import EventType
from hoso.workflows.jobs import _after_retries
from hoso.workflows.processing import Processor
from hoso.workflows.queue import JobQueue
from hoso.workflows.settings import (
    BATCH_QUEUE,
    DOCUMENT_QUEUE,
    REQUEST_THREADS,
    JobSettings,
    queue_limits,
)
from tests.cli import run_hoso
from tests.databases import fresh_database, postgres_available
from tests.deployment import free_port, serving_app
from tests.typed_pdf import helvetica_page

STATION = "station:test"


def png(seed: int) -> bytes:
    """A tiny blank page, different bytes per seed."""
    out = io.BytesIO()
    Image.new("L", (60, 40), 200 + seed % 50).save(out, "PNG")
    return out.getvalue()


@dataclass
class Api:
    client: TestClient
    archive: Archive
    queue: JobQueue
    tokens: dict[str, str]

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[Api]:
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    client = TestClient(create_app(Services(archive, queue)))
    tokens = {
        name: Tokens(index).create(name, role, "48", "test")[1]
        for name, role in [("s1", Role.STATION), ("s2", Role.STATION), ("officer", Role.OFFICER)]
    }
    yield Api(client, archive, queue, tokens)
    client.close()
    queue.close()
    index.engine.dispose()


def _open_with_file(api: Api, who: str, name: str = "morning") -> int:
    client = api.client
    batch = client.post("/api/v1/batches", json={"name": name}, headers=api.as_(who)).json()
    answer = client.post(
        f"/api/v1/batches/{batch['id']}/files",
        files={"file": ("Nguyễn Văn A.png", io.BytesIO(png(1)))},
        headers=api.as_(who),
    )
    assert answer.status_code == 201, answer.text
    return int(batch["id"])


# --- 1. a batch belongs to its station -------------------------------------------------------


def test_another_station_of_the_province_cannot_see_fill_or_close_a_batch(api: Api) -> None:
    batch_id = _open_with_file(api, "s1")
    client, other = api.client, api.as_("s2")
    assert client.get("/api/v1/batches", headers=other).json() == []
    assert client.get(f"/api/v1/batches/{batch_id}", headers=other).status_code == 404
    assert client.get(f"/api/v1/batches/{batch_id}/files", headers=other).status_code == 404
    late = client.post(
        f"/api/v1/batches/{batch_id}/files",
        files={"file": ("x.png", io.BytesIO(png(2)))},
        headers=other,
    )
    assert late.status_code == 404
    assert client.post(f"/api/v1/batches/{batch_id}/close", headers=other).status_code == 404
    mine = client.get(f"/api/v1/batches/{batch_id}", headers=api.as_("s1")).json()
    assert mine["status"] == "open" and len(mine["files"]) == 1


def test_an_officer_reads_every_batch_of_the_province_and_each_read_is_audited(api: Api) -> None:
    batch_id = _open_with_file(api, "s1")
    client, officer = api.client, api.as_("officer")
    assert [b["id"] for b in client.get("/api/v1/batches", headers=officer).json()] == [batch_id]
    assert client.get(f"/api/v1/batches/{batch_id}", headers=officer).status_code == 200
    assert client.get(f"/api/v1/batches/{batch_id}/files", headers=officer).status_code == 200
    assert client.post(f"/api/v1/batches/{batch_id}/close", headers=officer).status_code == 403
    with api.archive.index.sessions() as session:
        reads = list(session.scalars(select(Event).where(Event.event_type.in_(
            [EventType.BATCH_READ, EventType.BATCH_FILES_READ]))))  # fmt: skip
    assert sorted(e.event_type for e in reads) == ["batch_files_read", "batch_read"]
    assert all(e.agent == "officer:officer" and e.detail["batch_id"] == batch_id for e in reads)


def test_hoso_upload_joins_only_this_stations_batch_of_that_name(api: Api) -> None:
    first = _open_with_file(api, "s1")
    station = StationClient("http://testserver", api.tokens["s2"])
    station.http = api.client
    station.http.base_url = "http://testserver/api/v1"
    station.http.headers["Authorization"] = f"Bearer {api.tokens['s2']}"
    batch_id, still_open = station.open_batch("morning")
    assert batch_id != first and still_open


def test_hoso_upload_reports_the_files_the_archive_already_held(api: Api, tmp_path: Path) -> None:
    """A file already archived from an earlier batch is not processed again; the upload's
    report left it out altogether ("sent 3 files", 2 documents: a new user's finding)."""
    first = _open_with_file(api, "s1", "yesterday")
    api.client.post(f"/api/v1/batches/{first}/close", headers=api.as_("s1"))
    again, new = tmp_path / "trang-2.png", tmp_path / "trang-3.png"
    again.write_bytes(png(1))  # the bytes of yesterday's file
    new.write_bytes(png(2))
    station = StationClient("http://testserver", api.tokens["s1"])
    station.http = api.client
    station.http.base_url = "http://testserver/api/v1"
    station.http.headers["Authorization"] = f"Bearer {api.tokens['s1']}"
    batch_id, _ = station.open_batch("today")
    report = station.upload(batch_id, [again, new])
    station.close_batch(batch_id)
    report = station.duplicates(report)
    assert [d["name"] for d in report.duplicates] == ["trang-2.png"]
    assert report.duplicates[0]["duplicate_of_file"] is not None


# --- 2. names are data ------------------------------------------------------------------------

HOSTILE_NAMES = [
    "..", "a\x00b.png", "a" * 296 + ".png", "ả" * 150 + ".png", "../../etc/passwd",
    "scans/x.png", "C:\\scans\\y.png",
]  # fmt: skip


def test_hostile_file_names_are_kept_safe_and_never_block_planning(
    index: RecordIndex, tmp_path: Path
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("names", "48", STATION)
    for position, name in enumerate(HOSTILE_NAMES):
        intake.add_file(batch.id, io.BytesIO(png(position)), name, position, STATION)
    names = [f.name for f in intake.files(batch.id)]
    for name in names:
        assert "/" not in name and "\x00" not in name and name not in ("", ".", "..")
        assert len(name.encode()) <= 255
    assert names[4:] == ["passwd", "x.png", "y.png"]
    intake.close(batch.id, STATION)
    with PageRunner(Options(jobs=1)) as runner:
        planned = Processor(intake, runner, Options(jobs=1), "worker:test").plan(batch.id)
    assert len(planned) == len(HOSTILE_NAMES)


def test_a_deterministic_planning_error_fails_that_file_only(
    index: RecordIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("bug", "48", STATION)
    for position in range(2):
        intake.add_file(batch.id, io.BytesIO(png(position)), f"{position}.png", position, STATION)
    intake.close(batch.id, STATION)
    real = triage_file

    def broken_for_the_first(path: Path, options: Options) -> TriagedInput:
        if path.read_bytes() == png(0):
            raise ValueError("a bug in a decoder")
        return real(path, options)

    monkeypatch.setattr("hoso.workflows.processing.triage_file", broken_for_the_first)
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        planned = processor.plan(batch.id)
        assert len(planned) == 2
        statuses = [processor.process(document_id) for document_id in planned]
    assert sorted(statuses) == ["done", "failed"]


def test_a_file_is_triaged_once_for_its_plan_and_its_document(
    index: RecordIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A PDF's analysis can take up to its own time limit; the document's step spent it again
    after the plan had. The worker keeps each original's triage, moved to the copy it reads."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("typed", "48", STATION)
    typed = helvetica_page(tmp_path / "typed.pdf", "BT /Helv 16 Tf 60 780 Td (HOSO ONCE) Tj ET")
    intake.add_file(batch.id, io.BytesIO(typed.read_bytes()), "typed.pdf", 0, STATION)
    intake.close(batch.id, STATION)
    triaged: list[Path] = []
    real = triage_file

    def counted(path: Path, options: Options) -> TriagedInput:
        triaged.append(path)
        return real(path, options)

    monkeypatch.setattr("hoso.workflows.processing.triage_file", counted)
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        [document_id] = processor.plan(batch.id)
        assert processor.process(document_id) == "done"
    assert len(triaged) == 1
    assert "HOSO ONCE" in Records(archive).document_text(document_id)


def test_a_bad_file_is_logged_in_words_under_its_own_name(
    index: RecordIndex, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An empty upload left a Python traceback in the service's log under the spool's name
    ("9.pdf"), as if hoso had a bug (a new user's finding): bad input is expected."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("empty", "48", STATION)
    intake.add_file(batch.id, io.BytesIO(png(0)), "trang-1.png", 0, STATION)
    intake.add_file(batch.id, io.BytesIO(b""), "don-trong.pdf", 1, STATION)
    intake.close(batch.id, STATION)
    with caplog.at_level(logging.WARNING), PageRunner(Options(jobs=1)) as runner:
        Processor(intake, runner, Options(jobs=1), "worker:test").plan(batch.id)
    (record,) = [r for r in caplog.records if "cannot be planned" in r.getMessage()]
    assert "'don-trong.pdf'" in record.getMessage() and "empty_input" in record.getMessage()
    assert record.exc_info is None


def test_batches_are_planned_several_at_a_time() -> None:
    assert queue_limits(2)[BATCH_QUEUE] >= 4


@pytest.mark.parametrize("engine_name", ["sqlite", "postgresql"])
@pytest.mark.parametrize("role", ["worker", "serve"])
def test_every_document_of_a_large_worker_has_an_index_connection(
    engine_name: str, role: str, tmp_path: Path
) -> None:
    """A worker of 16 page processes runs 32 documents and 4 plans at once; the index's pool
    allowed 15 connections, so the 16th waited and after 30 s failed its document as an
    internal error. Every document, plan and housekeeping thread (and a server's request
    threads) now holds one at the same moment."""
    if engine_name == "postgresql" and not postgres_available():
        pytest.skip("no PostgreSQL at HOSO_TEST_PG (default 127.0.0.1:5432)")
    with fresh_database(engine_name, tmp_path) as url:
        environment = {"HOSO_DATA_DIR": str(tmp_path), "HOSO_DATABASE_URL": url,
                       "HOSO_PAGE_PROCESSES": "16"}  # fmt: skip
        settings = JobSettings.from_environment_of(environment, role)
        at_once = queue_limits(16)[DOCUMENT_QUEUE] + queue_limits(16)[BATCH_QUEUE] + 1
        at_once += REQUEST_THREADS if role == "serve" else 0
        index = RecordIndex(url, settings.archive.connections)
        held = []
        try:
            for _ in range(at_once):
                held.append(index.engine.connect())
                held[-1].execute(text("select 1"))
        finally:
            for connection in held:
                connection.close()
            index.engine.dispose()
        assert len(held) == at_once


def test_a_document_a_stopping_worker_could_not_finish_says_so() -> None:
    """Retried until the step's attempts ran out, a document whose worker kept stopping had
    failed as "storage unavailable"; the store and database had answered all along."""
    stopping = [PagePoolClosedError("the page pool is shut down")] * 6
    assert _after_retries(stopping)[0] == "page_pool_closed"
    assert "stopping" in _after_retries(stopping)[1]
    outage = [StorageUnavailableError("the object store did not answer")] * 6
    assert _after_retries(outage)[0] == "storage_unavailable"


# --- 3. duplicates point only at a copy that is processed --------------------------------------


def test_same_bytes_in_an_open_batch_do_not_make_a_closed_batchs_copy_a_duplicate(
    index: RecordIndex, tmp_path: Path
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    left_open = intake.create_batch("A", "48", STATION)
    intake.add_file(left_open.id, io.BytesIO(png(7)), "x.png", 0, STATION)
    closing = intake.create_batch("B", "48", STATION)
    receipt = intake.add_file(closing.id, io.BytesIO(png(7)), "x.png", 0, STATION)
    assert receipt.duplicate_of is None
    intake.close(closing.id, STATION)
    with PageRunner(Options(jobs=1)) as runner:
        planned = Processor(intake, runner, Options(jobs=1), "worker:test").plan(closing.id)
    assert len(planned) == 1  # B's copy is processed
    later = intake.create_batch("C", "48", STATION)
    again = intake.add_file(later.id, io.BytesIO(png(7)), "x.png", 0, STATION)
    assert again.duplicate_of == receipt.file_id  # a copy that is processed


def test_closing_marks_copies_already_in_a_closed_batch_as_duplicates(
    index: RecordIndex, tmp_path: Path
) -> None:
    """A open and B open with the same bytes; B closes first (its copy is processed), then A
    closes: A's copy points at B's, so it is processed once."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    first, second = (intake.create_batch(n, "48", STATION) for n in "AB")
    a = intake.add_file(first.id, io.BytesIO(png(8)), "x.png", 0, STATION)
    intake.add_file(first.id, io.BytesIO(png(9)), "y.png", 1, STATION)
    b = intake.add_file(second.id, io.BytesIO(png(8)), "x.png", 0, STATION)
    intake.close(second.id, STATION)
    intake.close(first.id, STATION)
    with index.sessions() as session:
        assert session.get(BatchFile, a.file_id).duplicate_of == b.file_id  # type: ignore[union-attr]
        assert session.get(BatchFile, b.file_id).duplicate_of is None  # type: ignore[union-attr]


def test_bytes_whose_earlier_copy_failed_are_processed_again_not_called_archived(
    index: RecordIndex, tmp_path: Path
) -> None:
    """A station re-sending a scan that failed was told "already in the archive" and its upload
    succeeded (a new user's finding): a copy whose every document failed is no copy, so the
    bytes are processed again and fail again with the reason. A copy that is done still makes
    a duplicate."""
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)

    def upload(name: str) -> list[int | None]:
        batch = intake.create_batch(name, "48", STATION)
        receipts = [
            intake.add_file(batch.id, io.BytesIO(png(3)), "trang.png", 0, STATION),
            intake.add_file(batch.id, io.BytesIO(b"%PDF-1.7 broken"), "hong.pdf", 1, STATION),
        ]
        intake.close(batch.id, STATION)
        with PageRunner(Options(jobs=1)) as runner:
            processor = Processor(intake, runner, Options(jobs=1), "worker:test")
            statuses = [processor.process(d) for d in processor.plan(batch.id)]
        assert sorted(statuses) == (["done", "failed"] if name == "A" else ["failed"])
        with index.sessions() as session:
            return [session.get(BatchFile, r.file_id).duplicate_of for r in receipts]  # type: ignore[union-attr]

    assert upload("A") == [None, None]
    good, bad = upload("B")
    assert good is not None and bad is None  # the broken file failed again, in B's own document


# --- 4. a file arriving after close is refused -------------------------------------------------


def test_a_file_stored_while_the_batch_closes_is_refused_not_dropped(
    index: RecordIndex, tmp_path: Path
) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("race", "48", STATION)
    intake.add_file(batch.id, io.BytesIO(png(1)), "first.png", 0, STATION)
    put_spooled = archive.store.put_spooled

    def close_meanwhile(key: str, path: Path) -> StoredObject:
        intake.close(batch.id, STATION)  # the station closes while the server stores the file
        return put_spooled(key, path)

    archive.store.put_spooled = close_meanwhile  # type: ignore[method-assign]
    with pytest.raises(BatchClosedError):
        intake.add_file(batch.id, io.BytesIO(png(2)), "late.png", 1, STATION)
    assert [f.name for f in intake.files(batch.id)] == ["first.png"]


# --- 5. hoso upload says when it gave up -------------------------------------------------------


@pytest.mark.parametrize("command", [["upload", "--batch", "x"], ["replace", "7"]])
def test_station_commands_exit_10_when_the_server_stays_unreachable(
    tmp_path: Path, command: list[str]
) -> None:
    scan = tmp_path / "a.png"
    scan.write_bytes(png(1))
    words: list[str | Path] = (
        [*command, scan] if command[0] == "replace" else [command[0], scan, *command[1:]]
    )
    result = run_hoso(
        *words, "--server", f"http://127.0.0.1:{free_port()}",
        "--token", "hoso_x", "--patience", "1", expect=ExitCode.STORAGE_UNAVAILABLE,
    )  # fmt: skip
    assert "did not answer" in result.stderr and "--server (or HOSO_SERVER)" in result.stderr
    # said at once, not only when patience runs out (300 s of silence looked hung; `replace`
    # said nothing at all until then, helper-76)
    assert "does not answer" in result.stderr and "trying again for up to 1 s" in result.stderr


def test_upload_exits_non_zero_when_processing_does_not_finish_in_time(
    api: Api, tmp_path: Path
) -> None:
    """No worker: the closed batch never finishes, so `--timeout` runs out."""
    with serving_app(api.client.app) as url:
        scan = tmp_path / "a.png"
        scan.write_bytes(png(1))
        result = run_hoso(
            "upload", scan, "--batch", "slow", "--server", url,
            "--token", api.tokens["s1"], "--timeout", "1", expect=ExitCode.FAILURE,
        )  # fmt: skip
    assert "not finished" in result.stderr


# --- 6. leftovers of a killed process ----------------------------------------------------------


def test_old_spool_files_and_incoming_objects_are_cleaned_at_start(tmp_path: Path) -> None:
    from hoso.workflows.worker import clean_leftovers

    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    spool, objects = archive.spool_dir(), tmp_path / "objects" / "originals" / "ab"
    objects.mkdir(parents=True)
    old = [spool / "upload-old", objects / ".incoming-old"]
    new = [spool / "upload-new", objects / ".incoming-new"]
    an_hour_ago = time.time() - 3600
    for path in old + new:
        path.write_bytes(b"partial")
    for path in old:
        os.utime(path, (an_hour_ago, an_hour_ago))
    clean_leftovers(archive)
    assert [p.exists() for p in old] == [False, False]
    assert [p.exists() for p in new] == [True, True]  # may belong to an upload in progress
    index.engine.dispose()


def test_scratch_folders_of_a_killed_worker_go_after_a_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker killed mid-document leaves its pages (personal data) in the temp dir: the
    next start removes such folders once nothing has been written into them for a day."""
    from hoso.workflows.worker import clean_leftovers

    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    days_ago = time.time() - 2 * 86400
    killed, working, other = temp / "hoso-doc-killed", temp / "hoso-doc-working", temp / "old-x"
    for folder in (killed, working, other):
        folder.mkdir()
        (folder / "1.png").write_bytes(b"page")
    for folder in (killed, other):
        os.utime(folder, (days_ago, days_ago))
    clean_leftovers(archive)
    assert not killed.exists()
    assert working.exists() and other.exists()  # in progress / not hoso's
    index.engine.dispose()


def test_bags_a_killed_server_built_for_a_download_go_after_a_day(tmp_path: Path) -> None:
    """POST /exports builds a bag (originals: personal data) in the spool for the download,
    and steps sign copies in work folders there; a server killed meanwhile left them for
    good."""
    from hoso.workflows.worker import clean_leftovers

    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    spool = archive.spool_dir()
    left, downloading = spool / "hoso-export-a", spool / "hoso-export-b"
    signing, other = spool / "hoso-work-c", spool / "kept-d"  # a step's signed copy; not hoso's
    an_hour_ago, days_ago = time.time() - 3600, time.time() - 2 * 86400
    for folder, when in ((left, days_ago), (downloading, an_hour_ago), (signing, days_ago),
                         (other, days_ago)):  # fmt: skip
        (folder / "bag").mkdir(parents=True)
        (folder / "hoso-bag.zip").write_bytes(b"PK")
        os.utime(folder, (when, when))
    clean_leftovers(archive)
    assert not left.exists() and not signing.exists()
    assert downloading.exists()  # a big bag may still be downloading after an hour
    assert other.exists()
    index.engine.dispose()


# --- 7. failure reasons say what, never where ---------------------------------------------------


def test_a_failed_documents_reason_shows_no_server_path(index: RecordIndex, tmp_path: Path) -> None:
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    intake = Intake(archive)
    batch = intake.create_batch("broken", "48", STATION)
    broken = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    intake.add_file(batch.id, io.BytesIO(broken), "giấy khai sinh.png", 0, STATION)
    intake.close(batch.id, STATION)
    with PageRunner(Options(jobs=1)) as runner:
        processor = Processor(intake, runner, Options(jobs=1), "worker:test")
        (document_id,) = processor.plan(batch.id)
        assert processor.process(document_id) == "failed"
    with index.sessions() as session:
        reason = session.get(Document, document_id).failure_reason  # type: ignore[union-attr]
    assert reason and "giấy khai sinh.png" in reason
    for where in ("/tmp", "hoso-doc-", "hoso-plan-", str(tmp_path), "upload-"):
        assert where not in reason


def test_batches_from_before_the_upgrade_go_to_the_station_that_made_them(
    index: RecordIndex, tmp_path: Path
) -> None:
    """Revision 0008 on an archive with batches: each goes to the one station token of the
    name it was created under; one with no such token stays without a station."""
    from alembic import command

    from hoso.storage.index import migrations_config

    token = Tokens(index).create("desk-1", Role.STATION, "48", "test")[0]
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index))
    mine = intake.create_batch("old", "48", "station:desk-1")
    orphan = intake.create_batch("older", "48", "station:gone")
    config = migrations_config()
    with index.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007")
        command.upgrade(config, "head")
    assert intake.batch(mine.id).station_token_id == token.id
    assert intake.batch(orphan.id).station_token_id is None
