"""The record index on SQLite and on real PostgreSQL: the same tests, both engines."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DBAPIError

from hoso.digitize.fields import identifiers
from hoso.storage import records, results
from hoso.storage.index import RecordIndex, migrations_config
from hoso.storage.reuse import upsert_person
from hoso.storage.schema import Base, Document, Dossier, Province
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import EventType, Outcome


def add_document(index: RecordIndex, title: str, body: str, sha: str = "0" * 64) -> int:
    with index.session() as session:
        document = Document(title=title, original_key=f"originals/{sha}.pdf", original_sha256=sha)
        session.add(document)
        session.flush()
        index.set_text(session, document.id, body)
        return document.id


def test_fold_ignores_diacritics_case_and_d_stroke() -> None:
    assert fold("Nguyễn Văn Đạt, P. Hải Châu") == "nguyen van dat p hai chau"
    assert fold("NGUYỄN") == fold("nguyễn") == fold("nguyen")  # NFC or NFD input alike
    assert fold("Nguye\u0302\u0303n") == "nguyen"


def test_migration_is_idempotent_and_seeds_the_34_provinces(index: RecordIndex) -> None:
    index.migrate()
    with index.sessions() as session:
        provinces = {p.code: p.name for p in session.scalars(select(Province))}
    assert len(provinces) == 34 and provinces["48"] == "Đà Nẵng" and provinces["01"] == "Hà Nội"
    assert set(provinces) <= identifiers.PROVINCE_CODES  # new codes are a subset of the old


def test_search_finds_vietnamese_without_diacritics(index: RecordIndex) -> None:
    wanted = add_document(index, "Đơn đề nghị", "Họ và tên: Nguyễn Văn An\nNơi cư trú: Đà Nẵng")
    add_document(index, "Quyết định", "Ủy ban nhân dân thành phố Huế quyết định cấp phép")
    for query in ("nguyen van an", "NGUYỄN VĂN AN", "da nang", "Đà Nẵng", "an nguyen"):
        page = index.search_text(query)
        assert [hit.document_id for hit in page.hits] == [wanted], query
    assert index.search_text("ho chi minh").hits == []
    assert index.search_text("   ").total == 0


def test_search_ranks_and_pages(index: RecordIndex) -> None:
    strong = add_document(index, "A", "hồ sơ hồ sơ hồ sơ khai sinh " * 3)
    ids = [
        add_document(index, f"B{i}", f"hồ sơ số {i} và nhiều chữ khác nữa " * 5) for i in range(4)
    ]
    first = index.search_text("ho so", limit=2, offset=0)
    second = index.search_text("ho so", limit=2, offset=2)
    assert first.total == 5 and first.hits[0].document_id == strong
    seen = [h.document_id for h in first.hits + second.hits]
    assert len(set(seen)) == 4 and set(seen) <= {strong, *ids}


def test_changed_text_replaces_the_old_in_search(index: RecordIndex) -> None:
    document = add_document(index, "X", "trích lục khai sinh")
    with index.session() as session:
        index.set_text(session, document, "giấy xác nhận cư trú")
    assert index.search_text("khai sinh").total == 0
    assert index.search_text("cu tru").hits[0].document_id == document


def test_people_by_id_and_by_name(index: RecordIndex) -> None:
    with index.session() as session:
        upsert_person(session, "48", "048203001234", "Trần Thị Ánh")
        upsert_person(session, "01", "001099004321", "Trần Văn Bình")
    assert [p.name for p in index.find_people("048203001234")] == ["Trần Thị Ánh"]
    assert [p.name for p in index.find_people("tran anh")] == ["Trần Thị Ánh"]
    assert len(index.find_people("TRAN")) == 2
    assert [p.name for p in index.find_people("TRAN", province_code="01")] == ["Trần Văn Bình"]
    assert index.find_people("048203001234", province_code="01") == []


def test_events_are_append_only(index: RecordIndex) -> None:
    document = add_document(index, "D", "nội dung")
    with index.session() as session:
        index.log_event(
            session, EventType.INGESTED, Outcome.SUCCESS, "station:01", document_id=document
        )
        index.log_event(
            session, EventType.RETRIEVED, Outcome.SUCCESS, "officer:an", document_id=document
        )
    assert [e.event_type for e in index.events(document_id=document)] == ["ingested", "retrieved"]
    for statement in ("UPDATE event SET outcome = 'failure'", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"), index.session() as session:
            session.execute(text(statement))
    assert len(index.events(document_id=document)) == 2


def test_dossier_code_is_unique(index: RecordIndex) -> None:
    from sqlalchemy.exc import IntegrityError

    with index.session() as session:
        session.add(Dossier(code="000.00.48.H17-250101-0001"))
    with pytest.raises(IntegrityError), index.session() as session:
        session.add(Dossier(code="000.00.48.H17-250101-0001"))


def _down_to(index: RecordIndex, revision: str) -> None:
    config = migrations_config()
    with index.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


@pytest.mark.parametrize(
    ("table", "before"), [("record_metadata", "0010"), ("issued_result", "0011_records_metadata")]
)
def test_a_migration_goes_down_and_up(index: RecordIndex, table: str, before: str) -> None:
    assert table in inspect(index.engine).get_table_names()
    _down_to(index, before)
    assert table not in inspect(index.engine).get_table_names()
    index.migrate()
    assert table in inspect(index.engine).get_table_names()


def test_the_batch_column_of_events_goes_down_and_up(index: RecordIndex) -> None:
    """And the log stays append-only: on SQLite a batch copy of the table would have dropped
    its triggers."""

    def columns() -> set[str]:
        return {column["name"] for column in inspect(index.engine).get_columns("event")}

    _down_to(index, "0012_issued_results")
    assert "batch_id" not in columns()
    index.migrate()
    assert "batch_id" in columns()
    with index.session() as session:
        index.log_event(session, EventType.BATCH_CLOSED, Outcome.SUCCESS, "station:1")
    for statement in ("UPDATE event SET batch_id = NULL", "DELETE FROM event"):
        with pytest.raises(DBAPIError, match="append-only"), index.session() as session:
            session.execute(text(statement))


def _made_by_the_database(object_: object, name: str | None, kind: str, *_: object) -> bool:
    """Objects the models do not describe on purpose: SQLite's full-text tables and
    PostgreSQL's stored tsvector column and its index, made by raw SQL in migrations 0001 and
    0002."""
    del object_
    if kind == "table":
        return not (name or "").startswith("document_fts")
    return name not in {"search", "document_text_search"}


def test_the_migrations_make_the_schema_the_models_describe(index: RecordIndex) -> None:
    """A column, index or table added to the models without a migration (or the other way
    round) would only show on a deployed database: here every difference is listed."""
    # the models of these modules are the tables of their own migrations
    assert {records.RecordMetadata.__table__, results.IssuedResult.__table__} <= set(
        Base.metadata.sorted_tables
    )
    with index.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_object": _made_by_the_database}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_the_queue_index_goes_down_and_up(index: RecordIndex) -> None:
    def indexes() -> set[str | None]:
        return {i["name"] for i in inspect(index.engine).get_indexes("document")}

    _down_to(index, "0014_document_turn")
    assert "ix_document_status_turn" not in indexes()
    index.migrate()
    assert "ix_document_status_turn" in indexes()
