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

import contextlib
import functools
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.forkserver
import os
import resource
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

Opened = TypeVar("Opened")
Result = TypeVar("Result")

# Address space a child may take beyond what it starts with (`_limit_memory`)
CHILD_MEMORY = 2 * 1024**3
# The exit status of a child that ran out of it
MEMORY_EXHAUSTED = 75

# Modules the fork server imports once, so that a child starts in milliseconds (the first
# keeps its children's failed starts off the caller's stderr)
PRELOADED = [
    "hoso.digitize.fork_server", "__main__", "hoso.digitize.triage", "hoso.digitize.drawing"
]  # fmt: skip

_context_lock = threading.Lock()
_context: Any = None


class ChildFailedError(RuntimeError):
    """The child raised something it could not send back (a bug, not the input's fault)."""


class _NoChildError(Exception):
    """A child cannot be started or start its work in this process."""


class GivenUp(Enum):
    """Why an item has no result."""

    ITEM = "item"  # it ran past its own time, or its child died on it
    WHOLE = "whole"  # the work's whole time was spent before it, or opening failed


@dataclass(frozen=True)
class ItemsWithin(Generic[Opened, Result]):
    """Items 0..count-1 worked in a child process: `open_()` once (reading the file), then
    `each(opened, index)` for each item in order. An item that takes longer than `seconds`,
    or that the child dies on, is `GivenUp.ITEM` in the answer, and a new child goes on from
    the next item; once `total_seconds` are spent (or opening takes longer than
    `opening_seconds`), every item left is `GivenUp.WHOLE`. The child may take
    `memory_bytes` more address space than it starts with; past it, what it was doing is
    given up the same way. An exception the child raises is raised here (the input's typed
    errors, as they are)."""

    open_: Callable[[], Opened]
    each: Callable[[Opened, int], Result]
    seconds: float
    opening_seconds: float
    total_seconds: float
    memory_bytes: int = CHILD_MEMORY

    def run(self, count: int) -> list[Result | GivenUp]:
        if multiprocessing.current_process().daemon:  # a pool's process may not have children
            return self._here(0, count)
        ends = time.monotonic() + self.total_seconds
        results: list[Result | GivenUp] = []
        while len(results) < count:
            try:
                results.extend(self._run_from(len(results), count, ends))
            except _NoChildError as error:  # this process cannot have such children: no limits
                log.warning("analysis in this process, without a deadline: %s", error)
                return [*results, *self._here(len(results), count)]
        return results

    def _here(self, start: int, count: int) -> list[Result | GivenUp]:
        opened = self.open_()
        return [self.each(opened, index) for index in range(start, count)]

    def _run_from(self, start: int, count: int, ends: float) -> list[Result | GivenUp]:
        """The items from `start` worked by one child, up to and including the first it fails
        to finish, or to the end."""
        context = _fork_server()
        receiving, sending = context.Pipe(duplex=False)
        child = context.Process(
            target=_work,
            args=(sending, self.open_, self.each, start, count, self.memory_bytes),
            daemon=True,
        )
        try:
            child.start()
        except (OSError, EOFError, RuntimeError) as error:  # no fork server here
            receiving.close()
            sending.close()
            raise _NoChildError(f"a child cannot be started ({error!r})") from error
        sending.close()  # the child's end: once the child is gone, receiving ends too
        done: list[Result | GivenUp] = []
        started = opened = False
        try:
            while start + len(done) < count:
                left = ends - time.monotonic()
                wait = self.seconds if opened else self.opening_seconds
                if not receiving.poll(max(0.0, min(wait, left))):
                    whole = left <= wait or not opened
                    return self._given_up(done, start, count, whole, "out of time")
                try:
                    kind, value = receiving.recv()
                except EOFError:  # the child died (memory, a crash in a library)
                    if not started:  # before any of its work: it cannot start here (this
                        # program's main module cannot be imported again, say)
                        raise _NoChildError("the child ended as it started") from None
                    return self._given_up(done, start, count, not opened, "its process died")
                if kind == "started":
                    started = True
                    continue
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
            child.close()  # its sentinel too, not when a raised error's frames are collected
            receiving.close()

    @staticmethod
    def _given_up(
        done: list[Result | GivenUp], start: int, count: int, whole: bool, why: str
    ) -> list[Result | GivenUp]:
        """`done` and the item given up, or every item left (opening failed, so a new child
        would fail the same way, or the whole time is spent)."""
        index = start + len(done)
        if whole:
            log.info("items %s-%s of %s given up: %s", index, count - 1, count, why)
            return [*done, *[GivenUp.WHOLE] * (count - index)]
        log.info("item %s of %s given up: %s", index, count, why)
        return [*done, GivenUp.ITEM]


def _work(
    sending: multiprocessing.connection.Connection,
    open_: Callable[[], Any],
    each: Callable[[Any, int], Any],
    start: int,
    count: int,
    memory_bytes: int,
) -> None:
    threading.Thread(target=_end_with_caller, daemon=True).start()
    _limit_memory(memory_bytes)
    sending.send(("started", None))
    try:
        opened = open_()
        sending.send(("opened", None))
        for index in range(start, count):
            sending.send(("item", each(opened, index)))
    except MemoryError:  # past its memory: given up, as when the kernel ends a process
        os._exit(MEMORY_EXHAUSTED)
    except Exception as exc:  # sent back, to be raised in the caller
        try:
            sending.send(("raised", exc))
        except Exception:  # not picklable: its text, for whoever mends it
            sending.send(("failed", traceback.format_exc()))
    finally:
        sending.close()


def _limit_memory(extra: int) -> None:
    """The child's address space: what it has at start (the fork server's preloaded modules)
    and `extra` more. A qpdf or Python allocation past it fails in the child (qpdf then reads
    a damaged file's objects without its cross-reference table) instead of the machine's
    memory running out for every process on it."""
    with open("/proc/self/status") as status:
        size = next(
            (int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize")), 0
        )
    if size:
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, resource.RLIM_INFINITY))


def _end_with_caller() -> None:
    """A child whose caller ended (a worker killed mid-batch) stops at once: it would
    otherwise finish a costly file's pages for no one. (Its parent is the fork server,
    which ends with the caller too, but only the caller's own end is told here.)"""
    caller = multiprocessing.parent_process()
    if caller is not None:
        caller.join()
        os._exit(0)


def _reuse_parents_fork_server() -> None:
    """In a process forked from one that started a fork server (the command line's page
    processes, forked after triage started it): Python 3.11 asks whether the server is alive
    by waiting on it, which only the process that started it may ("No child processes"), so
    every drawing there went on without a deadline. The child asks the system instead
    (`_running`) and uses its parent's server while it runs (starting one of its own cost
    each page process ~0.35 s of a command's time), and starts its own once it is gone. The
    lock is new as well: another thread may have held it at the fork."""
    server: Any = getattr(multiprocessing.forkserver, "_forkserver", None)
    if server is None or getattr(server, "_forkserver_pid", None) is None:
        return
    server._lock = threading.Lock()
    server.ensure_running = functools.partial(_parents_or_own, server)


def _parents_or_own(server: Any) -> None:
    """`ensure_running` of a forked child's fork server (`_reuse_parents_fork_server`)."""
    if _running(server._forkserver_pid):
        return  # this process holds its "alive" descriptor, so it stays so unless killed
    del server.ensure_running  # gone: this process starts and then owns its own
    alive = server._forkserver_alive_fd
    server._forkserver_pid = server._forkserver_address = server._forkserver_alive_fd = None
    if alive is not None:
        with contextlib.suppress(OSError):
            os.close(alive)
    server.ensure_running()


def _running(pid: int) -> bool:
    """Whether process `pid` runs: neither gone nor a zombie its parent has yet to reap (a
    killed server stays one until the process that started it waits on it)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


os.register_at_fork(after_in_child=_reuse_parents_fork_server)


def _fork_server() -> Any:
    global _context
    with _context_lock:
        if _context is None:
            _context = multiprocessing.get_context("forkserver")
            _context.set_forkserver_preload(PRELOADED)
        return _context
