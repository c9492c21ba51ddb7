"""Stations take turns in the job queue (start-time fair queuing on the queue's priority):
a station that sends a large batch holds back another station's document by a document or
so, not by its whole batch; each station's own documents keep their order. On SQLite and on
PostgreSQL, on the record index the workers use."""

from __future__ import annotations

import io
from pathlib import Path

from hoso.api.auth import Role, Tokens
from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.intake import DocumentPlan, Intake
from hoso.storage.vocabulary import DocumentStatus


def planned_batch(intake: Intake, station: str, documents: int) -> list[int]:
    """A closed batch of `documents` one-page files sent by `station` (its API token, made on
    first use), planned one document per file as the worker's plan step records it."""
    tokens = Tokens(intake.index)
    token = next((t for t in tokens.list() if t.name == station), None)
    if token is None:
        token, _ = tokens.create(station, Role.STATION, "48", "test")
    batch = intake.create_batch(station, "48", f"station:{station}", station_token_id=token.id)
    for position in range(documents):
        payload = f"{station} batch {batch.id} paper {position}".encode()
        intake.add_file(batch.id, io.BytesIO(payload), f"{position}.pdf", position, station)
    intake.close(batch.id, station)
    plans = [DocumentPlan(None, [{"file_id": f.id, "pages": None}]) for f in intake.files(batch.id)]
    return intake.record_plan(batch.id, plans, "worker:test")


def turns(intake: Intake, documents: list[int]) -> list[int | None]:
    document = intake.document(documents[0])
    assert document is not None and document.batch_id is not None
    return intake.take_turns(document.batch_id)


def test_stations_take_turns_and_keep_their_own_order(index: RecordIndex, tmp_path: Path) -> None:
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    big = planned_batch(intake, "station-1", 6)
    assert turns(intake, big) == [1, 2, 3, 4, 5, 6]
    assert turns(intake, big) == [1, 2, 3, 4, 5, 6]  # a replayed step: the same turns
    for started in big[:2]:  # the worker took the first two
        intake.set_status(started, DocumentStatus.PROCESSING)

    # Another station's one paper comes right after the head of the line (turn 3), not
    # after station 1's four waiting ones; the queue breaks the tie by age.
    small = planned_batch(intake, "station-2", 1)
    assert turns(intake, small) == [3]
    # Station 2's next three follow its own last turn: interleaved with station 1's.
    more = planned_batch(intake, "station-2", 3)
    assert turns(intake, more) == [4, 5, 6]
    # Station 1's second batch waits behind its first (its own order holds).
    again = planned_batch(intake, "station-1", 2)
    assert turns(intake, again) == [7, 8]


def test_a_batch_when_nobody_waits_comes_after_the_last_turn(
    index: RecordIndex, tmp_path: Path
) -> None:
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    first = planned_batch(intake, "station-1", 3)
    assert turns(intake, first) == [1, 2, 3]
    for document_id in first:
        intake.set_status(document_id, DocumentStatus.DONE)
    later = planned_batch(intake, "station-2", 2)
    assert turns(intake, later) == [4, 5]


def test_a_station_sending_a_paper_at_a_time_does_not_restart_at_the_head(
    index: RecordIndex, tmp_path: Path
) -> None:
    """A station's next paper follows its last turn even once that paper was taken: counting
    only its waiting papers, two stations sending one whenever the last was taken started
    again at the head each time and held a third station's backlog back for good (helper-54)."""
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    backlog = planned_batch(intake, "station-1", 6)
    assert turns(intake, backlog) == [1, 2, 3, 4, 5, 6]
    intake.set_status(backlog[0], DocumentStatus.PROCESSING)
    first = planned_batch(intake, "station-2", 1)
    assert turns(intake, first) == [2]
    intake.set_status(first[0], DocumentStatus.PROCESSING)  # taken before station 1's turn 2
    assert turns(intake, planned_batch(intake, "station-2", 1)) == [3]  # not 2 again


def test_a_retried_document_takes_a_fresh_turn(index: RecordIndex, tmp_path: Path) -> None:
    """A retry queued at its old turn (or first) pulled the head of the line back, so every
    batch planned meanwhile jumped the whole backlog (helper-54); it is its sender's next."""
    intake = Intake(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))
    backlog = planned_batch(intake, "station-1", 6)
    assert turns(intake, backlog) == [1, 2, 3, 4, 5, 6]
    intake.fail(backlog[0], "unreadable_image", "the scan could not be read", "worker:test")
    intake.retry(backlog[0], "officer")
    retried = intake.document(backlog[0])
    assert retried is not None and retried.queue_turn == 7  # after station 1's own last
    assert turns(intake, planned_batch(intake, "station-2", 2)) == [2, 3]  # not [1, 2]
