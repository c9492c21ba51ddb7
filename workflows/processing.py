"""What the jobs do, free of the job engine: plan a batch into documents, process a document.

Both are written to be run again after a crash at any point (job steps run at least once):
results are content-addressed objects, and index writes are single transactions that do
nothing when already done (`storage.intake`).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError

from hoso.digitize.errors import EmptyInputError
from hoso.digitize.models import DocumentResult, Options, PageResult, PageTask
from hoso.digitize.pipeline import PageRunner, digitize_tasks, write_outputs
from hoso.digitize.separate import Separator, find_separator, plan_documents
from hoso.digitize.triage import TriagedInput, triage_file
from hoso.errors import HosoError
from hoso.storage.intake import DocumentPlan, Intake
from hoso.storage.objects import StorageUnavailableError
from hoso.storage.schema import BatchFile, Document

log = logging.getLogger("hoso.jobs")

# Worth retrying with backoff: the store or the database did not answer. Everything else about
# a document is decided on the first attempt and becomes its failure reason.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    StorageUnavailableError,
    OperationalError,
    InterfaceError,
)


class Processor:
    def __init__(
        self,
        intake: Intake,
        runner: PageRunner,
        options: Options,
        agent: str,
        on_pages: Callable[[int], None] | None = None,
        sign: Callable[[Path, Path], object] | None = None,
    ) -> None:
        """`sign(pdf, signed_pdf)`, when given, signs each digitized copy (the scan operator's
        signature, Circular 01/2023 Art. 8) before its extracted fields are recorded."""
        self.intake = intake
        self.runner = runner
        self.options = options
        self.agent = agent
        self.on_pages = on_pages
        self.sign = sign

    # --- batches -------------------------------------------------------------------------

    def plan(self, batch_id: int) -> list[int]:
        """Split a closed batch into documents by separator sheets (digitize.separate)."""
        batch = self.intake.batch(batch_id)
        if batch.status == "planned":
            return self.intake.record_plan(batch_id, [], self.agent)
        files = [f for f in self.intake.files(batch_id) if f.duplicate_of is None]
        readable: list[tuple[BatchFile, TriagedInput]] = []
        unreadable: list[BatchFile] = []
        separators: dict[tuple[int, int], Separator] = {}
        with tempfile.TemporaryDirectory(prefix="hoso-plan-") as folder:
            for file in files:
                path = self._fetch(file, Path(folder))
                try:
                    triaged = triage_file(path, self.options)
                    position = len(readable)
                    for index, task in enumerate(triaged.tasks):
                        separator = find_separator(task, self.options)
                        if separator is not None:
                            separators[(position, index)] = separator
                except HosoError:  # reading the store is outside: only the file's own faults
                    unreadable.append(file)  # its document fails with this reason when processed
                    continue
                readable.append((file, triaged))
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

    def process(self, document_id: int) -> str:
        """Digitize one document and record its results. Returns its final status."""
        document = self.intake.document(document_id)
        if document is None:
            raise KeyError(document_id)
        if document.status in ("done", "failed"):
            return document.status
        self.intake.set_status(document_id, "processing", pages_done=0)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="hoso-doc-") as folder:
            try:
                pdf, json_path, result = self._digitize(document, Path(folder))
            except TRANSIENT_ERRORS:
                raise
            except HosoError as error:
                self.fail(document_id, error.code, str(error))
                return "failed"
            except Exception as error:  # a bug must not stop the batch; it is logged in full
                log.exception("document %s failed unexpectedly", document_id)
                self.fail(document_id, "internal_error", _internal_reason(error))
                return "failed"
            archive, original = self.intake.archive, document.original_sha256
            results = [
                ("pdfa", archive.put_derived(original, "pdfa", pdf)),
                ("json", archive.put_derived(original, "json", json_path)),
            ]
            text = "\n\n".join(page.text for page in result.pages)
            self.intake.finish(
                document_id, results, text, result.fields, len(result.pages), self.agent
            )
        log.info(
            "document %s: %d pages in %.1f s",
            document_id,
            len(result.pages),
            time.monotonic() - started,
        )
        return "done"

    def fail(self, document_id: int, code: str, reason: str) -> None:
        self.intake.fail(document_id, code, reason, self.agent)

    def _digitize(self, document: Document, folder: Path) -> tuple[Path, Path, DocumentResult]:
        files = self.intake.source_files(document)
        triaged: list[TriagedInput] = []
        tasks: list[PageTask] = []
        for source in document.sources or []:
            item = triage_file(self._fetch(files[source["file_id"]], folder), self.options)
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
            self.intake.set_status(document.id, "processing", pages_done=done)
            if self.on_pages:
                self.on_pages(1)

        result = digitize_tasks(triaged, tasks, self.runner, on_page=progress)
        pdf, json_path = folder / "document.pdf", folder / "document.json"
        write_outputs(result, pdf, json_path, title=document.title)
        if self.sign is not None:
            signed = folder / "signed.pdf"
            self.sign(pdf, signed)
            pdf = signed
        return pdf, json_path, result

    def _fetch(self, file: BatchFile, folder: Path) -> Path:
        """A local copy of an original (the pipeline reads files; the store may be S3)."""
        path = folder / str(file.id) / (Path(file.name).name or "upload")
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            store = self.intake.archive.store
            with store.open(file.original_key) as stream, path.open("wb") as out:
                shutil.copyfileobj(stream, out, 1 << 20)
        return path


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
