"""What the jobs do, free of the job engine: plan a batch into documents, process a document.

This module owns the order of a document's steps (`digitize_copy`: pages → fields → PDF/A →
signature, then `Processor._store`: objects, text, fields, status in one transaction); the job
worker and `hoso ingest` both go through it, so a paper is treated the same whichever way it came.

Both jobs are written to be run again after a crash at any point (job steps run at least once):
results are content-addressed objects, and index writes are single transactions that do
nothing when already done (`storage.intake`).
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from hoso.digitize.errors import CorruptInputError, EmptyInputError, PagePoolClosedError
from hoso.digitize.fields.extract import cross_check
from hoso.digitize.models import DocumentResult, Options, PageResult, PageTask
from hoso.digitize.pipeline import (
    PageRunner,
    digitize_tasks,
    document_text,
    extract_fields_with,
    write_outputs,
)
from hoso.digitize.separate import (
    Separator,
    SeparatorCheckFailed,
    check_separator,
    plan_documents,
)
from hoso.digitize.triage import TriagedInput, triage_file
from hoso.errors import HosoError
from hoso.files import DOCUMENT_SCRATCH, INGEST_SCRATCH, PLAN_SCRATCH, scratch_folder
from hoso.storage.intake import DocumentPlan, Intake
from hoso.storage.objects import StorageUnavailableError, StoredObject
from hoso.storage.schema import BatchFile, Document
from hoso.storage.vocabulary import BatchStatus, DocumentStatus

if TYPE_CHECKING:  # pyHanko loads only where something is signed
    from hoso.signatures.sign import PipelineSigner, SignOutcome

log = logging.getLogger("hoso.jobs")

# Worth retrying with backoff: the store or the database did not answer. Everything else about
# a document is decided on the first attempt and becomes its failure reason.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    StorageUnavailableError,
    OperationalError,
    InterfaceError,
    PoolTimeoutError,  # every connection of the process in use for 30 s: a moment's crowd
    PagePoolClosedError,  # the worker is stopping: the document resumes, it has not failed
)


Sign = Callable[[Path, Path], "SignOutcome"]  # sign(pdf, signed_pdf) as one operator
PageCallback = Callable[[PageResult], None]


@dataclass(frozen=True)
class DigitizedCopy:
    """What one document's steps produce, before anything is stored."""

    pdf: Path  # the PDF/A, signed when a signer was given
    json: Path
    result: DocumentResult
    text: str  # what the archive indexes
    signature: SignOutcome | None = None  # who signed the PDF/A, when it was signed


def digitize_copy(
    triaged: list[TriagedInput],
    tasks: list[PageTask],
    runner: PageRunner,
    folder: Path,
    title: str,
    sign: Sign | None = None,
    on_page: PageCallback | None = None,
) -> DigitizedCopy:
    """The one order of a document's steps: pages → fields → PDF/A + JSON → the scan operator's
    signature. Signing comes before the caller records the extracted data (Circular 01/2023
    Art. 8: the operator signs the copy before data is extracted from it)."""
    result = digitize_tasks(triaged, tasks, runner, on_page=on_page)
    result.fields = extract_fields_with(runner, result.pages)
    pdf, json_path = folder / "document.pdf", folder / "document.json"
    write_outputs(result, pdf, json_path, title=title)
    signature = None
    if sign is not None:
        signed = folder / "signed.pdf"
        signature = sign(pdf, signed)
        pdf = signed
    return DigitizedCopy(pdf, json_path, result, document_text(result.pages), signature)


@dataclass(frozen=True)
class Ingested:
    """One file archived by `hoso ingest` (and, unless asked not to, digitized)."""

    document_id: int
    key: str
    duplicate: bool
    doc_type: str | None = None
    pdfa_key: str | None = None
    pages: int | None = None
    signed_by: str | None = None  # the signing certificate's subject


def _cannot_plan(batch_id: int, file: BatchFile, message: str, code: str | None) -> None:
    log.warning("batch %s: file %s %r cannot be planned: %s (%s)", batch_id, file.id,
                file.name, message, code)  # fmt: skip


# Files whose triage a worker keeps, from a batch's plan to its documents' steps
TRIAGES_KEPT = 64


class TriageCache:
    """Each original triaged once per worker process: a batch's plan triages its files, and
    each document's step did so again. A PDF's analysis can cost up to its own time limit
    (`triage.FILE_ANALYSIS_MAX`), which was then spent twice; and a page given up under load
    at planning could be analysed when its document ran. Kept by content key, the most
    recently used `TRIAGES_KEPT`; the pages are moved to wherever the file is fetched next."""

    def __init__(self, options: Options, kept: int = TRIAGES_KEPT) -> None:
        self.options = options
        self.kept = kept
        self._known: OrderedDict[str, TriagedInput] = OrderedDict()
        self._lock = threading.Lock()

    def triage(self, key: str, path: Path) -> TriagedInput:
        with self._lock:
            known = self._known.get(key)
            if known is not None:
                self._known.move_to_end(key)
        if known is None:
            known = triage_file(path, self.options)  # outside the lock: files at once
            with self._lock:
                self._known[key] = known
                while len(self._known) > self.kept:
                    self._known.popitem(last=False)
        return replace(known, path=path, tasks=[replace(t, path=path) for t in known.tasks])


class Processor:
    def __init__(
        self,
        intake: Intake,
        runner: PageRunner,
        options: Options,
        agent: str,
        on_pages: Callable[[int], None] | None = None,
        sign: PipelineSigner | None = None,
    ) -> None:
        """`sign`, when given, signs each digitized copy with the key of the operator who
        scanned it (the scan operator's signature, Circular 01/2023 Art. 8) before its
        extracted fields are recorded."""
        self.intake = intake
        self.runner = runner
        self.options = options
        self.agent = agent
        self.on_pages = on_pages
        self.sign = sign
        self.triaged = TriageCache(options)

    # --- batches -------------------------------------------------------------------------

    def plan(self, batch_id: int) -> list[int]:
        """Split a closed batch into documents by separator sheets (digitize.separate)."""
        batch = self.intake.batch(batch_id)
        if batch.status == BatchStatus.PLANNED:
            return self.intake.record_plan(batch_id, [], self.agent)
        files = [f for f in self.intake.files(batch_id) if f.duplicate_of is None]
        triaged_files: list[tuple[BatchFile, TriagedInput]] = []
        readable: list[tuple[BatchFile, TriagedInput]] = []
        unreadable: list[BatchFile] = []
        separators: dict[tuple[int, int], Separator] = {}
        with scratch_folder(PLAN_SCRATCH) as folder:
            for file in files:
                try:
                    triaged_files.append((file, self._triage(file, Path(folder))))
                except TRANSIENT_ERRORS:
                    raise  # the store or database: worth retrying the whole plan
                except HosoError as error:  # the file's own fault, in words: no traceback
                    _cannot_plan(batch_id, file, error.message, error.code)
                    unreadable.append(file)
                except Exception:  # a bug: its traceback is for whoever mends it
                    # Either way the file decides nothing for the other files: it becomes a
                    # document of its own, which fails with the reason when processed, at
                    # once; the batch and the queue go on.
                    log.warning("batch %s: file %s %r cannot be planned", batch_id, file.id,
                                file.name, exc_info=True)  # fmt: skip
                    unreadable.append(file)
            # Every page is looked at for a separator sheet, across the page processes (a page
            # costs ~0.05-0.4 s; one after another in the worker, a batch's OCR waited for all).
            jobs = [(task, self.options) for _, triaged in triaged_files for task in triaged.tasks]
            checks = iter(self.runner.map(check_separator, jobs))
            for file, triaged in triaged_files:
                outcomes = [next(checks) for _ in triaged.tasks]
                failed = next((o for o in outcomes if isinstance(o, SeparatorCheckFailed)), None)
                if failed is not None:
                    _cannot_plan(batch_id, file, failed.message, failed.code)
                    unreadable.append(file)
                    continue
                for index, outcome in enumerate(outcomes):
                    if isinstance(outcome, Separator):
                        separators[(len(readable), index)] = outcome
                readable.append((file, triaged))
        order = {file.id: at for at, file in enumerate(files)}
        unreadable.sort(key=lambda file: order[file.id])  # in upload order, as the files came
        planned = plan_documents([len(t.tasks) for _, t in readable], separators)
        plans = [
            DocumentPlan(
                p.dossier_code,
                _sources(p.pages, [f.id for f, _ in readable]),
                p.doc_type_hint,
            )
            for p in planned
        ]
        plans += [DocumentPlan(None, [{"file_id": f.id, "pages": None}]) for f in unreadable]
        return self.intake.record_plan(batch_id, plans, self.agent)

    # --- documents -----------------------------------------------------------------------

    def process(self, document_id: int) -> DocumentStatus:
        """Digitize one document and record its results. Returns its final status."""
        document = self.intake.document(document_id)
        if document is None:
            raise KeyError(document_id)
        if DocumentStatus(document.status).finished:
            return DocumentStatus(document.status)
        self.intake.set_status(document_id, DocumentStatus.PROCESSING, pages_done=0)
        started = time.monotonic()
        with scratch_folder(DOCUMENT_SCRATCH) as folder:
            try:
                copy = self._digitize(document, Path(folder), self._signature(document))
            except TRANSIENT_ERRORS:
                raise
            except HosoError as error:
                names = self._display_names(document, Path(folder))
                self.fail(document_id, error.code, _public_reason(error, names, Path(folder)))
                return DocumentStatus.FAILED
            except Exception as error:  # a bug must not stop the batch; it is logged in full
                log.exception("document %s failed unexpectedly", document_id)
                self.fail(document_id, "internal_error", _internal_reason(error))
                return DocumentStatus.FAILED
            self._store(document, copy)
        log.info(
            "document %s: %d pages in %.1f s",
            document_id,
            len(copy.result.pages),
            time.monotonic() - started,
        )
        return DocumentStatus.DONE

    def ingest(
        self,
        path: Path,
        digitize: bool = True,
        province_code: str | None = None,
        desk_id: int | None = None,
        operator: str | None = None,
    ) -> Ingested:
        """`hoso ingest`: keep the original bit-exact as a document of the province (see
        `Archive.ingest`), then (unless it was archived before, or `digitize` is False) the same
        steps as a job, the copy signed as `operator`. A file that cannot be digitized fails
        its document with the reason, keeps its original, and raises for the caller to report;
        a copy that could only be signed as someone else is refused before it is archived."""
        if not path.is_file():
            raise CorruptInputError("the file does not exist", source=path.name)
        sign = self.sign.for_operator(operator) if self.sign is not None and digitize else None
        archived = self.intake.archive.ingest(
            path, self.agent, province_code=province_code, desk_id=desk_id, province_required=True
        )
        outcome = Ingested(archived.document_id, archived.original.key, archived.duplicate)
        if not digitize or archived.duplicate:
            return outcome
        document = self.intake.document(archived.document_id)
        assert document is not None  # just recorded
        with scratch_folder(INGEST_SCRATCH) as folder:
            try:
                triaged = triage_file(path, self.options)
                tasks = list(triaged.tasks)
                if not tasks:
                    raise EmptyInputError("the file has no pages")
                copy = digitize_copy([triaged], tasks, self.runner, Path(folder), path.name, sign)
            except HosoError as error:
                self.fail(document.id, error.code, str(error))
                raise
            stored = self._store(document, copy)
        fields = copy.result.fields
        return replace(
            outcome,
            doc_type=fields.doc_type if fields is not None else None,
            pdfa_key=stored["pdfa"].key,
            pages=len(copy.result.pages),
            signed_by=copy.signature.signer if copy.signature else None,
        )

    def _store(self, document: Document, copy: DigitizedCopy) -> dict[str, StoredObject]:
        """Put the copy's objects (content-addressed: a repeat stores nothing new), then record
        objects, text, fields and status in one transaction, checking the dossier's papers
        against each other."""
        archive, original = self.intake.archive, document.original_sha256
        stored = {
            "pdfa": archive.put_derived(original, "pdfa", copy.pdf),
            "json": archive.put_derived(original, "json", copy.json),
        }
        self.intake.finish(
            document.id,
            list(stored.items()),
            copy.text,
            copy.result.fields,
            len(copy.result.pages),
            self.agent,
            dossier_rule=cross_check,
            warnings=page_warnings(copy.result.pages),
            detail=signed_by(copy.signature),
        )
        return stored

    def fail(self, document_id: int, code: str, reason: str) -> None:
        self.intake.fail(document_id, code, reason, self.agent)

    def _signature(self, document: Document) -> Sign | None:
        """The signing step as the operator who scanned the document (its batch's station),
        found before any page is read: with operators configured, a station without a signer
        of its own fails the document here, at once."""
        if self.sign is None:
            return None
        return self.sign.for_operator(self.intake.operator_of(document))

    def _digitize(self, document: Document, folder: Path, sign: Sign | None) -> DigitizedCopy:
        files = self.intake.source_files(document)
        triaged: list[TriagedInput] = []
        tasks: list[PageTask] = []
        for source in document.sources or []:
            item = self._triage(files[source["file_id"]], folder)
            triaged.append(item)
            chosen = source["pages"]
            for index in range(len(item.tasks)) if chosen is None else chosen:
                tasks.append(replace(item.tasks[index], number=len(tasks) + 1))
        if not tasks:
            raise EmptyInputError("the document has no pages")
        done = 0

        def progress(_page: PageResult) -> None:
            nonlocal done
            done += 1
            self.intake.set_status(document.id, DocumentStatus.PROCESSING, pages_done=done)
            if self.on_pages:
                self.on_pages(1)

        return digitize_copy(
            triaged, tasks, self.runner, folder, document.title, sign, on_page=progress
        )

    def _display_names(self, document: Document, folder: Path) -> dict[str, str]:
        """What the people who sent the files called them, by the local copy's name."""
        files = self.intake.source_files(document).values()
        return {_local_path(file, folder).name: file.name for file in files}

    def _triage(self, file: BatchFile, folder: Path) -> TriagedInput:
        """The file fetched into `folder` and triaged (once a process: `TriageCache`)."""
        return self.triaged.triage(file.original_key, self._fetch(file, folder))

    def _fetch(self, file: BatchFile, folder: Path) -> Path:
        """A local copy of an original (the pipeline reads files; the store may be S3). Its
        path is made of the file id and the content key's extension only: a station's file
        name is data and never becomes part of a path."""
        path = _local_path(file, folder)
        if not path.exists():
            store = self.intake.archive.store
            with store.open(file.original_key) as stream, path.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
        return path


def page_warnings(pages: list[PageResult]) -> list[dict[str, Any]]:
    """What people must know about each page, recorded with the document so that the batch
    status and `hoso upload` show it (not only the digitize JSON): the page's warnings, and
    whether it is under the legal 200 dpi (Decree 30/2020: it needs a rescan). Pages with
    nothing to say are left out."""
    return [
        {"page": p.number, "warnings": list(p.warnings), "below_200_dpi": p.below_legal_minimum}
        for p in pages
        if p.warnings or p.below_legal_minimum
    ]


def signed_by(signature: SignOutcome | None) -> dict[str, Any]:
    """Who signed the copy, for its `processed` event: the operator who scanned it (None: the
    desk key signs for everyone), the configured signer and its certificate's subject."""
    if signature is None:
        return {}
    return {
        "signed_by": {
            "operator": signature.operator,
            "signer": signature.signer_name,
            "certificate": signature.signer,
        }
    }


def _local_path(file: BatchFile, folder: Path) -> Path:
    """Where an original is copied to work on: `<file id><extension of its content key>` (the
    key's extension is checked when the key is made: short and alphanumeric)."""
    return folder / f"{file.id}{Path(file.original_key).suffix}"


def _public_reason(error: HosoError, names: dict[str, str], folder: Path) -> str:
    """What is wrong with the file, said with the name its sender gave it, never where the
    server keeps its working copy (the temporary folder would otherwise show in messages)."""
    source = names.get(Path(error.source).name, "the file") if error.source else None
    message = error.message
    for local, shown in names.items():
        message = message.replace(str(folder / local), shown)
    message = message.replace(str(folder), "the working folder")
    return f"{source}: {message}" if source else message


def _sources(pages: list[tuple[int, int]], file_ids: list[int]) -> list[dict[str, Any]]:
    """Planned pages as runs per file: [{"file_id", "pages": [index, ...]}, ...]."""
    sources: list[dict[str, Any]] = []
    for position, index in pages:
        file_id = file_ids[position]
        if not sources or sources[-1]["file_id"] != file_id:
            sources.append({"file_id": file_id, "pages": []})
        sources[-1]["pages"].append(index)
    return sources


def _internal_reason(error: Exception) -> str:
    return (
        "hoso could not process this document because of an internal error "
        f"({type(error).__name__}); the original is kept and the document can be retried "
        "once the error is fixed"
    )
