"""Worker heartbeats, and taking over the unfinished documents of a worker that is gone.

DBOS resumes a worker's workflows when that worker restarts with the same executor id, but
nothing resumes them if its machine never comes back (shared/notes/storage-and-jobs.md). Each
worker writes a heartbeat row every few seconds; every worker also looks for rows silent for
longer than `dead_after` and, if it wins the claim (a conditional UPDATE, so one survivor does
it), asks the job engine to re-enqueue that executor's pending workflows. Re-enqueued work is
picked by whichever worker dequeues it first; it is idempotent, so a worker that was only slow
costs duplicated effort, not duplicated results.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
from collections.abc import Callable

from sqlalchemy import select, update

from hoso.errors import HosoError
from hoso.storage.index import RecordIndex
from hoso.storage.schema import WorkerHeartbeat

log = logging.getLogger("hoso.liveness")


class WorkerIdInUseError(HosoError):
    code = "worker_id_in_use"

    def __init__(self, executor_id: str) -> None:
        super().__init__(
            f"another worker with id {executor_id!r} is running on this machine; give each "
            "worker its own id (--id or HOSO_WORKER_ID)"
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Liveness:
    def __init__(
        self,
        index: RecordIndex,
        executor_id: str,
        recover: Callable[[str], int],
        interval: float = 5.0,
        dead_after: float = 120.0,
    ) -> None:
        self.index = index
        self.executor_id = executor_id
        self.recover = recover
        self.interval = interval
        self.dead_after = dead_after
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def register(self) -> None:
        """Claim this executor id; refuse if a live process on this host already holds it."""
        host, pid = socket.gethostname(), os.getpid()
        with self.index.session() as session:
            row = session.get(WorkerHeartbeat, self.executor_id)
            if row is None:
                session.add(WorkerHeartbeat(executor_id=self.executor_id, host=host, pid=pid))
                return
            recent = _now() - row.last_seen < dt.timedelta(seconds=self.dead_after)
            if recent and row.host == host and row.pid != pid and _alive(row.pid):
                raise WorkerIdInUseError(self.executor_id)
            row.host, row.pid, row.started_at, row.last_seen = host, pid, _now(), _now()

    def start(self) -> None:
        """Beat and watch the others (after `register`)."""
        self._thread = threading.Thread(target=self._loop, name="hoso-heartbeat", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.beat()
                self.take_over_dead()
            except Exception:  # the database may be down for a while; try again next beat
                log.warning("heartbeat failed", exc_info=True)

    def beat(self) -> None:
        with self.index.session() as session:
            session.execute(
                update(WorkerHeartbeat)
                .where(WorkerHeartbeat.executor_id == self.executor_id)
                .values(last_seen=_now())
            )

    def take_over_dead(self) -> list[str]:
        cutoff = _now() - dt.timedelta(seconds=self.dead_after)
        with self.index.sessions() as session:
            rows = list(session.scalars(select(WorkerHeartbeat)))
        taken = []
        for row in rows:
            seen = row.last_seen
            if row.executor_id == self.executor_id or seen >= cutoff:
                continue
            if row.recovered_at is not None and row.recovered_at >= seen:
                continue  # already taken over since it last spoke
            if self._claim(row.executor_id, row.last_seen):
                count = self.recover(row.executor_id)
                log.warning("worker %s is silent since %s: took over %d workflows",
                            row.executor_id, seen.isoformat(), count)  # fmt: skip
                taken.append(row.executor_id)
        return taken

    def _claim(self, executor_id: str, seen: dt.datetime) -> bool:
        with self.index.session() as session:
            result = session.execute(
                update(WorkerHeartbeat)
                .where(
                    WorkerHeartbeat.executor_id == executor_id,
                    WorkerHeartbeat.last_seen == seen,
                    (WorkerHeartbeat.recovered_at.is_(None))
                    | (WorkerHeartbeat.recovered_at < WorkerHeartbeat.last_seen),
                )
                .values(recovered_at=_now())
            )
            return bool(getattr(result, "rowcount", 0) == 1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
