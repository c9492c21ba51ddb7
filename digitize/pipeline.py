"""The digitize job, top to bottom: triage → pages (in parallel) → assemble PDF/A → outputs.

Reads in a minute on purpose: every line calls one named step. Pages run in a process pool, one
single-threaded OCR engine per worker process (created once by the pool initializer); one page
failing fails the document with the page number, never drops the page silently.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
import multiprocessing
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import (
    FIRST_COMPLETED,
    CancelledError,
    Future,
    ProcessPoolExecutor,
    wait,
)
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import cv2

from hoso.digitize.errors import OcrError, PageFailedError, PagePoolClosedError
from hoso.digitize.fields.extract import DocumentFields, extract
from hoso.digitize.fields.on_page import place_fields
from hoso.digitize.models import DocumentResult, Options, PageResult, PageTask
from hoso.digitize.ocr.engine import OcrEngine, check_engine_options, create_engine
from hoso.digitize.page import process_page
from hoso.digitize.pdfa import write_pdfa
from hoso.digitize.triage import TriagedInput, triage
from hoso.errors import HosoError
from hoso.files import atomic_output

ProgressCallback = Callable[[PageResult], None]
POOL_POLL_S = 1.0  # how often a document waiting on its pages checks that the pool still runs
PARENT_CHECK_S = 1.0  # how often a page process checks that its parent is alive
POOL_CLOSED = "the page pool was shut down: the worker is stopping"
EngineFactory = Callable[[Options], OcrEngine]
log = logging.getLogger(__name__)
Item = TypeVar("Item")
Outcome = TypeVar("Outcome")


def default_engine(options: Options) -> OcrEngine:
    return create_engine(options.engine, options.lang, options.model)


def digitize(
    paths: list[Path],
    options: Options,
    on_page: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
    engine_factory: EngineFactory = default_engine,
) -> DocumentResult:
    """`hoso digitize`: triage → pages → fields. (A job runs the same steps through
    `workflows.processing.digitize_copy`, which adds signing.)"""
    check_engine_options(options.engine, options.lang, options.model)
    triaged = triage(paths, options)
    tasks = [task for item in triaged for task in item.tasks]
    runner = PageRunner(options, engine_factory)
    document = digitize_tasks(triaged, tasks, runner, on_page, on_start)
    document.fields = extract_fields(document.pages)
    return document


def digitize_tasks(
    triaged: list[TriagedInput],
    tasks: list[PageTask],
    runner: PageRunner,
    on_page: ProgressCallback | None = None,
    on_start: Callable[[int], None] | None = None,
) -> DocumentResult:
    """Recognize chosen pages of triaged files as one document (a batch split by separator
    sheets hands over only the pages of one of its documents, numbered from 1). Fields are the
    next step (`extract_fields`)."""
    if on_start:
        on_start(len(tasks))
    pages = runner.run(tasks, on_page)
    warnings = [f"page {p.number}: {w}" for p in pages for w in p.warnings]
    return DocumentResult(
        sha256=triaged[0].sha256,
        inputs=[(item.path.name, item.sha256) for item in triaged],
        pages=pages,
        source_signed=any(item.signed for item in triaged),
        warnings=warnings,
    )


def extract_fields(pages: list[PageResult]) -> DocumentFields:
    """Classify the document and read its fields from the pages' text and codes, each placed
    on its page for a reviewer, and sent to one where OCR doubted its words."""
    fields = extract("\n".join(p.text for p in pages), [c for p in pages for c in p.codes])
    place_fields(fields, pages)
    return fields


def extract_fields_with(runner: PageRunner, pages: list[PageResult]) -> DocumentFields:
    """`extract_fields` in one of a job worker's page processes: it is pure Python, a tenth of
    a second a page, and in the worker's own process it held the one interpreter lock that
    every document at work shares (on 16 cores the worker's process, not the page processes,
    set the pace). The pages go without their images, which fields never read."""
    return runner.call(extract_fields, [replace(page, image_bytes=b"") for page in pages])


def document_text(pages: list[PageResult]) -> str:
    """The text the archive indexes: pages in order, a form feed between them (as pdftotext
    does), so a page boundary is kept without looking like words."""
    return "\f".join(p.text for p in pages)


class PageRunner:
    """Runs page tasks in-process (one page, or --jobs 1) or across a pool of worker processes.

    The command line makes a pool per document (fork: cheapest start, nothing else running).
    A job worker keeps one pool for its lifetime (`with PageRunner(..., keep_pool=True)`),
    started by spawn: the worker has database and queue threads, which a fork would copy
    mid-flight, and engines are then loaded once per process, not once per document."""

    def __init__(
        self,
        options: Options,
        engine_factory: EngineFactory = default_engine,
        keep_pool: bool = False,
        largest_first: bool = True,  # False: in page order (the benchmark's comparison)
    ) -> None:
        self.options = options
        self.engine_factory = engine_factory
        self.keep_pool = keep_pool
        self.largest_first = largest_first
        self._engine: OcrEngine | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        self._here_lock = threading.Lock()  # the in-process engine's (`_run_here`)
        self._closed = False  # a kept pool, once closed, takes no more work: the worker stops

    def __enter__(self) -> PageRunner:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            self._closed = self.keep_pool
            pool, self._pool = self._pool, None
        if pool is not None:
            if getattr(pool, "_broken", False):  # see `_end_page_processes`
                _end_page_processes(pool)
            pool.shutdown(wait=True, cancel_futures=True)

    def warm(self) -> None:
        """Starts a kept pool's page processes now, without waiting for them: each imports
        hoso and loads its OCR engine (a second or two, all at once on a loaded machine), which
        the first document after a worker's start otherwise waited for. A pool of one process,
        or a runner already closed, has nothing to start."""
        with self._lock:
            if not self.keep_pool or self._closed or self.workers_for(0) < 2:
                return
            pool = self._pool or self._new_pool(0)
        try:
            with _interrupts_held():  # as for pages: the processes begin with interrupts held
                # a spawn-started pool starts one process a submit while none is idle
                for _ in range(self.workers_for(0)):
                    pool.submit(os.getpid)
        except RuntimeError:  # closed meanwhile: the worker is stopping
            return

    def workers_for(self, page_count: int) -> int:
        wanted = self.options.jobs or os.cpu_count() or 1
        if self.keep_pool:
            return max(1, wanted)
        return max(1, min(wanted, page_count))

    def run(
        self, tasks: list[PageTask], on_page: ProgressCallback | None = None
    ) -> list[PageResult]:
        if self.workers_for(len(tasks)) == 1:
            return self._run_here(tasks, on_page)
        return self._run_pool(tasks, on_page)

    def map(self, function: Callable[[Item], Outcome], items: Sequence[Item]) -> list[Outcome]:
        """`function` over `items`, in the kept pool's processes when there is one of more than
        one process, with no more items waiting at once than it has processes (so other
        documents' pages take turns with them, as pages do); otherwise here, in this thread.
        Work the pool can no longer take (closed as the worker stops, or broken by a dead
        process) is done here too: the outcome is the same, only later. `function` is a
        module's function (it is pickled by name); what it raises reaches the caller."""
        with self._lock:
            shared = self.keep_pool and not self._closed and self.workers_for(len(items)) > 1
            pool = (self._pool or self._new_pool(len(items))) if shared else None
        if pool is None:
            return [function(item) for item in items]
        outcomes: dict[int, Outcome] = {}
        waiting = iter(enumerate(items))
        pending: dict[Future[Outcome], int] = {}

        def submit(count: int) -> None:
            try:
                with _interrupts_held():  # as for pages: new page processes start with them held
                    for index, item in itertools.islice(waiting, count):
                        pending[pool.submit(function, item)] = index
            except RuntimeError as error:  # shut down meanwhile, or broken
                raise PagePoolClosedError(POOL_CLOSED) from error

        try:
            submit(self.workers_for(len(items)))
            while pending:
                done, _ = wait(pending, POOL_POLL_S, return_when=FIRST_COMPLETED)
                if not done and (
                    getattr(pool, "_broken", False) or any(f.cancelled() for f in pending)
                ):
                    raise BrokenProcessPool("the page pool ended")
                for future in done:
                    outcomes[pending.pop(future)] = future.result()
                submit(len(done))
        except (BrokenProcessPool, CancelledError, PagePoolClosedError) as error:
            log.warning("page pool unavailable (%s): the rest is done in this process", error)
            if getattr(pool, "_broken", False):
                self._discard(pool)
        return [
            outcomes[index] if index in outcomes else function(item)
            for index, item in enumerate(items)
        ]

    def _discard(self, pool: ProcessPoolExecutor) -> None:
        """Ends and forgets a kept pool that a dead page process broke (out of memory, killed),
        so the next work starts a new one. The runner stays open: `close` alone ends it for
        good, as the worker stops. Closing it here had made every later document of the
        worker fail, as if the archive were unavailable, until it was restarted (helper-75)."""
        with self._lock:
            if self._pool is pool:
                self._pool = None
        _end_page_processes(pool)  # see there: 3.11's executor may not finish its own clean-up
        pool.shutdown(wait=True, cancel_futures=True)

    def call(self, function: Callable[[Item], Outcome], item: Item) -> Outcome:
        """`function(item)` where `map` would run it."""
        return self.map(function, [item])[0]

    def _run_here(
        self, tasks: list[PageTask], on_page: ProgressCallback | None
    ) -> list[PageResult]:
        # One engine, one page at a time: a job worker's documents run in threads, and one
        # engine used by two of them at once killed a worker of one page process without a
        # word (its stderr silenced by the other thread's read) when it ran two documents
        # at once; it now runs one (`workflows.settings.queue_limits`), this holds regardless
        with self._here_lock:
            if self._engine is None:
                self._engine = self.engine_factory(self.options)
            results = []
            for task in tasks:
                result = _guarded(task, self.options, self._engine)
                if on_page:
                    on_page(result)
                results.append(result)
            return results

    def _run_pool(
        self, tasks: list[PageTask], on_page: ProgressCallback | None
    ) -> list[PageResult]:
        results: dict[int, PageResult] = {}
        with self._lock:  # documents of a job worker share one pool, from several threads
            if self._closed:
                raise PagePoolClosedError(POOL_CLOSED)
            pool = self._pool or self._new_pool(len(tasks))
        ordered = iter(largest_first(tasks) if self.largest_first else tasks)
        futures: dict[Future[PageResult], PageTask] = {}
        pending: set[Future[PageResult]] = set()

        def submit(count: int) -> None:
            try:
                with _interrupts_held():  # the page processes these start begin with them held
                    for task in itertools.islice(ordered, count):
                        future = pool.submit(_work_in_worker, task)
                        futures[future] = task
                        pending.add(future)
            except RuntimeError as error:  # shut down meanwhile, or the interpreter is exiting
                raise PagePoolClosedError(POOL_CLOSED) from error

        # A kept pool is shared by the documents a worker runs at once: each keeps no more of
        # its pages waiting than the pool has processes, so they take turns page by page. All
        # at once, a 120-page document (another province's) queued ahead of a 1-page one, which
        # then waited six minutes for it (helper-69).
        window = self.workers_for(len(tasks)) if self.keep_pool else len(tasks)
        try:
            submit(window)
            try:
                while pending:
                    done, _ = wait(pending, POOL_POLL_S, return_when=FIRST_COMPLETED)
                    pending -= done
                    if not done and any(future.cancelled() for future in pending):
                        # a shut-down pool cancels what waited in it without waking `wait`
                        raise PagePoolClosedError(POOL_CLOSED)
                    if not done and getattr(pool, "_broken", False):
                        # a broken pool whose clean-up stopped half-way (`_end_page_processes`)
                        # finishes none of what it still held
                        raise _page_process_died(futures[next(iter(pending))])
                    for future in done:
                        result = _result_of(future, futures[future])
                        results[result.number] = result
                        if on_page:
                            on_page(result)
                    submit(len(done))
            except BaseException:
                if self.keep_pool:  # others' pages share the pool: skip only this document's
                    for future in pending:
                        future.cancel()
                raise
        except BaseException:
            if not self.keep_pool:  # interrupted or failed: its pages are of no more use
                _end_page_processes(pool)
            elif getattr(pool, "_broken", False):
                # a dead page process broke it: the next document gets a new one
                self._discard(pool)
            raise
        finally:
            if not self.keep_pool:
                pool.shutdown(wait=True, cancel_futures=True)
        return [results[task.number] for task in tasks]

    def _new_pool(self, page_count: int) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(
            max_workers=self.workers_for(page_count),
            mp_context=multiprocessing.get_context("spawn" if self.keep_pool else "fork"),
            initializer=_init_worker,
            initargs=(self.options, self.engine_factory, self.keep_pool),
        )
        if self.keep_pool:
            self._pool = pool
        return pool


def largest_first(tasks: list[PageTask]) -> list[PageTask]:
    """Pages in the order a pool should start them: the most pixels first (ties in page order).
    A page's time grows with its pixels, so a big page started last would run alone while the
    other workers idle; started first, the small pages fill in around it. The pixel counts are
    triage's, read from the headers it already opened (a page it could not size counts 0)."""
    return sorted(tasks, key=lambda task: -task.pixels)


def _result_of(future: Future[PageResult], task: PageTask) -> PageResult:
    try:
        return future.result()
    except BrokenProcessPool as exc:
        raise _page_process_died(task) from exc


def _page_process_died(task: PageTask) -> PageFailedError:
    return PageFailedError(
        task.number,
        OcrError("the page worker process died (out of memory or killed)", source=task.path.name),
    )


def _guarded(task: PageTask, options: Options, engine: OcrEngine) -> PageResult:
    try:
        return process_page(task, options, engine)
    except PageFailedError:
        raise
    except HosoError as exc:
        raise PageFailedError(task.number, exc) from exc
    except MemoryError as exc:
        raise PageFailedError(
            task.number, OcrError("out of memory", source=task.path.name)
        ) from exc


# --- worker process state: one engine per process, set by the pool initializer -------------------
_worker: dict[str, Any] = {}


def _end_page_processes(pool: ProcessPoolExecutor) -> None:
    """Ends a pool's page processes now, mid-page. The executor does so itself when one of
    them dies, unless a future cancelled by its caller was still queued: Python 3.11 then
    fails inside its own clean-up (setting an error on the cancelled future), leaves the
    others waiting for work, which the interpreter joins at exit for ever, and never
    finishes the futures after the cancelled one (their documents see `_broken` instead).
    Python 3.14 has `terminate_workers()`; before it, the processes are only reachable as
    `_processes`."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    processes: dict[int, multiprocessing.Process] = getattr(pool, "_processes", None) or {}
    for process in list(processes.values()):
        if process.is_alive():
            process.kill()


@contextlib.contextmanager
def _interrupts_held() -> Iterator[None]:
    """Ctrl-C held back in this thread meanwhile. Page processes are started by `submit`, in
    the submitting thread, and inherit its mask through fork and exec: held, an interrupt
    cannot kill one while it starts up (a spawned one takes a second to import and load its
    engine before `_init_worker` ignores interrupts), and one held here arrives after."""
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _init_worker(options: Options, engine_factory: EngineFactory, spawned: bool = False) -> None:
    # Ctrl-C reaches the whole foreground group: the parent decides what it ends (the command
    # line ends its pages at once; a job worker drains), not each page process on its own.
    # SIGTERM keeps its default: the executor ends the processes of a broken pool with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # an interrupt held since the start is dropped
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    # The pool is the parallelism: OpenCV's own thread pool, as many threads as CPUs in every
    # page process (256 threads on 16 CPUs), only competes with the other processes for the
    # same CPUs. Two processes of 16 threads each on 2 CPUs spent 5 % more CPU a page than
    # with one thread each (four runs of each; not yet measured on 16 CPUs). Only in a process
    # started fresh (a job worker's, spawned): in one forked from a parent that had used
    # OpenCV's threads, changing them waits for those threads, which the fork did not copy,
    # for ever (the command line's pages hung in the test suite).
    if spawned:
        cv2.setNumThreads(1)
    _worker["options"] = options
    _worker["engine"] = engine_factory(options)
    threading.Thread(target=_end_with_parent, args=(os.getppid(),), daemon=True).start()


def _end_with_parent(parent: int) -> None:
    """A page process outlives a parent that ended without closing its pool (killed, or
    ended on purpose after a drain): it holds its queue's ends and waits for work for ever,
    with its engine in memory and the parent's output open. It ends when the parent does."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _work_in_worker(task: PageTask) -> PageResult:
    return _guarded(task, _worker["options"], _worker["engine"])


# --- outputs -------------------------------------------------------------------------------


def document_json(document: DocumentResult) -> dict[str, Any]:
    """The `--json` contract (README): stable keys; additions only."""
    return {
        "sha256": document.sha256,
        "inputs": [{"name": name, "sha256": sha} for name, sha in document.inputs],
        "source_signed": document.source_signed,
        "warnings": document.warnings,
        "doc_type": document.fields.doc_type if document.fields else "other",
        "doc_type_confidence": document.fields.doc_type_confidence if document.fields else 0.0,
        "fields": {
            name: value.as_json()
            for name, value in (document.fields.fields.items() if document.fields else [])
        },
        "pages": [
            {
                "number": p.number,
                "rotation": p.rotation,
                "rotation_confidence": p.rotation_confidence,
                "skew_deg": p.skew_deg,
                "skew_confidence": p.skew_confidence,
                "dpi": round(p.dpi),
                "dpi_source": p.dpi_source,
                "below_legal_minimum_dpi": p.below_legal_minimum,
                "text_source": p.text_source.value,
                "pictures_read": p.pictures_read,
                "mean_confidence": p.mean_confidence,
                "text": p.text,
                "codes": p.codes,
                "perspective": p.perspective.as_json(),
                "width_px": p.width_px,
                "height_px": p.height_px,
                "warnings": p.warnings,
            }
            for p in document.pages
        ],
    }


def write_outputs(
    document: DocumentResult, pdf_path: Path, json_path: Path | None, title: str
) -> None:
    with atomic_output(pdf_path) as temp_pdf:
        write_pdfa(document, temp_pdf, title)
        if json_path is not None:
            with atomic_output(json_path) as temp_json:
                temp_json.write_text(
                    json.dumps(document_json(document), ensure_ascii=False, indent=2) + "\n",
                    encoding="utf-8",
                )
