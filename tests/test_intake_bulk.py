"""Issue 18, intake: several files in one request, recorded in one transaction, each as
idempotent as a file sent alone; the spool file becomes the object (no second copy); the
station sends groups of files and still resumes by SHA-256."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.api.uploader import GROUP_FILES, StationClient
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import MAX_BULK_FILES, BatchClosedError, Intake, Upload
from hoso.storage.schema import BatchFile, Event
from hoso.storage.vocabulary import EventType
from hoso.workflows.queue import JobQueue
from tests.archives import empty_archive, s3_for

STATION = "station:test"


def png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("L", (40 + seed % 7, 30), seed % 256).save(out, "PNG")
    return out.getvalue()


def uploads(*pages: tuple[int, str, int]) -> list[Upload]:
    return [Upload(io.BytesIO(png(seed)), name, position) for seed, name, position in pages]


@pytest.fixture(params=["folder+sqlite", "s3+postgresql"])
def archive(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Archive]:
    kind = "sqlite" if request.param == "folder+sqlite" else "postgresql"
    with empty_archive(kind, tmp_path, s3_for(kind, request)) as held:
        yield held.archive


def ingested(archive: Archive) -> int:
    with archive.index.sessions() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(Event).where(
                    Event.event_type == EventType.INGESTED)
            ) or 0
        )  # fmt: skip


def test_files_of_one_request_are_stored_whole_and_recorded_once(archive: Archive) -> None:
    intake = Intake(archive)
    batch = intake.create_batch("desk 1", "48", STATION)
    sent = uploads((1, "a.png", 0), (2, "b.png", 1), (1, "c.png", 2))
    first = intake.add_files(batch.id, sent, STATION)

    assert [r.created for r in first] == [True, True, False]  # c.png: a.png's bytes again
    assert first[2].file_id == first[0].file_id
    assert [r.row.position for r in first] == [0, 1, 0]
    for receipt, seed in zip(first, (1, 2, 1), strict=True):
        assert receipt.sha256 == hashlib.sha256(png(seed)).hexdigest()
        with archive.store.open(receipt.row.original_key) as stored:
            assert stored.read() == png(seed)
    assert ingested(archive) == 2
    assert list(archive.spool_dir().iterdir()) == []  # each spool file became its object

    again = intake.add_files(batch.id, uploads((2, "b.png", 1), (3, "d.png", 3)), STATION)
    assert [r.created for r in again] == [False, True]
    assert again[0].file_id == first[1].file_id
    assert ingested(archive) == 3
    with archive.index.sessions() as session:
        names = session.scalars(
            select(BatchFile.name).where(BatchFile.batch_id == batch.id).order_by(BatchFile.id)
        )
        assert list(names) == ["a.png", "b.png", "d.png"]


def test_a_closed_batch_takes_no_group_and_keeps_nothing_of_it(archive: Archive) -> None:
    intake = Intake(archive)
    batch = intake.create_batch("desk 1", "48", STATION)
    intake.add_files(batch.id, uploads((1, "a.png", 0)), STATION)
    intake.close(batch.id, STATION)
    with pytest.raises(BatchClosedError):
        intake.add_files(batch.id, uploads((5, "e.png", 1), (6, "f.png", 2)), STATION)
    assert ingested(archive) == 1
    assert list(archive.spool_dir().iterdir()) == []


@pytest.fixture()
def api(tmp_path: Path) -> Iterator[tuple[TestClient, Archive, str]]:
    index = RecordIndex(f"sqlite:///{tmp_path / 'index.sqlite'}")
    index.migrate()
    archive = Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool")
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    client = TestClient(create_app(Services(archive, queue)))
    token = Tokens(index).create("s1", Role.STATION, "48", "test")[1]
    client.headers["Authorization"] = f"Bearer {token}"
    yield client, archive, token
    client.close()
    queue.close()
    index.engine.dispose()


def test_the_bulk_route_answers_each_file_and_201_only_when_something_is_new(
    api: tuple[TestClient, Archive, str],
) -> None:
    client, _, _ = api
    batch = client.post("/api/v1/batches", json={"name": "morning"}).json()
    url = f"/api/v1/batches/{batch['id']}/files/bulk"
    parts = [("file", (f"{n}.png", png(n))) for n in (1, 2)]
    sent = client.post(url, files=parts, data={"position": ["4", "7"]})
    assert sent.status_code == 201, sent.text
    assert [(f["name"], f["position"], f["created"]) for f in sent.json()] == [
        ("1.png", 4, True), ("2.png", 7, True)]  # fmt: skip
    repeated = client.post(url, files=parts, data={"position": ["4", "7"]})
    assert repeated.status_code == 200
    assert [f["id"] for f in repeated.json()] == [f["id"] for f in sent.json()]

    mismatched = client.post(url, files=parts, data={"position": ["1"]})
    assert mismatched.status_code == 422 and mismatched.json()["code"] == "bad_file_list"
    too_many = [("file", (f"{n}.png", png(n))) for n in range(MAX_BULK_FILES + 1)]
    refused = client.post(url, files=too_many)
    assert refused.status_code == 422 and refused.json()["code"] == "bad_file_list"
    assert len(client.get(f"/api/v1/batches/{batch['id']}/files").json()) == 2


def test_the_station_sends_groups_in_its_order_and_resumes_by_sha256(
    api: tuple[TestClient, Archive, str], tmp_path: Path
) -> None:
    client, _, token = api
    scans = tmp_path / "scans"
    scans.mkdir()
    count = GROUP_FILES + 5  # two groups
    for number in range(count):
        (scans / f"{number:03d}.png").write_bytes(png(number))
    files = sorted(scans.iterdir())
    station = StationClient("http://testserver", token)
    station.http = client
    station.http.base_url = "http://testserver/api/v1"

    batch_id, _ = station.open_batch("stack")
    first = station.upload(batch_id, files[:4])
    assert first.sent == [p.name for p in files[:4]]
    seen: list[tuple[str, bool]] = []
    report = station.upload(
        batch_id, files, on_file=lambda path, sent: seen.append((path.name, sent))
    )
    assert report.already_there == [p.name for p in files[:4]]
    assert report.sent == [p.name for p in files[4:]]
    assert sorted(seen) == sorted([(p.name, p in files[4:]) for p in files])
    on_server = client.get(f"/batches/{batch_id}/files").json()  # the station's base URL
    assert [(f["name"], f["position"]) for f in on_server] == [
        (p.name, n) for n, p in enumerate(files)]  # fmt: skip
