"""Batches from scanning stations: files in, documents planned, results recorded.

Every write here is safe to repeat, because job steps run at least once and stations retry
uploads: a file is keyed by (batch, SHA-256), a plan is recorded once per batch, and a
document's results are written in one transaction that does nothing if they are already there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import tempfile
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from hoso.contract import IDENTITY_FIELDS, DossierRule, ExtractedFields
from hoso.errors import ExitCode, HosoError, InputError
from hoso.files import TooLargeError, hash_stream
from hoso.storage.archive import SPOOL_PREFIX, Archive
from hoso.storage.objects import StoredObject, original_key
from hoso.storage.reuse import Reuse
from hoso.storage.schema import (
    Account,
    ApiToken,
    Batch,
    BatchFile,
    Document,
    Dossier,
    Event,
    ExtractedField,
)
from hoso.storage.vocabulary import BatchStatus, DocumentStatus, EventType, FieldStatus, Outcome

MAX_UPLOAD_BYTES = 2 * 1024**3  # one file; a whole stack scanned at 600 dpi stays well under
MAX_BULK_FILES = 64  # files in one request (`add_files`): one transaction, one request
MAX_BULK_BYTES = 256 * 1024**2  # and their bytes together; a bigger file goes alone
STORE_THREADS = 8  # objects of one request written at once (their fsyncs and S3 calls overlap)
LOOKUP_CHUNK = 500  # values in one SQL `IN (…)`, well under every database's limit
MAX_NAME_BYTES = 255  # what file systems allow for one name; the column holds 300 characters
FALLBACK_NAME = "upload"


class BatchNotFoundError(HosoError):
    code = "batch_not_found"
    http_status = 404


class BatchClosedError(HosoError):
    code = "batch_closed"
    http_status = 409


class EmptyBatchError(InputError):
    code = "empty_batch"
    http_status = 409


class UploadTooLargeError(InputError):
    code = "upload_too_large"
    http_status = 413


class DocumentNotFoundError(HosoError):
    code = "document_not_found"
    exit_code = ExitCode.BAD_ARGUMENTS  # the id given names nothing
    http_status = 404


class NotRetryableError(HosoError):
    """Only a failed document of a batch goes back to the queue: one that is queued, running
    or done is left as it is, so a retry can never run a document twice at once."""

    code = "document_not_failed"
    http_status = 409


@dataclass(frozen=True)
class Upload:
    """One file of a request: its bytes as they arrive, the name the station gave it, and its
    place in the station's order."""

    stream: BinaryIO
    name: str
    position: int


@dataclass(frozen=True)
class _Arrived:
    stored: StoredObject
    name: str
    position: int


@dataclass(frozen=True)
class Replacement:
    """A rescan recorded for a failed document, and the attempt it is queued as."""

    attempt: int
    file: FileReceipt


@dataclass(frozen=True)
class FileReceipt:
    file_id: int
    sha256: str
    size: int
    created: bool  # False: these bytes were already in this batch (a retried upload)
    duplicate_of: int | None  # an earlier file of the province with the same bytes
    row: BatchFile  # the file as recorded (what a route answers, without reading it again)


@dataclass(frozen=True)
class DocumentPlan:
    dossier_code: str | None
    sources: list[dict[str, Any]]  # [{"file_id": int, "pages": [0-based page index, ...]}]
    doc_type_hint: str | None = None


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def safe_name(name: str) -> str:
    """A file name to show people, never to use as a path: the last part of whatever path the
    station sent, without control characters (NUL included), no `.`/`..`, at most 255 bytes of
    UTF-8 with the extension kept. Names are data: nothing on the server is opened by them."""
    last = name.replace("\\", "/").rsplit("/", 1)[-1]
    shown = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip()
    if shown.strip(".") == "":
        return FALLBACK_NAME
    stem, dot, suffix = shown.rpartition(".")
    if not dot or len(suffix.encode()) > 16:
        stem, suffix = shown, ""
    ending = f".{suffix}" if suffix else ""
    room = MAX_NAME_BYTES - len(ending.encode())
    stem = stem.encode()[:room].decode(errors="ignore")
    return (stem + ending) if stem.strip(".") else FALLBACK_NAME + ending


class Intake:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.index = archive.index
        self.reuse = Reuse(archive.index)
        # Writes of one request's objects, at once (threads start on first use, then stay).
        self._writers = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="hoso-store")

    # --- stations ------------------------------------------------------------------------

    def create_batch(
        self,
        name: str,
        province_code: str | None,
        agent: str,
        desk_id: int | None = None,
        station_token_id: int | None = None,
        station_account_id: int | None = None,
    ) -> Batch:
        """A new open batch; `station_token_id` is the station that owns it (API callers), or
        `station_account_id` the person who opened it in the desk UI."""
        with self.index.session() as session:
            batch = Batch(
                name=name, province_code=province_code, created_by=agent, desk_id=desk_id,
                station_token_id=station_token_id, station_account_id=station_account_id,
            )  # fmt: skip
            session.add(batch)
            session.flush()
            self.index.log_event(
                session, EventType.BATCH_CREATED, Outcome.SUCCESS, agent, desk_id=desk_id,
                batch_id=batch.id, detail={"batch_id": batch.id, "name": name},
            )  # fmt: skip
            return batch

    def batch(self, batch_id: int) -> Batch:
        with self.index.sessions() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise BatchNotFoundError(f"there is no batch {batch_id}")
            return batch

    def add_file(
        self, batch_id: int, stream: BinaryIO, name: str, position: int, agent: str
    ) -> FileReceipt:
        """Stream an upload to the object store (never whole in memory), keyed by its SHA-256.
        The name is kept only as a safe display name (`safe_name`)."""
        return self.add_files(batch_id, [Upload(stream, name, position)], agent)[0]

    def add_files(self, batch_id: int, uploads: list[Upload], agent: str) -> list[FileReceipt]:
        """Several uploads of one request, each as `add_file` would store it, recorded in one
        transaction (one commit, one wait for the disk, for the lot).

        One pass over each file's bytes: hashed while spooled, then the spool file itself
        becomes the object (`put_spooled`). The batch and files it already has with these
        bytes (retried uploads) are looked up together, after spooling: the multipart body is
        whole on the server before a route runs, so checking first would refuse nothing sooner.
        Bytes sent twice in one request are one file, like a retry."""
        with ExitStack() as spools:
            spooled = [
                (
                    upload,
                    *spools.enter_context(self._spooled(upload.stream, safe_name(upload.name))),
                )
                for upload in uploads
            ]
            batch, known = self._open_batch_and_files(batch_id, {sha for _, _, sha in spooled})
            first: dict[str, tuple[Upload, Path]] = {}
            for upload, path, sha256 in spooled:
                first.setdefault(sha256, (upload, path))  # the same bytes again: one file
            fresh = self._store([(sha, *first[sha]) for sha in first if sha not in known])
        recorded = self._record_files(batch, fresh, agent) if fresh else {}
        return _in_order([sha256 for _, _, sha256 in spooled], {**known, **recorded})

    def _store(self, spooled: list[tuple[str, Upload, Path]]) -> list[_Arrived]:
        """Spool files into the store, several at once: each write waits on the disk (fsync)
        or the network (S3), and those waits overlap."""

        def put(sha256: str, upload: Upload, path: Path) -> _Arrived:
            name = safe_name(upload.name)
            stored = self.archive.store.put_spooled(original_key(sha256, name), path)
            return _Arrived(stored, name, upload.position)

        if len(spooled) <= 1:
            return [put(*item) for item in spooled]
        return list(self._writers.map(lambda item: put(*item), spooled))

    def _open_batch_and_files(
        self, batch_id: int, sha256s: set[str]
    ) -> tuple[Batch, dict[str, FileReceipt]]:
        """The batch, which must be open, and its files with any of these bytes."""
        with self.index.sessions() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise BatchNotFoundError(f"there is no batch {batch_id}")
            if batch.status != BatchStatus.OPEN:
                raise BatchClosedError(
                    f"batch {batch_id} is closed; start a new batch for more files"
                )
            return batch, self._known_files(session, batch_id, sha256s)

    @contextmanager
    def _spooled(self, stream: BinaryIO, name: str) -> Iterator[tuple[Path, str]]:
        """An upload streamed to a spool file and hashed on the way (never whole in memory, at
        most `MAX_UPLOAD_BYTES`); the spool file is gone when the block ends (moved into the
        store, or deleted)."""
        spool_dir = self.archive.spool_dir()
        with tempfile.NamedTemporaryFile(dir=spool_dir, prefix=SPOOL_PREFIX, delete=False) as spool:
            try:
                sha256, _ = hash_stream(stream, spool, limit=MAX_UPLOAD_BYTES)
            except TooLargeError:
                os.unlink(spool.name)
                raise UploadTooLargeError(
                    f"the file is larger than {MAX_UPLOAD_BYTES // 1024**3} GB", source=name
                ) from None
        spool_path = Path(spool.name)
        try:
            yield spool_path, sha256
        finally:
            spool_path.unlink(missing_ok=True)

    def _record_files(
        self, batch: Batch, arrived: list[_Arrived], agent: str
    ) -> dict[str, FileReceipt]:
        """The files' rows and their `ingested` events in one transaction, which first takes
        the batch's write lock (`_hold_open`)."""
        try:
            with self.index.session() as session:
                self._hold_open(session, batch.id)
                earlier = self._processed_copies(session, [a.stored.sha256 for a in arrived], batch)
                rows = [self._record_file(session, batch, item, earlier, agent) for item in arrived]
                session.flush()  # every row and event in one statement each
                return {row.sha256: _receipt(row, created=True) for row in rows}
        except SqlIntegrityError:
            # The same upload raced itself (a station retry while the first was still running):
            # what the other request recorded is the answer; the rest go in one at a time.
            if len(arrived) > 1:
                return {
                    sha: receipt
                    for item in arrived
                    for sha, receipt in self._record_files(batch, [item], agent).items()
                }
            with self.index.sessions() as session:
                known = self._known_files(session, batch.id, {arrived[0].stored.sha256})
            if not known:
                raise
            return known

    def _record_file(
        self, session: Any, batch: Batch, item: _Arrived, earlier: dict[str, int], agent: str
    ) -> BatchFile:
        stored, copy_of = item.stored, earlier.get(item.stored.sha256)
        row = BatchFile(
            batch_id=batch.id, position=item.position, name=item.name[:300],
            sha256=stored.sha256, original_key=stored.key, size=stored.size,
            duplicate_of=copy_of,
        )  # fmt: skip
        session.add(row)
        self.index.log_event(
            session, EventType.INGESTED,
            Outcome.DUPLICATE if copy_of else Outcome.SUCCESS, agent,
            object_key=stored.key, batch_id=batch.id,
            detail={"batch_id": batch.id, "name": item.name, "size": stored.size,
                    "duplicate_of_file": copy_of},
        )  # fmt: skip
        return row

    def _hold_open(self, session: Any, batch_id: int) -> None:
        """Check "open" where the file is recorded, in its transaction: a conditional UPDATE
        takes the batch row's write lock (PostgreSQL: row lock; SQLite: the database's), so a
        close either waits for this file or has committed, and then the file is refused."""
        held = session.execute(
            update(Batch)
            .where(Batch.id == batch_id, Batch.status == BatchStatus.OPEN)
            .values(status=BatchStatus.OPEN)
            .execution_options(synchronize_session=False)
        )
        if held.rowcount != 1:
            raise BatchClosedError(
                f"batch {batch_id} was closed while this file was arriving; it was not added: "
                "send it with a new batch"
            )

    def _processed_copies(self, session: Any, sha256s: list[str], batch: Batch) -> dict[str, int]:
        """For each of these bytes, the earliest file of the province that the archive holds or
        will: its batch is closed (a copy in a batch still open may never be processed), it is
        no duplicate itself, and not every document made of it failed. A failed copy is no
        copy: the same bytes sent again are processed again, and fail again with the reason
        (or pass, where the failure was the archive's own); they had been told "already in
        the archive", with success (a new user's finding). One query per `LOOKUP_CHUNK`."""
        copies: dict[str, list[tuple[int, int]]] = {}
        for start in range(0, len(sha256s), LOOKUP_CHUNK):
            rows = session.execute(
                select(BatchFile.sha256, BatchFile.id, BatchFile.batch_id)
                .join(Batch, Batch.id == BatchFile.batch_id)
                .where(
                    BatchFile.sha256.in_(sha256s[start : start + LOOKUP_CHUNK]),
                    BatchFile.duplicate_of.is_(None),
                    Batch.province_code == batch.province_code,
                    Batch.id != batch.id,
                    Batch.status != BatchStatus.OPEN,
                )
                .order_by(BatchFile.id)
            )
            for sha256, file_id, batch_id in rows:
                copies.setdefault(sha256, []).append((int(file_id), int(batch_id)))
        failed = self._failed_files(session, {b for files in copies.values() for _, b in files})
        found: dict[str, int] = {}
        for sha256, files in copies.items():
            kept = [file_id for file_id, _ in files if file_id not in failed]
            if kept:
                found[sha256] = kept[0]
        return found

    def _failed_files(self, session: Any, batch_ids: set[int]) -> set[int]:
        """The files of these batches every document made of which failed (a file not planned
        yet has none, and is no failure). Asked at every upload of bytes the province already
        holds, so the failed documents, few, are read first, and the others only when some
        failed."""
        failing = _source_files(session, batch_ids, Document.status == DocumentStatus.FAILED)
        if not failing:
            return set()
        return failing - _source_files(session, batch_ids, Document.status != DocumentStatus.FAILED)

    def _mark_duplicates(self, session: Any, batch: Batch) -> None:
        """At close: files whose bytes a batch closed earlier already holds point to that copy
        (it is processed by that batch), so the same paper is not processed twice."""
        rows = list(session.scalars(select(BatchFile).where(
                BatchFile.batch_id == batch.id, BatchFile.duplicate_of.is_(None))))  # fmt: skip
        earlier = self._processed_copies(session, [row.sha256 for row in rows], batch)
        for row in rows:
            row.duplicate_of = earlier.get(row.sha256)

    def _known_files(
        self, session: Any, batch_id: int, sha256s: set[str]
    ) -> dict[str, FileReceipt]:
        rows = session.scalars(
            select(BatchFile).where(BatchFile.batch_id == batch_id, BatchFile.sha256.in_(sha256s))
        )
        return {row.sha256: _receipt(row, created=False) for row in rows}

    def files(self, batch_id: int) -> list[BatchFile]:
        with self.index.sessions() as session:
            return list(
                session.scalars(
                    select(BatchFile)
                    .where(BatchFile.batch_id == batch_id)
                    .order_by(BatchFile.position, BatchFile.id)
                )
            )

    def close(self, batch_id: int, agent: str) -> Batch:
        """No more files; processing may start. Closing twice is the same as closing once."""
        with self.index.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise BatchNotFoundError(f"there is no batch {batch_id}")
            if batch.status == BatchStatus.OPEN:
                count = session.scalar(
                    select(func.count())
                    .select_from(BatchFile)
                    .where(BatchFile.batch_id == batch_id)
                )
                if not count:
                    raise EmptyBatchError(f"batch {batch_id} has no files; upload some first")
                self._mark_duplicates(session, batch)
                batch.status, batch.closed_at = BatchStatus.CLOSED, utcnow()
                self.index.log_event(
                    session,
                    EventType.BATCH_CLOSED,
                    Outcome.SUCCESS,
                    agent,
                    batch_id=batch_id,
                    detail={"batch_id": batch_id},
                )
            return batch

    # --- jobs ----------------------------------------------------------------------------

    def record_plan(self, batch_id: int, plans: list[DocumentPlan], agent: str) -> list[int]:
        """Create the batch's documents once; a repeated call returns the same documents."""
        with self.index.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise BatchNotFoundError(f"there is no batch {batch_id}")
            if batch.status == BatchStatus.PLANNED:
                return self._documents_of(session, batch_id)
            files = {f.id: f for f in session.scalars(select(BatchFile).where(
                BatchFile.batch_id == batch_id))}  # fmt: skip
            uses: dict[int, int] = {}
            for plan in plans:
                for source in plan.sources:
                    uses[source["file_id"]] = uses.get(source["file_id"], 0) + 1
            for number, plan in enumerate(plans, 1):
                first = files[plan.sources[0]["file_id"]]
                pages = sum(len(source["pages"] or ()) for source in plan.sources) or None
                single = len(plan.sources) == 1 and uses[first.id] == 1  # a whole file
                session.add(
                    Document(
                        batch_id=batch_id,
                        dossier_id=self._dossier_id(session, plan.dossier_code, batch),
                        title=first.name if single else f"{batch.name} #{number}",
                        doc_type=plan.doc_type_hint,
                        pages=pages,
                        original_key=first.original_key,
                        original_sha256=first.sha256,
                        status=DocumentStatus.QUEUED,
                        province_code=batch.province_code,
                        sources=plan.sources,
                    )
                )
            batch.status = BatchStatus.PLANNED
            session.flush()
            ids = self._documents_of(session, batch_id)
            self.index.log_event(
                session, EventType.BATCH_PLANNED, Outcome.SUCCESS, agent, batch_id=batch_id,
                detail={"batch_id": batch_id, "documents": ids},
            )  # fmt: skip
            return ids

    def take_turns(self, batch_id: int) -> list[int | None]:
        """The queue turns of a planned batch's documents, in document order (given once: a
        repeated call returns the same). The job queue runs the lowest turn first, so stations
        take turns (start-time fair queuing, `_turns_after`): a station that sends 200
        documents holds back another's one by a document or so, not by 200; its own documents
        keep their order."""
        with self.index.session() as session:
            batch = session.get(Batch, batch_id)
            if batch is None:
                raise BatchNotFoundError(f"there is no batch {batch_id}")
            documents = list(session.scalars(
                select(Document).where(Document.batch_id == batch_id).order_by(Document.id)
            ))  # fmt: skip
            if any(d.queue_turn is not None for d in documents):
                return [d.queue_turn for d in documents]
            turns = _turns_after(session, batch, len(documents), Document.batch_id != batch_id)
            for document, turn in zip(documents, turns, strict=True):
                document.queue_turn = turn
            return list(turns)

    def _documents_of(self, session: Any, batch_id: int) -> list[int]:
        return list(
            session.scalars(
                select(Document.id).where(Document.batch_id == batch_id).order_by(Document.id)
            )
        )

    def _dossier_id(self, session: Any, code: str | None, batch: Batch) -> int | None:
        """The dossier of the code a separator sheet named, made if new. A code is unique in
        the archive, so one another province holds is not joined (a station of one province
        had put its papers into another's dossier by printing that dossier's code): the
        document then stands in no dossier."""
        if code is None:
            return None
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        if dossier is not None and dossier.province_code != batch.province_code:
            return None
        if dossier is None:
            dossier = Dossier(code=code, province_code=batch.province_code)
            session.add(dossier)
            session.flush()
        return int(dossier.id)

    def document(self, document_id: int) -> Document | None:
        with self.index.sessions() as session:
            return session.get(Document, document_id)

    def operator_of(self, document: Document) -> str | None:
        """Who scanned the document: the name of the station (API token) that opened its
        batch, or the username of the person who opened it in the desk UI. None outside a
        batch (`hoso ingest`) or for a batch that neither opened."""
        if document.batch_id is None:
            return None
        with self.index.sessions() as session:
            name: str | None = session.scalar(
                select(func.coalesce(ApiToken.name, Account.username))
                .select_from(Batch)
                .outerjoin(ApiToken, ApiToken.id == Batch.station_token_id)
                .outerjoin(Account, Account.id == Batch.station_account_id)
                .where(Batch.id == document.batch_id)
            )
            return name

    def source_files(self, document: Document) -> dict[int, BatchFile]:
        ids = [source["file_id"] for source in document.sources or []]
        with self.index.sessions() as session:
            rows = session.scalars(select(BatchFile).where(BatchFile.id.in_(ids)))
            return {row.id: row for row in rows}

    def set_status(self, document_id: int, status: str, pages_done: int | None = None) -> None:
        with self.index.session() as session:
            document = session.get(Document, document_id)
            if document is None or DocumentStatus(document.status).finished:
                return
            document.status, document.updated_at = status, utcnow()
            if pages_done is not None:
                document.pages_done = pages_done

    def finish(
        self,
        document_id: int,
        results: list[tuple[str, StoredObject]],
        text: str,
        fields: ExtractedFields | None,
        pages: int,
        agent: str,
        dossier_rule: DossierRule | None = None,
        warnings: list[dict[str, Any]] | None = None,
        detail: dict[str, Any] | None = None,
    ) -> bool:
        """Record a processed document in one transaction: derived objects, text, fields,
        status, and what people must know about its pages (`warnings`: the pages with a
        warning or under 200 dpi). Returns False (and writes nothing) if it was already recorded.
        `detail`: more for the `processed` event (e.g. who signed the copy).

        `dossier_rule`, when given, checks the finished papers of the document's dossier
        against each other in the same transaction (the rule is the workflow's to choose)."""
        with self.index.session() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise KeyError(document_id)
            if DocumentStatus(document.status).finished:
                return False
            for kind, stored in results:
                self.archive.link_derived(session, document_id, kind, stored)
            self.index.set_text(session, document_id, text)
            if fields is not None:
                self.reuse.add_fields(session, document_id, fields, agent)
            document.status, document.pages, document.pages_done = DocumentStatus.DONE, pages, pages
            document.updated_at, document.warnings = utcnow(), warnings or None
            if document.dossier_id is not None and dossier_rule is not None:
                session.flush()
                self._check_dossier(session, document.dossier_id, dossier_rule, agent)
            self.index.log_event(
                session, EventType.PROCESSED, Outcome.SUCCESS, agent, document_id=document_id,
                detail={"pages": pages, "objects": [stored.key for _, stored in results],
                        **(detail or {})},
            )  # fmt: skip
            return True

    def _check_dossier(self, session: Any, dossier_id: int, rule: DossierRule, agent: str) -> None:
        """The papers of one dossier must agree on who the person is (the rule says how).
        Disagreeing identity fields go to the review queue with the reason; runs
        each time a paper of the dossier is finished, so the last one checks them all."""
        rows = list(
            session.scalars(
                select(ExtractedField)
                .join(Document, Document.id == ExtractedField.document_id)
                .where(
                    Document.dossier_id == dossier_id,
                    Document.status == DocumentStatus.DONE,
                    ExtractedField.name.in_(IDENTITY_FIELDS),
                )
            )
        )
        papers: dict[int, _StoredPaper] = {}
        for row in rows:
            value = _StoredValue(row.value, row.confidence, row.source, tuple(row.problems or ()))
            papers.setdefault(row.document_id, _StoredPaper("other", {})).fields[row.name] = value
        problems = rule(list(papers.values()))
        if not problems:
            return
        for row in rows:
            known = list(row.problems or [])
            fresh = [problem for problem in problems if problem not in known]
            if fresh and not FieldStatus(row.status).reviewed:
                row.problems, row.status = known + fresh, FieldStatus.NEEDS_REVIEW
        self.index.log_event(
            session, EventType.CROSS_CHECKED, Outcome.FAILURE, agent,
            detail={"dossier_id": dossier_id, "problems": problems},
        )  # fmt: skip

    def fail(self, document_id: int, code: str, reason: str, agent: str) -> bool:
        """Mark a document failed with a reason a person can act on; the original stays."""
        with self.index.session() as session:
            document = session.get(Document, document_id)
            if document is None:
                raise KeyError(document_id)
            if DocumentStatus(document.status).finished:
                return False
            document.status, document.failure_code = DocumentStatus.FAILED, code
            document.failure_reason, document.updated_at = reason, utcnow()
            self.index.log_event(
                session, EventType.PROCESSED, Outcome.FAILURE, agent, document_id=document_id,
                detail={"code": code, "reason": reason},
            )  # fmt: skip
            return True

    # --- retries -------------------------------------------------------------------------

    def retry(self, document_id: int, agent: str, desk_id: int | None = None) -> int:
        """Put a failed document back to `queued` (its failure stays in the event log, followed
        by a `retried` event). Returns the attempt number, which names the attempt's job."""
        with self.index.session() as session:
            _, earlier = self._take_failed(session, document_id)
            return self._log_retry(session, document_id, earlier, agent, desk_id)

    def replace(
        self,
        document_id: int,
        stream: BinaryIO,
        name: str,
        agent: str,
        desk_id: int | None = None,
    ) -> Replacement:
        """A rescan for a failed document: stored bit-exact as a new file of its batch (the old
        original stays archived: objects are never deleted), the document's sources point to it,
        and it goes back to the queue like `retry`, in one transaction."""
        name = safe_name(name)
        with self.index.sessions() as session:  # refuse before storing anything
            _retryable(session.get(Document, document_id), document_id)
        with self._spooled(stream, name) as (spool_path, sha256):
            stored = self.archive.store.put_spooled(original_key(sha256, name), spool_path)
        with self.index.session() as session:
            document, earlier = self._take_failed(session, document_id)
            receipt = self._rescan_file(session, document, stored, name)
            self.index.log_event(
                session, EventType.REPLACED, Outcome.SUCCESS, agent, object_key=stored.key,
                document_id=document_id, desk_id=desk_id,
                detail={"batch_id": document.batch_id, "file_id": receipt.file_id,
                        "replaced_files": [s["file_id"] for s in document.sources or []],
                        "replaced_key": document.original_key, "sha256": stored.sha256,
                        "size": stored.size},
            )  # fmt: skip
            document.sources = [{"file_id": receipt.file_id, "pages": None}]
            document.original_key, document.original_sha256 = stored.key, stored.sha256
            document.pages = None
            attempt = self._log_retry(session, document_id, earlier, agent, desk_id)
            return Replacement(attempt, receipt)

    def _take_failed(self, session: Any, document_id: int) -> tuple[Document, str | None]:
        """Move a failed document to `queued` with a conditional UPDATE (the row's write lock):
        of two retries at once, one wins and the other is refused. Returns the document (read
        again on use) and its failure code."""
        document = _retryable(session.get(Document, document_id), document_id)
        earlier = document.failure_code
        held = session.execute(
            update(Document)
            .where(Document.id == document_id, Document.status == DocumentStatus.FAILED)
            .values(status=DocumentStatus.QUEUED, failure_code=None, failure_reason=None,
                    pages_done=0, warnings=None, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        )  # fmt: skip
        if held.rowcount != 1:
            raise NotRetryableError(f"document {document_id} is being retried already")
        session.expire(document)
        # A fresh turn, as a new paper of its sender would have: kept, the old low turn would
        # pull the head of the line back for every batch planned meanwhile, and retried at the
        # front, a bulk retry (or a station rescanning its own quick failures) held back all.
        batch = session.get(Batch, document.batch_id) if document.batch_id is not None else None
        document.queue_turn = (
            _turns_after(session, batch, 1, Document.id != document_id)[0] if batch else None
        )
        return document, earlier

    def _log_retry(
        self, session: Any, document_id: int, earlier: str | None, agent: str, desk_id: int | None
    ) -> int:
        """The `retried` event; the attempt is how many retries the log holds, so each gets a
        job id of its own and none is taken for one that already ran."""
        retries = session.scalar(
            select(func.count()).select_from(Event).where(
                Event.document_id == document_id, Event.event_type == EventType.RETRIED)
        )  # fmt: skip
        attempt = int(retries or 0) + 1
        self.index.log_event(
            session, EventType.RETRIED, Outcome.SUCCESS, agent, document_id=document_id,
            desk_id=desk_id, detail={"attempt": attempt, "code": earlier},
        )  # fmt: skip
        return attempt

    def _rescan_file(
        self, session: Any, document: Document, stored: StoredObject, name: str
    ) -> FileReceipt:
        """The rescan as a file of the document's batch, after its others (the same bytes
        already in the batch are that file)."""
        batch_id = document.batch_id
        known = session.scalar(select(BatchFile).where(
            BatchFile.batch_id == batch_id, BatchFile.sha256 == stored.sha256))  # fmt: skip
        if known is not None:
            return _receipt(known, created=False)
        last = session.scalar(
            select(func.max(BatchFile.position)).where(BatchFile.batch_id == batch_id)
        )
        row = BatchFile(
            batch_id=batch_id, position=(last or 0) + 1, name=name[:300],
            sha256=stored.sha256, original_key=stored.key, size=stored.size,
        )  # fmt: skip
        session.add(row)
        session.flush()
        return _receipt(row, created=True)


def _turns_after(session: Any, batch: Batch, count: int, others: Any) -> list[int]:
    """`count` queue turns for documents of `batch` (start-time fair queuing): after the later
    of the head of the line (the lowest turn still waiting; when nothing waits, the last turn
    given) and the last turn its sender was given, waiting or not (counting only its waiting
    ones let two stations sending a paper each whenever the last was taken hold back a third's
    backlog for good: each new paper started again at the head). `others` says which
    documents count (not those being given turns)."""
    head = session.scalar(
        select(func.min(Document.queue_turn)).where(
            Document.status == DocumentStatus.QUEUED, others
        )
    )
    if head is None:
        start = session.scalar(select(func.max(Document.queue_turn)).where(others)) or 0
    else:
        start = head - 1
    senders_last = session.scalar(
        select(func.max(Document.queue_turn))
        .join(Batch, Document.batch_id == Batch.id)
        .where(_same_sender(batch), others)
    )
    start = max(start, senders_last or 0)
    return [start + number for number in range(1, count + 1)]


def _same_sender(batch: Batch) -> Any:
    """Batches sent by the same station as `batch`: its API token, or the person who opened
    it in the desk UI, or (a batch made by a command) the same agent."""
    if batch.station_token_id is not None:
        return Batch.station_token_id == batch.station_token_id
    if batch.station_account_id is not None:
        return Batch.station_account_id == batch.station_account_id
    return Batch.created_by == batch.created_by


def _in_order(sha256s: list[str], answers: dict[str, FileReceipt]) -> list[FileReceipt]:
    """A receipt per upload of a request: bytes sent again in it are the file sent first."""
    receipts: list[FileReceipt] = []
    for sha256 in sha256s:
        first = answers[sha256]
        again = any(receipt.sha256 == sha256 for receipt in receipts)
        receipts.append(dataclasses.replace(first, created=False) if again else first)
    return receipts


def _receipt(row: BatchFile, created: bool) -> FileReceipt:
    return FileReceipt(row.id, row.sha256, row.size, created, row.duplicate_of, row)


def _source_files(session: Any, batch_ids: set[int], which: Any) -> set[int]:
    """The files that documents of these batches meeting `which` are made of."""
    files: set[int] = set()
    ordered = sorted(batch_ids)
    for start in range(0, len(ordered), LOOKUP_CHUNK):
        chunk = ordered[start : start + LOOKUP_CHUNK]
        for sources in session.scalars(
            select(Document.sources).where(Document.batch_id.in_(chunk), which)
        ):
            files.update(int(source["file_id"]) for source in sources or [])
    return files


def _retryable(document: Document | None, document_id: int) -> Document:
    """The document, if it may go back to the queue: it failed, and it came from a batch (its
    pages are read from the batch's files; `hoso ingest` archives outside any batch)."""
    if document is None:
        raise DocumentNotFoundError(f"there is no document {document_id}")
    if document.status != DocumentStatus.FAILED:
        raise NotRetryableError(
            f"document {document_id} is {document.status}, not failed: only a failed document "
            "can be retried or replaced"
        )
    if document.batch_id is None:
        raise NotRetryableError(
            f"document {document_id} was archived by `hoso ingest`, not sent in a batch: "
            "ingest the file again instead"
        )
    return document


@dataclass
class _StoredPaper:
    """A finished paper's recorded fields, in the contract's shape, for a dossier rule."""

    doc_type: str
    fields: dict[str, _StoredValue]


@dataclass(frozen=True)
class _StoredValue:
    value: str
    confidence: float
    source: str
    problems: tuple[str, ...]
    page: int | None = None
    box: tuple[int, int, int, int] | None = None
