"""What this process is doing for the job engine right now: the jobs (workflows) it runs, from
their first step to their last, retry pauses included. A drain waits for them; a worker that
stops with some left must end without waiting (Python would join their threads at exit), and
they resume on the next start."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator


class JobsAtWork:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._count = 0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        with self._lock:
            self._count += 1
        try:
            yield
        finally:
            with self._lock:
                self._count -= 1

    def __len__(self) -> int:
        with self._lock:
            return self._count


JOBS_AT_WORK = JobsAtWork()
