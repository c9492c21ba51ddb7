"""Attacks on the handover surfaces (issue 17 review): the same bytes held by two provinces must
not carry one province's history into the other's bag; a bag (crafted, or honest but from
another store) must not shadow this archive's own fixity checks, attach its documents to
another province's dossier, hide a DOCTYPE from the check in another encoding, or fail half
written; the API's bag is bounded in size and in bags built at once. SQLite + folder store:
these are checks of what hoso reads and writes, not of the engines."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from threading import BoundedSemaphore

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.types import Message

from hoso.api.app import Services, create_app
from hoso.api.auth import Role, Tokens
from hoso.api.routes import exports
from hoso.signatures.sign import SigningService
from hoso.signatures.verify import Verifier
from hoso.storage.bags.check import BagInvalidError, UnsafeBagError
from hoso.storage.bags.package import Exporter, Selection
from hoso.storage.bags.receive import Importer
from hoso.storage.intake import Intake
from hoso.storage.queries import Records
from hoso.storage.schema import Document, Dossier, Event
from hoso.storage.upkeep import Upkeep
from hoso.workflows.queue import JobQueue
from hoso.workflows.scheduled import ScheduledWork
from hoso.workflows.settings import ScheduleSettings
from tests.archives import SAMPLE, Held, empty_archive
from tests.test_export import _rebag

pytestmark = pytest.mark.xdist_group("deploy-attacks")
CITIZEN_FILE = "Nguyễn Văn Bình - CCCD.jpg"  # a file name that names a citizen
TODAY = dt.date.today()
ALL_DAYS = {"day_from": TODAY - dt.timedelta(days=2), "day_to": TODAY + dt.timedelta(days=2)}


@dataclass
class Shared:
    """One archive where Đà Nẵng (48) and Hà Nội (01) each hold the same scanned bytes."""

    held: Held
    ours: int  # Đà Nẵng's document
    theirs: int  # Hà Nội's document of the same bytes


@pytest.fixture()
def shared(tmp_path: Path) -> Iterator[Shared]:
    with empty_archive("sqlite", tmp_path / "archive", None) as held:
        archive = held.archive
        ours = archive.ingest(SAMPLE, "station:danang", province_code="48").document_id
        intake = Intake(archive)
        batch = intake.create_batch("desk 1", "01", "station:hanoi")
        with SAMPLE.open("rb") as stream:
            intake.add_file(batch.id, stream, CITIZEN_FILE, 0, "station:hanoi")
        theirs = archive.ingest(SAMPLE, "station:hanoi-2", province_code="01").document_id
        archive.open_original(theirs, "officer:hanoi").close()
        yield Shared(held, ours, theirs)


def _export(held: Held, where: Path, province: str) -> Path:
    exporter = Exporter(held.archive)
    selection = Selection(day_from=ALL_DAYS["day_from"], day_to=ALL_DAYS["day_to"],
                          province_code=province)  # fmt: skip
    plan = exporter.plan(selection)
    return exporter.export(plan, where, "archivist:test").path


def _records(bag: Path) -> list[dict[str, object]]:
    folder = bag / "data" / "hoso" / "documents"
    return [json.loads(path.read_text()) for path in sorted(folder.glob("*.json"))]


def _counts(held: Held) -> tuple[int, int, int]:
    with held.archive.index.sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Document)) or 0,
            session.scalar(select(func.count()).select_from(Event)) or 0,
            len(list(held.archive.store.keys())),
        )


def test_a_bag_carries_none_of_another_provinces_history_of_the_same_bytes(
    shared: Shared, tmp_path: Path
) -> None:
    bag = _export(shared.held, tmp_path / "bag", "48")
    (record,) = _records(bag)
    agents = {event["agent"] for event in record["events"]}  # type: ignore[attr-defined]
    assert agents == {"station:danang"}, agents
    everything = "".join(p.read_text(errors="replace") for p in bag.rglob("*") if p.is_file()
                         and not p.is_relative_to(bag / "data" / "objects"))  # fmt: skip
    assert "Bình" not in everything and "hanoi" not in everything


def test_an_import_does_not_shadow_this_archives_own_fixity_checks(
    shared: Shared, tmp_path: Path
) -> None:
    source = shared.held.archive
    assert all(r.ok for r in source.check_fixity(source.fixity_keys(), "fixity:source"))
    bag = _export(shared.held, tmp_path / "bag", "48")
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        here = target.archive.ingest(SAMPLE, "station:hanoi", province_code="01").document_id
        archive = target.archive
        assert all(r.ok for r in archive.check_fixity(archive.fixity_keys(), "fixity:target"))
        Importer(archive).import_bag(bag, "cli")
        (own,) = Records(archive).document_fixity(here)
        assert own.last_check is not None and own.last_check.agent == "fixity:target"


def _doctor(bag: Path, change: str) -> None:
    path = next((bag / "data" / "hoso" / "documents").glob("*.json"))
    record = json.loads(path.read_text())
    if change == "foreign object event":
        record["events"].append({
            "id": 999_999, "at": "2026-01-01T00:00:00+00:00", "event_type": "fixity_check",
            "outcome": "success", "agent": "fixity:forged", "of_document": False,
            "object_key": f"originals/00/00/{'0' * 64}.pdf", "detail": {"outcome": "ok"},
        })  # fmt: skip
    elif change == "dossier of another province":
        record["dossier"] = {"code": "01-HANOI-0001", "procedure_code": None,
                             "applicant_citizen_id": None}  # fmt: skip
    elif change == "event of another province":
        record["events"].append({
            "id": 999_998, "at": "2026-01-01T00:00:00+00:00", "event_type": "logged_in",
            "outcome": "success", "agent": "desk UI:admin01", "of_document": True,
            "object_key": None, "detail": {"province": "01"},
        })  # fmt: skip
    elif change == "no text":
        del record["text"]
    path.write_text(json.dumps(record))
    _rebag(bag)


@pytest.mark.parametrize("change", ["foreign object event", "event of another province",
                                    "dossier of another province", "no text"])  # fmt: skip
def test_a_doctored_record_is_refused_before_anything_is_written(
    shared: Shared, tmp_path: Path, change: str
) -> None:
    bag = _export(shared.held, tmp_path / "bag", "48")
    _doctor(bag, change)
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        with target.archive.index.session() as session:
            session.add(Dossier(code="01-HANOI-0001", province_code="01"))
        before = _counts(target)
        with pytest.raises(BagInvalidError):
            Importer(target.archive).import_bag(bag, "cli")
        assert _counts(target) == before


def test_a_doctype_in_utf16_mets_is_refused(shared: Shared, tmp_path: Path) -> None:
    bag = _export(shared.held, tmp_path / "bag", "48")
    mets = bag / "data" / "mets.xml"
    text = mets.read_text(encoding="utf-8").split("?>", 1)[1]
    declared = '<!DOCTYPE m [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    mets.write_bytes(f'<?xml version="1.0" encoding="UTF-16"?>{declared}{text}'.encode("utf-16"))
    _rebag(bag)
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        with pytest.raises(UnsafeBagError):
            Importer(target.archive).import_bag(bag, "cli")
        assert _counts(target) == (0, 0, 0)


def test_a_control_character_in_a_title_does_not_break_the_bag(
    shared: Shared, tmp_path: Path
) -> None:
    """A batch's name is any text a station sends; its documents are titled after it."""
    archive = shared.held.archive
    paper = tmp_path / "paper.jpg"
    paper.write_bytes(SAMPLE.read_bytes() + b"\0")
    archive.ingest(paper, "station:danang", title="Bàn\x0b3 #1", province_code="48")
    bag = _export(shared.held, tmp_path / "bag", "48")
    titles = {record["title"] for record in _records(bag)}
    assert "Bàn\x0b3 #1" in titles  # the record keeps what the index holds
    with empty_archive("sqlite", tmp_path / "target", None) as target:
        assert len(Importer(target.archive).import_bag(bag, "cli").imported) == 2


@pytest.fixture()
def client(shared: Shared, tmp_path: Path, verifier: Verifier) -> Iterator[TestClient]:
    queue = JobQueue(f"sqlite:///{tmp_path / 'dbos.sqlite'}")
    with TestClient(create_app(Services(shared.held.archive, queue, verifier))) as client:
        yield client
    queue.close()


def test_the_apis_bag_is_bounded_in_size_and_in_bags_at_once(
    shared: Shared, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = shared.held.archive
    token = Tokens(archive.index).create("archivist", Role.ARCHIVIST, "48", "test")[1]
    second = shutil.copy(SAMPLE, archive.spool_dir() / "other.jpg")
    Path(second).write_bytes(Path(second).read_bytes() + b"\0")
    archive.ingest(Path(second), "station:danang", province_code="48")
    wanted = {k: v.isoformat() for k, v in ALL_DAYS.items()}
    headers = {"Authorization": f"Bearer {token}"}
    monkeypatch.setattr(exports, "MAX_DOCUMENTS", 1)
    large = client.post("/api/v1/exports", json=wanted, headers=headers)
    assert large.status_code == 413 and large.json()["code"] == "export_too_large"
    monkeypatch.setattr(exports, "MAX_DOCUMENTS", 2)
    monkeypatch.setattr(exports, "_building", BoundedSemaphore(1))
    assert exports._building.acquire(blocking=False)  # another bag is being built
    busy = client.post("/api/v1/exports", json=wanted, headers=headers)
    assert busy.status_code == 429 and busy.headers["Retry-After"]
    exports._building.release()
    done = client.post("/api/v1/exports", json=wanted, headers=headers)
    assert done.status_code == 200, done.text
    assert exports._building.acquire(blocking=False)  # given back after the bag was built
    assert not list(archive.spool_dir().glob("hoso-export-*"))  # nor left once downloaded


def test_a_download_broken_off_leaves_no_bag_behind(tmp_path: Path) -> None:
    """A background task runs only after a complete answer: where the server's `send` raises
    for a client gone (ASGI 2.4), the bag of a download broken off stayed in the spool. The
    answer itself removes it, however it ends."""
    folder = tmp_path / "hoso-export-x"
    (folder / "bag" / "data").mkdir(parents=True)
    zipped = folder / "hoso-x.zip"
    zipped.write_bytes(b"PK" + bytes(300_000))

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.body":
            raise OSError("the client went away")

    scope = {
        "type": "http", "method": "POST", "headers": [], "path": "/api/v1/exports",
        "asgi": {"version": "3.0", "spec_version": "2.4"},  # send raises once the client is gone
    }  # fmt: skip
    answer = exports.BagResponse(zipped, folder)(scope, receive, send)
    with pytest.raises(OSError, match="went away"):
        asyncio.run(asyncio.wait_for(answer, timeout=30))
    assert not folder.exists()


def test_a_missing_signed_copy_does_not_stop_the_renewal_check_of_the_others(
    tmp_path: Path, signing: SigningService, pdfa_copy: Path
) -> None:
    with empty_archive("sqlite", tmp_path / "archive", None) as held:
        archive = held.archive
        for n in range(2):
            original = tmp_path / f"scan-{n}.pdf"
            original.write_bytes(pdfa_copy.read_bytes() + b"%" * (n + 1))
            signed = tmp_path / f"signed-{n}.pdf"
            signing.sign(pdfa_copy, signed, "copy")  # no document timestamp: renewal due
            document = archive.ingest(original, "test", province_code="48").document_id
            archive.add_derived(document, "pdfa", signed, "test")
        first = Upkeep(archive).current_copies("pdfa")[0]
        (held.folder / "var" / "objects" / first.key).unlink()  # lost from the store
        settings = ScheduleSettings(renewal="0 3 * * 0", renewal_action="report")
        work = ScheduledWork(archive, settings, "worker:w1", signing=lambda: signing)
        counts = work.check_renewals(dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC))
        assert (counts["checked"], counts["due"]) == (1, 1)
