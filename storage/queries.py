"""The reads the HTTP API makes of the record index, one named method each.

The route modules of `hoso.api.routes` hold no SQL: what they need to know about batches,
documents, fields and events is asked here, so the ordering, limits and filters of each answer
live beside the schema they read, and a reader finds every query of the service in one place.
Each method opens its own short session; rows come back detached (the index's sessions do not
expire on commit), ready to be shaped into a response.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, literal_column, or_, select, text
from sqlalchemy.orm import InstrumentedAttribute, Session

from hoso.storage.archive import Archive
from hoso.storage.index import _snippet
from hoso.storage.schema import (
    Batch,
    BatchFile,
    DerivedObject,
    Desk,
    Document,
    DocumentText,
    Dossier,
    Event,
    ExtractedField,
)
from hoso.storage.textfold import fold
from hoso.storage.vocabulary import BatchStatus, DocumentStatus, EventType, Outcome


class DocumentSort(StrEnum):
    RELEVANCE = "relevance"  # best match first (with words to match; else newest)
    NEWEST = "newest"
    OLDEST = "oldest"
    TITLE = "title"


@dataclass(frozen=True)
class DocumentQuery:
    """What a desk officer looks for (`Records.find_documents`); None or empty: any."""

    text: str = ""
    province_code: str | None = None  # the caller's province, None for every province
    doc_type: str | None = None
    status: str | None = None
    desk_id: int | None = None
    created_from: dt.datetime | None = None  # aware; the desk's day starts are the caller's
    created_before: dt.datetime | None = None
    sort: DocumentSort = DocumentSort.NEWEST
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class ListedDocument:
    document: Document
    desk: str | None  # the name of the desk whose station sent it
    snippet: str | None  # a window of the text around the first matching word


@dataclass(frozen=True)
class DocumentList:
    rows: list[ListedDocument]
    total: int


@dataclass(frozen=True)
class FixityProblem:
    """An object whose latest check of the round failed (`check.detail["outcome"]`: missing or
    changed), with the documents of the asker's province that hold it."""

    check: Event
    document_ids: list[int]


@dataclass(frozen=True)
class FixityRound:
    """The latest round of `hoso fixity`: when and by whom it started, how many objects it
    planned (None: not known for one province) and has checked, and what failed."""

    started: Event
    checked: int
    last_check_at: dt.datetime | None
    problems: list[FixityProblem]
    planned: int | None = None


@dataclass(frozen=True)
class ObjectFixity:
    """One stored object of a document (its original, or a derivative by kind) and its latest
    fixity check (None: never checked)."""

    kind: str
    key: str
    last_check: Event | None


class Records:
    """Named queries over an archive's record index (and one audit write the API makes)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index

    # --- health -------------------------------------------------------------------------

    def ping(self) -> None:
        """Ask the database the cheapest question there is; raises if it does not answer."""
        with self.index.sessions() as session:
            session.execute(text("SELECT 1"))

    def documents_by_status(self) -> dict[str, int]:
        """How many documents are in each status (the metrics gauges)."""
        with self.index.sessions() as session:
            rows = session.execute(
                select(Document.status, func.count()).group_by(Document.status)
            ).all()
        return {status: count for status, count in rows}

    # --- batches ------------------------------------------------------------------------

    def batch(self, batch_id: int) -> Batch | None:
        with self.index.sessions() as session:
            return session.get(Batch, batch_id)

    def recent_batches(
        self,
        limit: int,
        province_code: str | None = None,
        name: str | None = None,
        status: str | None = None,
        station_token_id: int | None = None,
        station_account_id: int | None = None,
    ) -> list[Batch]:
        """Newest first; each filter given narrows the list (None: any). A station passes its
        token id (a person in the desk UI their account id): it sees only the batches it
        opened."""
        statement = select(Batch).order_by(Batch.id.desc()).limit(limit)
        if station_token_id is not None:
            statement = statement.where(Batch.station_token_id == station_token_id)
        if station_account_id is not None:
            statement = statement.where(Batch.station_account_id == station_account_id)
        if province_code is not None:
            statement = statement.where(Batch.province_code == province_code)
        if name is not None:
            statement = statement.where(Batch.name == name)
        if status is not None:
            statement = statement.where(Batch.status == status)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def finished_batches(self, batches: list[Batch]) -> set[int]:
        """Which of these batches are split into documents that are all finished (done or
        failed): one count for the list, where a station saw its finished batches "being
        processed" for good (a new user's finding)."""
        planned = [b.id for b in batches if b.status == BatchStatus.PLANNED]
        if not planned:
            return set()
        running = (
            select(Document.batch_id)
            .where(Document.batch_id.in_(planned))
            .where(Document.status.not_in([s for s in DocumentStatus if s.finished]))
            .distinct()
        )
        with self.index.sessions() as session:
            return set(planned) - set(session.scalars(running))

    def batch_file(self, file_id: int) -> BatchFile | None:
        with self.index.sessions() as session:
            return session.get(BatchFile, file_id)

    def batch_documents(self, batch_id: int) -> list[Document]:
        """The documents planned from a batch, in the order they were planned."""
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(Document).where(Document.batch_id == batch_id).order_by(Document.id)
                )
            )

    # --- documents ----------------------------------------------------------------------

    def document(self, document_id: int) -> Document | None:
        with self.index.sessions() as session:
            return session.get(Document, document_id)

    def newest_derived(self, document_id: int, kind: str) -> DerivedObject | None:
        """The latest derivative of a kind ("pdfa", …), as `Archive.newest_derived` picks it."""
        with self.index.sessions() as session:
            return self.archive.newest_derived(session, document_id, kind)

    def document_text(self, document_id: int) -> str:
        """The document's text; empty when it has none (not processed yet, or no text)."""
        with self.index.sessions() as session:
            row = session.get(DocumentText, document_id)
        return row.text if row else ""

    # --- fields -------------------------------------------------------------------------

    def fields_of(self, document_id: int) -> list[ExtractedField]:
        """A document's extracted fields, in the order they were recorded."""
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(ExtractedField)
                    .where(ExtractedField.document_id == document_id)
                    .order_by(ExtractedField.id)
                )
            )

    def field_with_province(self, field_id: int) -> tuple[ExtractedField, str | None] | None:
        """A field and the province of its document (None: no such field), so a caller can
        be refused a field of another province as if it did not exist."""
        with self.index.sessions() as session:
            row = session.get(ExtractedField, field_id)
            if row is None:
                return None
            document = session.get(Document, row.document_id)
            return row, document.province_code if document else None

    # --- the desk UI's document list ----------------------------------------------------

    def find_documents(self, wanted: DocumentQuery) -> DocumentList:
        """One page of the documents a desk officer looks for: every word of `wanted.text` in
        the document's text (diacritics and case ignored) or the text being its dossier's
        code, narrowed by type, status, desk and date, in the province, sorted as asked.
        Rows carry a window of the text around the first match, never the whole text.

        The page is found on narrow rows (ids, rank) and only its 20 documents are then read
        whole. With words, one pass over the matches gives the page and the total (a window
        count): a common word matches most of a province, and matching twice (a count, then
        the page) was most of a search page's time over 100,000 documents
        (benchmarks/results/ui_speed.md). Without words the count is a separate, cheap query
        (a window would have to visit every row an index walk to the first 20 skips)."""
        words = fold(wanted.text).split()
        with self.index.sessions() as session:
            dossiers = list(
                session.scalars(select(Dossier.id).where(Dossier.code == wanted.text.strip()))
            ) if words else []  # fmt: skip
            matching, rank = self._documents_matching(wanted, words, dossiers)
            page = (
                matching.add_columns(func.count().over() if words else literal_column("0"))
                .order_by(*_ordering(wanted.sort, rank), Document.id.desc())
                .limit(wanted.limit)
                .offset(wanted.offset)
            )
            found = session.execute(page).all()
            if words and found:
                total = found[0][1]
            else:  # without words, or past the last page: the count alone
                total = session.scalar(select(func.count()).select_from(matching.subquery()))
            ids = [row[0] for row in found]
            listed = self._listed(session, ids, words)
        return DocumentList(listed, int(total or 0))

    def _listed(self, session: Session, ids: list[int], words: list[str]) -> list[ListedDocument]:
        """The documents of a page in its order, with their desk's name and a snippet."""
        rows = session.execute(
            select(Document, Desk.name)
            .outerjoin(Batch, Batch.id == Document.batch_id)
            .outerjoin(Desk, Desk.id == Batch.desk_id)
            .where(Document.id.in_(ids))
        ).all()
        by_id = {document.id: (document, desk) for document, desk in rows}
        texts: dict[int, str] = dict(
            session.execute(
                select(DocumentText.document_id, DocumentText.text).where(
                    DocumentText.document_id.in_(ids)
                )
            ).all()
        ) if words else {}  # fmt: skip
        return [
            ListedDocument(*by_id[i], _snippet(texts[i], words) if i in texts else None)
            for i in ids
            if i in by_id
        ]

    def desks(self, province_code: str | None) -> list[Desk]:
        """The desks of a province (every desk without one), by name: a filter's choices."""
        statement = select(Desk).order_by(Desk.name, Desk.id)
        if province_code is not None:
            statement = statement.where(Desk.province_code == province_code)
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def doc_types(self, province_code: str | None) -> list[str]:
        """The document types the province's archive holds: a filter's choices."""
        statement = select(Document.doc_type).where(Document.doc_type.is_not(None)).distinct()
        if province_code is not None:
            statement = statement.where(Document.province_code == province_code)
        with self.index.sessions() as session:
            return sorted(t for t in session.scalars(statement) if t)

    def _documents_matching(
        self, wanted: DocumentQuery, words: list[str], dossiers: list[int]
    ) -> tuple[Select[int], ColumnElement[float]]:
        """The filtered documents' ids and the rank to sort them by.
        `dossiers`: those whose code is the text asked; without any, the text must match (an
        inner join the planner can start from either side, not an OR over an outer join)."""
        statement = select(Document.id).outerjoin(Batch, Batch.id == Document.batch_id)
        rank: ColumnElement[float] = literal_column("0.0")
        if words and dossiers:
            found = self._text_matches(words).subquery("found")
            statement = statement.outerjoin(found, found.c.document_id == Document.id)
            statement = statement.where(
                or_(found.c.document_id.is_not(None), Document.dossier_id.in_(dossiers))
            )
            rank = func.coalesce(found.c.rank, 0.0)
        elif words:
            found = self._text_matches(words).subquery("found")
            statement = statement.join(found, found.c.document_id == Document.id)
            rank = found.c.rank
        equal: list[tuple[InstrumentedAttribute[Any], object]] = [
            (Document.province_code, wanted.province_code),
            (Document.doc_type, wanted.doc_type),
            (Document.status, wanted.status),
            (Batch.desk_id, wanted.desk_id),
        ]
        for column, value in equal:
            if value is not None:
                statement = statement.where(column == value)
        if wanted.created_from is not None:
            statement = statement.where(Document.created_at >= _utc(wanted.created_from))
        if wanted.created_before is not None:
            statement = statement.where(Document.created_at < _utc(wanted.created_before))
        return statement, rank

    def _text_matches(self, words: list[str]) -> Select[int, float]:
        """Ids and rank of the documents whose folded text holds every word (either engine's
        full-text index: FTS5's bm25, PostgreSQL's ts_rank on the stored vector).

        On PostgreSQL `OFFSET 0` keeps the subquery whole, so the rank is computed as each
        text is read: flattened, the planner carried every match's vector up to the sort and
        the window count, spilling to disk when a common word matches most of the archive."""
        if self.index.is_postgres:
            query = func.plainto_tsquery("simple", " ".join(words))
            vector: ColumnElement[Any] = literal_column("document_text.search")
            return (
                select(
                    DocumentText.document_id.label("document_id"),
                    func.ts_rank(vector, query).label("rank"),
                )
                .where(vector.op("@@")(query))
                .offset(0)
            )
        match = " ".join(f'"{w}"' for w in words)
        return (
            select(
                literal_column("rowid").label("document_id"),
                literal_column("-bm25(document_fts)").label("rank"),
            )
            .select_from(text("document_fts"))
            .where(text("document_fts MATCH :match").bindparams(match=match))
        )

    # --- fixity (what `hoso fixity` recorded: `Archive.check_fixity`) ------------------------

    def fixity_round(self, province_code: str | None, limit: int = 200) -> FixityRound | None:
        """The latest fixity round (None: never run) and its problems: objects whose latest
        check in the round failed. With a province, only the checks and problems of objects
        its documents or batches hold (a fixity event names an object, not a province), and no
        planned count: a round plans the installation's objects, and its size told a
        province's archivist how much the others hold (a reviewing helper's finding)."""
        with self.index.sessions() as session:
            started = session.scalar(
                select(Event)
                .where(Event.event_type == EventType.FIXITY_STARTED)
                .order_by(Event.id.desc())
                .limit(1)
            )
            if started is None:
                return None
            in_round = (Event.event_type == EventType.FIXITY_CHECK, Event.id > started.id)
            checks: list[tuple[str | None, dt.datetime]] = [
                (key, at)
                for key, at in session.execute(
                    select(Event.object_key, func.max(Event.at))
                    .where(*in_round)
                    .group_by(Event.object_key)
                )
            ]
            if province_code is not None:
                held = self.object_keys(province_code)
                checks = [(key, at) for key, at in checks if key in held]
            checked = len(checks)
            last_at = max((at for _, at in checks), default=None)
            objects = started.detail.get("objects")
            planned = objects if province_code is None and isinstance(objects, int) else None
            latest = select(func.max(Event.id)).where(*in_round).group_by(Event.object_key)
            failed = list(
                session.scalars(
                    select(Event)
                    .where(Event.id.in_(latest), Event.outcome == Outcome.FAILURE)
                    .order_by(Event.id)
                )
            )
            problems = self._fixity_problems(session, failed, province_code)[:limit]
        return FixityRound(started, checked, last_at, problems, planned)

    def object_keys(self, province_code: str | None) -> set[str]:
        """Every object the index knows (the province's: its documents' originals and
        results, its batches' files)."""
        originals = select(Document.original_key)
        derived = select(DerivedObject.key).join(Document, Document.id == DerivedObject.document_id)
        uploaded = select(BatchFile.original_key).join(Batch, Batch.id == BatchFile.batch_id)
        if province_code is not None:
            originals = originals.where(Document.province_code == province_code)
            derived = derived.where(Document.province_code == province_code)
            uploaded = uploaded.where(Batch.province_code == province_code)
        with self.index.sessions() as session:
            keys: set[str] = set()
            for statement in (originals, derived, uploaded):
                keys |= set(session.scalars(statement))
        return keys

    def _fixity_problems(
        self, session: Session, failed: list[Event], province_code: str | None
    ) -> list[FixityProblem]:
        keys = {e.object_key for e in failed if e.object_key}
        holders: dict[str, set[int]] = {}
        originals = select(Document.original_key, Document.id).where(
            Document.original_key.in_(keys)
        )
        derived = (
            select(DerivedObject.key, Document.id)
            .join(Document, Document.id == DerivedObject.document_id)
            .where(DerivedObject.key.in_(keys))
        )
        uploaded = select(BatchFile.original_key).join(Batch, Batch.id == BatchFile.batch_id)
        uploaded = uploaded.where(BatchFile.original_key.in_(keys))
        if province_code is not None:
            originals = originals.where(Document.province_code == province_code)
            derived = derived.where(Document.province_code == province_code)
            uploaded = uploaded.where(Batch.province_code == province_code)
        for key, document_id in [*session.execute(originals), *session.execute(derived)]:
            holders.setdefault(key, set()).add(document_id)
        for key in session.scalars(uploaded):
            holders.setdefault(key, set())
        return [
            FixityProblem(event, sorted(holders.get(event.object_key or "", ())))
            for event in failed
            if province_code is None or (event.object_key or "") in holders
        ]

    def document_fixity(self, document_id: int) -> list[ObjectFixity]:
        """A document's stored objects (its original first, then derivatives as made) with
        each one's latest fixity check."""
        with self.index.sessions() as session:
            document = session.get(Document, document_id)
            if document is None:
                return []
            objects = [("original", document.original_key)]
            objects += [
                (row.kind, row.key)
                for row in session.scalars(
                    select(DerivedObject)
                    .where(DerivedObject.document_id == document_id)
                    .order_by(DerivedObject.id)
                )
            ]
            keys = [key for _, key in objects]
            latest = (
                select(func.max(Event.id))
                .where(Event.event_type == EventType.FIXITY_CHECK, Event.object_key.in_(keys))
                .group_by(Event.object_key)
            )
            checks = {
                e.object_key: e for e in session.scalars(select(Event).where(Event.id.in_(latest)))
            }
        return [ObjectFixity(kind, key, checks.get(key)) for kind, key in objects]

    # --- events -------------------------------------------------------------------------

    def recent_events(
        self,
        limit: int,
        event_type: str | None = None,
        agent: str | None = None,
        before_id: int | None = None,
        province_code: str | None = None,
        *,
        outcome: str | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
    ) -> list[Event]:
        """The event log newest first, for paging back: `before_id` is the last id seen.
        Empty filters count as none. A province keeps the events that belong to it: of its
        documents, of its desks, of its batches (opened, files received, closed, split), or
        naming it (`detail.province`: API reads, person reads and tokens).
        `since` (inclusive) and `until` (exclusive) bound the time (aware datetimes)."""
        statement = select(Event).order_by(Event.id.desc()).limit(limit)
        if province_code is not None:
            statement = (
                statement.outerjoin(Document, Document.id == Event.document_id)
                .outerjoin(Desk, Desk.id == Event.desk_id)
                .outerjoin(Batch, Batch.id == Event.batch_id)
                .where(
                    or_(
                        Document.province_code == province_code,
                        Desk.province_code == province_code,
                        Batch.province_code == province_code,
                        Event.detail["province"].as_string() == province_code,
                    )
                )
            )
        if event_type:
            statement = statement.where(Event.event_type == event_type)
        if agent:
            statement = statement.where(Event.agent == agent)
        if before_id:
            statement = statement.where(Event.id < before_id)
        if outcome:
            statement = statement.where(Event.outcome == outcome)
        if since is not None:
            statement = statement.where(Event.at >= _utc(since))
        if until is not None:
            statement = statement.where(Event.at < _utc(until))
        with self.index.sessions() as session:
            return list(session.scalars(statement))

    def record_event(
        self,
        event_type: EventType,
        agent: str,
        document_id: int | None = None,
        desk_id: int | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Append one successful event in its own transaction (a read the API audits)."""
        with self.index.session() as session:
            self.index.log_event(
                session, event_type, Outcome.SUCCESS, agent, document_id=document_id,
                desk_id=desk_id, detail=detail,
            )  # fmt: skip


def _ordering(sort: DocumentSort, rank: ColumnElement[float]) -> list[ColumnElement[Any]]:
    """The ORDER BY of a sort; ties go to the newer document."""
    if sort is DocumentSort.RELEVANCE:
        return [rank.desc()]
    if sort is DocumentSort.OLDEST:
        return [Document.created_at.asc(), Document.id.asc()]
    if sort is DocumentSort.TITLE:
        return [Document.title.asc()]
    return [Document.created_at.desc()]


def _utc(moment: dt.datetime) -> dt.datetime:
    """A bound moment in UTC, as the index stores them (SQLite keeps no offset, so a bound
    moment in another zone would compare its wall clock with UTC's)."""
    return moment.astimezone(dt.UTC)
