"""The record index: one SQL layer (SQLAlchemy 2 + Alembic) for SQLite (embedded default) and
PostgreSQL (`HOSO_DATABASE_URL`), with search that ignores Vietnamese diacritics and case.

Full text: SQLite FTS5 (bm25 ranking) or PostgreSQL `to_tsvector('simple', …)` with a GIN index
(ts_rank ranking), both over text folded by `storage.textfold.fold`, behind `search_text`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, and_, create_engine, event, or_, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from hoso.storage.objects import StorageUnavailableError
from hoso.storage.schema import BatchFile, Document, DocumentText, Event, Person
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import EventType, FieldStatus, Outcome

# Events about a whole batch, which every document made from it shows in its history.
BATCH_EVENTS = (EventType.BATCH_CREATED, EventType.BATCH_CLOSED, EventType.BATCH_PLANNED)

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
CITIZEN_ID = re.compile(r"^\d{12}$")
_FTS_DELETE = "INSERT INTO document_fts(document_fts, rowid, folded) VALUES('delete', :id, :f)"
_RANKED_PAGE = "ORDER BY rank DESC, d.id LIMIT :n OFFSET :o"


def migrations_config() -> Config:
    """Alembic's view of hoso's migrations: what `migrate` runs and `hoso config check` reads
    the newest revision from."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


@dataclass(frozen=True)
class SearchHit:
    document_id: int
    title: str
    rank: float
    snippet: str


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    limit: int
    offset: int


# Connections a process keeps open to the index between uses; more are opened when needed, up
# to the process's `connections`, and closed when given back.
KEPT_CONNECTIONS = 5
# Connections a process may hold at once unless told (SQLAlchemy's own default: 5 kept, 10 more)
DEFAULT_CONNECTIONS = 15


class RecordIndex:
    def __init__(self, url: str, connections: int = DEFAULT_CONNECTIONS) -> None:
        """`connections`: how many of the process's threads may use the index at once. A
        thread that finds them all in use waits (`sqlalchemy.exc.TimeoutError` after 30 s):
        a worker of 16 page processes runs 32 documents, over the default's 15."""
        self.url = url
        kept = min(KEPT_CONNECTIONS, connections)
        self.engine: Engine = create_engine(
            url, pool_pre_ping=True, future=True, pool_size=kept, max_overflow=connections - kept
        )
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def migrate(self) -> None:
        """Bring the schema to the newest revision (idempotent)."""
        config = migrations_config()
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except OperationalError as exc:
            raise StorageUnavailableError(f"database unreachable: {exc.orig}") from exc

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self.sessions() as session, session.begin():
            yield session

    # --- writing ------------------------------------------------------------------------

    def set_text(self, session: Session, document_id: int, body: str) -> None:
        folded = fold(body)
        existing = session.get(DocumentText, document_id)
        if existing is not None:
            if not self.is_postgres:
                session.execute(
                    text(_FTS_DELETE),
                    {"id": document_id, "f": existing.folded},
                )
            existing.text, existing.folded = body, folded
        else:
            session.add(DocumentText(document_id=document_id, text=body, folded=folded))
        if not self.is_postgres:
            session.execute(
                text("INSERT INTO document_fts(rowid, folded) VALUES (:id, :f)"),
                {"id": document_id, "f": folded},
            )

    def log_event(
        self,
        session: Session,
        event_type: EventType,
        outcome: Outcome | FieldStatus,  # a review's outcome is the decision
        agent: str,
        *,
        object_key: str | None = None,
        document_id: int | None = None,
        desk_id: int | None = None,
        batch_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> Event:
        entry = Event(
            event_type=event_type,
            outcome=outcome,
            agent=agent,
            object_key=object_key,
            document_id=document_id,
            desk_id=desk_id,
            batch_id=batch_id,
            detail=detail or {},
        )
        session.add(entry)
        return entry

    # --- reading ------------------------------------------------------------------------

    def search_text(
        self, query: str, limit: int = 20, offset: int = 0, province_code: str | None = None
    ) -> SearchPage:
        """Documents whose text contains every word of `query`, diacritics and case ignored,
        best match first. With a province, only that province's documents: the filter is in
        the query, so the total and every page are exact (filtering a page afterwards left
        a province's hits behind other provinces' ones)."""
        words = fold(query).split()
        if not words:
            return SearchPage([], 0, limit, offset)
        scope = _Scope(province_code, limit, offset)
        with self.sessions() as session:
            if self.is_postgres:
                rows, total = self._search_postgres(session, " ".join(words), scope)
            else:
                rows, total = self._search_sqlite(session, words, scope)
        hits = [
            SearchHit(int(r[0]), str(r[1]), float(r[2]), _snippet(str(r[3]), words)) for r in rows
        ]
        return SearchPage(hits, total, limit, offset)

    def _search_sqlite(
        self, session: Session, words: list[str], scope: _Scope
    ) -> tuple[list[Any], int]:
        match = " ".join(f'"{w}"' for w in words)
        base = (
            "FROM document_fts f JOIN document d ON d.id = f.rowid "
            "JOIN document_text t ON t.document_id = d.id WHERE document_fts MATCH :q"
        )
        columns = "d.id, d.title, -bm25(document_fts) AS rank, t.text"
        return _ranked(session, base + scope.condition, columns, {"q": match}, scope)

    def _search_postgres(
        self, session: Session, folded: str, scope: _Scope
    ) -> tuple[list[Any], int]:
        condition = "t.search @@ plainto_tsquery('simple', :q)"
        base = f"FROM document_text t JOIN document d ON d.id = t.document_id WHERE {condition}"
        rank = "ts_rank(t.search, plainto_tsquery('simple', :q))"
        columns = f"d.id, d.title, {rank} AS rank, t.text"
        return _ranked(session, base + scope.condition, columns, {"q": folded}, scope)

    def find_people(
        self, name_or_id: str, province_code: str | None = None, limit: int = 20
    ) -> list[Person]:
        """By exact citizen ID, or by name ignoring diacritics and case (all words, any order);
        one province's records when `province_code` is given (records are per province)."""
        statement = select(Person)
        if province_code is not None:
            statement = statement.where(Person.province_code == province_code)
        if CITIZEN_ID.match(name_or_id.strip()):
            statement = statement.where(Person.citizen_id == name_or_id.strip())
        else:
            for word in fold(name_or_id).split():
                statement = statement.where(Person.name_folded.contains(word))
        with self.sessions() as session:
            return list(session.scalars(statement.order_by(Person.name_folded).limit(limit)))

    def documents_with_original(self, sha256: str) -> list[Document]:
        with self.sessions() as session:
            return list(session.scalars(select(Document).where(Document.original_sha256 == sha256)))

    def events(self, document_id: int | None = None, object_key: str | None = None) -> list[Event]:
        with self.sessions() as session:
            statement = select(Event).order_by(Event.id)
            if document_id is not None:
                statement = statement.where(Event.document_id == document_id)
            if object_key is not None:
                statement = statement.where(Event.object_key == object_key)
            return list(session.scalars(statement))

    def document_history(self, document_id: int) -> list[Event]:
        """A document's events, oldest first, from its batch being opened and the upload of
        the files it was made from (who sent them, when) through the batch's closing and
        split to its latest: its own events alone started at "fields extracted", so no
        history showed who brought the paper (a new user's finding)."""
        with self.sessions() as session:
            document = session.get(Document, document_id)
            file_ids = [
                int(source["file_id"])
                for source in ((document.sources or []) if document is not None else [])
                if isinstance(source, dict) and isinstance(source.get("file_id"), int)
            ]
            uploads = (
                select(BatchFile.original_key).where(BatchFile.id.in_(file_ids))
                if file_ids
                else None
            )
            belongs = [Event.document_id == document_id]
            if uploads is not None and document is not None:
                # The same bytes sent to two batches (two provinces, maybe) are one object: only
                # the upload into this document's batch is its history (another province's
                # upload of a copy had shown its station and file name here). An upload logged
                # before events named their batch (migration 0013) no longer shows: it cannot
                # be told from another province's `hoso ingest` of the same bytes (helper-70).
                belongs.append(
                    and_(
                        Event.event_type == EventType.INGESTED,
                        Event.object_key.in_(uploads),
                        Event.batch_id == document.batch_id,
                    )
                )
            if document is not None and document.batch_id is not None:
                belongs.append(
                    and_(Event.batch_id == document.batch_id, Event.event_type.in_(BATCH_EVENTS))
                )
            condition = or_(*belongs)
            return list(session.scalars(select(Event).where(condition).order_by(Event.id)))


@dataclass(frozen=True)
class _Scope:
    """Which page of whose documents a search answers (None: every province)."""

    province_code: str | None
    limit: int
    offset: int

    @property
    def condition(self) -> str:
        return " AND d.province_code = :province" if self.province_code is not None else ""


def _ranked(
    session: Session, base: str, columns: str, params: dict[str, Any], scope: _Scope
) -> tuple[list[Any], int]:
    """The total and one page of a search, both under the same conditions (either engine)."""
    bound = {**params, "province": scope.province_code}
    total = session.execute(text(f"SELECT count(*) {base}"), bound).scalar_one()
    rows = session.execute(
        text(f"SELECT {columns} {base} {_RANKED_PAGE}"),
        {**bound, "n": scope.limit, "o": scope.offset},
    ).all()
    return list(rows), int(total)


def _snippet(body: str, words: list[str], width: int = 160) -> str:
    folded = fold(body)
    position = min((folded.find(w) for w in words if folded.find(w) >= 0), default=0)
    plain = " ".join(body.split())
    start = max(0, position - width // 4)
    return plain[start : start + width]


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
