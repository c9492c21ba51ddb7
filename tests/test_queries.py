"""The named queries the HTTP API asks of the record index (`storage/queries.py`), on SQLite and
PostgreSQL: ordering, limits and filters are what the API's answers promise."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from hoso.storage.archive import Archive
from hoso.storage.fs_store import FilesystemStore
from hoso.storage.index import RecordIndex
from hoso.storage.queries import Records
from hoso.storage.schema import (
    Batch,
    BatchFile,
    DerivedObject,
    Document,
    DocumentText,
    ExtractedField,
)
from hoso.storage.vocabulary import EventType


@pytest.fixture()
def records(index: RecordIndex, tmp_path: Path) -> Iterator[Records]:
    yield Records(Archive(FilesystemStore(tmp_path / "objects"), index, tmp_path / "spool"))


def add_batch(index: RecordIndex, name: str, province: str, status: str = "open") -> int:
    with index.session() as session:
        batch = Batch(name=name, province_code=province, status=status, created_by="station:t")
        session.add(batch)
        session.flush()
        return batch.id


def add_document(
    index: RecordIndex, batch_id: int | None, province: str, status: str = "queued"
) -> int:
    with index.session() as session:
        document = Document(
            batch_id=batch_id, title="giấy", original_key="originals/x", original_sha256="0" * 64,
            status=status, province_code=province,
        )  # fmt: skip
        session.add(document)
        session.flush()
        return document.id


def add_field(index: RecordIndex, document_id: int, name: str) -> int:
    with index.session() as session:
        field = ExtractedField(document_id=document_id, name=name, value="v", confidence=0.5)
        session.add(field)
        session.flush()
        return field.id


def test_recent_batches_are_newest_first_limited_and_filtered(
    records: Records, index: RecordIndex
) -> None:
    first = add_batch(index, "desk 1", "48")
    second = add_batch(index, "desk 2", "48", status="planned")
    third = add_batch(index, "desk 1", "48")
    add_batch(index, "desk 1", "01")

    assert [b.id for b in records.recent_batches(3, "48")] == [third, second, first]
    assert [b.id for b in records.recent_batches(2, "48")] == [third, second]
    assert [b.id for b in records.recent_batches(50, "48", name="desk 1")] == [third, first]
    assert [b.id for b in records.recent_batches(50, "48", status="planned")] == [second]
    assert len(records.recent_batches(50)) == 4  # no province: the whole installation


def test_a_batch_and_its_documents_and_files(records: Records, index: RecordIndex) -> None:
    batch_id = add_batch(index, "desk", "48")
    other = add_batch(index, "desk", "48")
    documents = [add_document(index, batch_id, "48") for _ in range(3)]
    add_document(index, other, "48")
    with index.session() as session:
        row = BatchFile(batch_id=batch_id, position=0, name="a.png", sha256="a" * 64,
                        original_key="originals/a", size=4)  # fmt: skip
        session.add(row)
        session.flush()
        file_id = row.id

    assert [d.id for d in records.batch_documents(batch_id)] == documents
    found = records.batch(batch_id)
    assert found is not None and found.name == "desk"
    assert records.batch(10_000) is None
    file = records.batch_file(file_id)
    assert file is not None and file.name == "a.png"
    assert records.batch_file(10_000) is None


def test_documents_their_text_and_status_counts(records: Records, index: RecordIndex) -> None:
    done = add_document(index, None, "48", status="done")
    queued = add_document(index, None, "01", status="queued")
    add_document(index, None, "48", status="done")
    with index.session() as session:
        session.add(DocumentText(document_id=done, text="Họ và tên", folded="ho va ten"))

    found = records.document(queued)
    assert found is not None and found.province_code == "01"
    assert records.document(10_000) is None
    assert records.document_text(done) == "Họ và tên"
    assert records.document_text(queued) == ""  # not processed yet: no text, not an error
    assert records.documents_by_status() == {"done": 2, "queued": 1}
    records.ping()


def test_the_newest_derivative_of_a_kind(records: Records, index: RecordIndex) -> None:
    document_id = add_document(index, None, "48")
    assert records.newest_derived(document_id, "pdfa") is None
    with index.session() as session:
        for number, kind in enumerate(["pdfa", "pdfa", "json"]):
            session.add(DerivedObject(document_id=document_id, kind=kind, key=f"derived/{number}",
                                      sha256="0" * 64, size=1))  # fmt: skip

    newest = records.newest_derived(document_id, "pdfa")
    assert newest is not None and newest.key == "derived/1"


def test_fields_in_recorded_order_and_their_province(records: Records, index: RecordIndex) -> None:
    document_id = add_document(index, None, "48")
    other = add_document(index, None, "01")
    names = ["id_number", "full_name", "date_of_birth"]
    ids = [add_field(index, document_id, name) for name in names]
    elsewhere = add_field(index, other, "full_name")

    assert [(f.id, f.name) for f in records.fields_of(document_id)] == list(
        zip(ids, names, strict=True)
    )
    found = records.field_with_province(elsewhere)
    assert found is not None
    assert (found[0].id, found[1]) == (elsewhere, "01")
    assert records.field_with_province(10_000) is None


def test_recent_events_page_back_and_filter(records: Records, index: RecordIndex) -> None:
    document_id = add_document(index, None, "48")
    records.record_event(EventType.RETRIEVED, "officer:a", document_id, None, {"what": "text"})
    records.record_event(EventType.SEARCHED, "officer:b", detail={"query": "an"})
    records.record_event(EventType.RETRIEVED, "officer:b", document_id)

    newest = records.recent_events(100)
    assert [e.event_type for e in newest] == ["retrieved", "searched", "retrieved"]
    assert [e.id for e in newest] == sorted((e.id for e in newest), reverse=True)
    assert newest[2].detail == {"what": "text"} and newest[2].outcome == "success"
    assert newest[0].detail == {}
    assert [e.agent for e in records.recent_events(100, event_type="retrieved")] == [
        "officer:b", "officer:a",
    ]  # fmt: skip
    assert [e.event_type for e in records.recent_events(100, agent="officer:b")] == [
        "retrieved", "searched",
    ]  # fmt: skip
    assert [e.id for e in records.recent_events(1, before_id=newest[0].id)] == [newest[1].id]
    assert len(records.recent_events(100, event_type="", agent="")) == 3  # empty: no filter
