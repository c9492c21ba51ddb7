"""Work done item by item in a child process, each item under a deadline.

Some analysis runs in pure Python at a cost the input decides: pdfplumber lists a PDF page's
characters and images by interpreting its content, and a page made for it (a font table of a
million entries, a dash array of five million numbers, thousands of images beside thousands of
characters) held a worker's interpreter for 10-95 s, where PDFium draws the same page in a
second. No count taken beforehand sees every such construction, so the analysis runs in a child
process, and an item that does not finish in time is given up: the caller falls back to
something that does not need it (the page is drawn and read by OCR). The worker's own threads
never wait on the analysis's interpreter lock.

Children are forked from multiprocessing's fork server, a single-threaded process started
once: forking the threaded worker itself could copy a lock another thread held (OpenCV's
thread pool did that to forked page processes).
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.connection
import threading
import traceback
from collections.abc import Callable
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

Opened = TypeVar("Opened")
Result = TypeVar("Result")

# Modules the fork server imports once, so that a child starts in milliseconds
PRELOADED = ["__main__", "hoso.digitize.triage"]

_context_lock = threading.Lock()
_context: Any = None


class ChildFailedError(RuntimeError):
    """The child raised something it could not send back (a bug, not the input's fault)."""


class ItemsWithin(Generic[Opened, Result]):
    """Items 0..count-1 worked in a child process: `open_()` once (reading the file), then
    `each(opened, index)` for each item in order. An item that takes longer than `seconds`
    (or opening longer than `opening_seconds`), or that the child dies on, is None in the
    answer; the child is then stopped and a new one goes on from the next item. An exception
    the child raises is raised here (the input's typed errors, as they are)."""

    def __init__(
        self,
        open_: Callable[[], Opened],
        each: Callable[[Opened, int], Result],
        seconds: float,
        opening_seconds: float,
    ) -> None:
        self.open_ = open_
        self.each = each
        self.seconds = seconds
        self.opening_seconds = opening_seconds

    def run(self, count: int) -> list[Result | None]:
        if multiprocessing.current_process().daemon:  # a pool's process may not have children
            opened = self.open_()
            return [self.each(opened, index) for index in range(count)]
        results: list[Result | None] = []
        while len(results) < count:
            results.extend(self._run_from(len(results), count))
        return results

    def _run_from(self, start: int, count: int) -> list[Result | None]:
        """The items from `start` worked by one child, up to and including the first it fails
        to finish (None) or to the end."""
        context = _fork_server()
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(
            target=_work, args=(sending, self.open_, self.each, start, count), daemon=True
        )
        child.start()
        sending.close()  # the child's end: once the child is gone, receiving ends too
        done: list[Result | None] = []
        opened = False
        try:
            while start + len(done) < count:
                if not receiving.poll(self.seconds if opened else self.opening_seconds):
                    return self._given_up(done, start, count, opened, "out of time")
                try:
                    kind, value = receiving.recv()
                except EOFError:  # the child died (memory, a crash in a library)
                    return self._given_up(done, start, count, opened, "its process died")
                if kind == "raised":
                    raise value
                if kind == "failed":
                    raise ChildFailedError(value)
                if kind == "item":
                    done.append(value)
                opened = True
            return done
        finally:
            child.kill()
            child.join()
            receiving.close()

    @staticmethod
    def _given_up(
        done: list[Result | None], start: int, count: int, opened: bool, why: str
    ) -> list[Result | None]:
        """`done` and the item given up; every item left when opening itself failed (a new
        child would fail the same way)."""
        index = start + len(done)
        if not opened:
            log.info("items %s-%s of %s given up: opening, %s", index, count - 1, count, why)
            return [*done, *[None] * (count - index)]
        log.info("item %s of %s given up: %s", index, count, why)
        return [*done, None]


def _work(
    sending: multiprocessing.connection.Connection,
    open_: Callable[[], Any],
    each: Callable[[Any, int], Any],
    start: int,
    count: int,
) -> None:
    try:
        opened = open_()
        sending.send(("opened", None))
        for index in range(start, count):
            sending.send(("item", each(opened, index)))
    except Exception as exc:  # sent back, to be raised in the caller
        try:
            sending.send(("raised", exc))
        except Exception:  # not picklable: its text, for whoever mends it
            sending.send(("failed", traceback.format_exc()))
    finally:
        sending.close()


def _fork_server() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(PRELOADED)
        return _context
