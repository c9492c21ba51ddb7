"""Job settings: what a worker or the API needs to reach the job engine, plus the job constants.

The `HOSO_*` variables are read and checked in one place, `hoso.settings`; their table (name,
default, meaning) is generated from it into `docs/settings.md`. `JobSettings` only shapes what
was read, plus what comes from the command line (the worker id of `hoso worker --id`).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, replace

from hoso.desk_time import VIETNAM
from hoso.digitize.models import Options
from hoso.settings import HosoSettings
from hoso.storage.archive import ArchiveSettings
from hoso.storage.index import DEFAULT_CONNECTIONS

APPLICATION = "hoso"
# Pinned, not derived from the code: a worker only resumes workflows of its own version
# (shared/notes/storage-and-jobs.md). Bump it when a workflow's steps change shape, and drain
# the old workers first.
APPLICATION_VERSION = "hoso-jobs-1"
BATCH_QUEUE = "hoso-batches"
DOCUMENT_QUEUE = "hoso-documents"
BATCH_WORKFLOW = "hoso.process_batch"
DOCUMENT_WORKFLOW = "hoso.process_document"
QUEUE_POLL_SECONDS = 0.2  # the default 1 s capped throughput near concurrency / 1 s (notes)


# Batches planned at once per worker: a batch whose planning waits out a store outage (retried
# with backoff) must not hold back every other batch of every province.
PLANS_AT_ONCE = 4
# Documents at work per page process (`queue_limits`): measured on 2 cores, page processes
# busy 1.60-1.66 of 2 with one, 1.71-1.75 with two (40-60 one-page scans, three runs each).
DOCUMENTS_PER_PAGE_PROCESS = 2


def owner_only_job_database(jobs_database_url: str) -> None:
    """Make a SQLite job database owner-only before the job engine creates it: it holds each
    job's arguments (batch ids, file names) and was made 0644 by the engine, inside the 0700
    data folder until the next start tightened it. PostgreSQL's access is the server's."""
    from sqlalchemy.engine import make_url

    url = make_url(jobs_database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return
    os.close(os.open(url.database, os.O_WRONLY | os.O_CREAT, 0o600))  # empty = empty database
    os.chmod(url.database, 0o600)


def queue_limits(page_processes: int) -> dict[str, int]:
    """Documents running at once per worker: twice its page processes. A document spends part
    of its turn away from them (fetching its file, assembling and signing its PDF/A, writing
    the index); with one document per process, those moments left a process idle, and the more
    cores, the more often (page processes busy 7 of 16 on the lent machine). The pool still reads
    one page per process, each document keeping no more of its pages waiting than the pool has
    processes. Batches are planned a few at a time (planning reads codes and ink, no OCR), so
    one slow or failing batch never blocks the others. A worker of one page process reads in
    its own process, one page at a time (`PageRunner._run_here`), and runs one document at a
    time: with two, the one holding the engine was not always the one whose turn it was (the
    lock is not first come, first served), and another station's paper waited behind five."""
    documents = DOCUMENTS_PER_PAGE_PROCESS * page_processes if page_processes > 1 else 1
    return {BATCH_QUEUE: PLANS_AT_ONCE, DOCUMENT_QUEUE: documents}


# Threads of a process that use the index besides its documents and plans: the heartbeat, the
# scheduled care, the drain, metrics.
HOUSEKEEPING_CONNECTIONS = 5
# A server's request threads (anyio's thread pool runs the API's plain routes, 40 at once)
REQUEST_THREADS = 40


def index_connections(page_processes: int, role: str) -> int:
    """Connections to the index a process may need at once: one for each document and plan it
    runs, its housekeeping, and a server's request threads. Sized from the queue limits, so a
    worker on a large machine never waits for a connection its own documents hold (16 page
    processes run 32 documents, and SQLAlchemy's default allowed 15)."""
    limits = queue_limits(page_processes)
    needed = limits[DOCUMENT_QUEUE] + limits[BATCH_QUEUE] + HOUSEKEEPING_CONNECTIONS
    needed += REQUEST_THREADS if role == "serve" else 0
    return max(needed, DEFAULT_CONNECTIONS)


SCHEDULE_TIMEZONE = VIETNAM.key  # cron times are the desks' own: 01:30 is a Vietnam night


@dataclass(frozen=True)
class ScheduleSettings:
    """The archive's scheduled care (`workflows/scheduled.py`): cron expressions (None: off),
    the fixity sample's share and period, and what to do with a copy due for renewal."""

    fixity: str | None = None
    fixity_fraction: float = 0.01
    fixity_period_days: int = 90
    renewal: str | None = None
    renewal_action: str = "renew"

    @classmethod
    def from_settings(cls, settings: HosoSettings) -> ScheduleSettings:
        return cls(
            fixity=settings.fixity_schedule,
            fixity_fraction=settings.fixity_fraction,
            fixity_period_days=settings.fixity_period_days,
            renewal=settings.renewal_schedule,
            renewal_action=settings.renewal_action,
        )


@dataclass(frozen=True)
class JobSettings:
    archive: ArchiveSettings
    jobs_database_url: str
    executor_id: str
    page_processes: int
    heartbeat_seconds: float
    dead_after_seconds: float
    drain_seconds: int
    options: Options
    schedules: ScheduleSettings = ScheduleSettings()  # off unless read from settings

    @classmethod
    def from_environment(cls, role: str = "worker", worker_id: str | None = None) -> JobSettings:
        return cls.from_settings(HosoSettings.from_environment(), role, worker_id)

    @classmethod
    def from_environment_of(
        cls, env: Mapping[str, str], role: str = "worker", worker_id: str | None = None
    ) -> JobSettings:
        return cls.from_settings(HosoSettings.from_environment(env), role, worker_id)

    @classmethod
    def from_settings(
        cls, settings: HosoSettings, role: str = "worker", worker_id: str | None = None
    ) -> JobSettings:
        """`worker_id` (from `--id`) wins over `HOSO_WORKER_ID`; without either the id is
        `<host>-<role>`, stable across restarts so a restarted worker resumes its documents."""
        processes = settings.page_processes or os.cpu_count() or 1
        archive = ArchiveSettings.from_settings(settings)
        return cls(
            archive=replace(archive, connections=index_connections(processes, role)),
            jobs_database_url=settings.jobs_url,
            executor_id=worker_id or settings.worker_id or f"{socket.gethostname()}-{role}",
            page_processes=processes,
            heartbeat_seconds=settings.heartbeat_seconds,
            dead_after_seconds=settings.worker_dead_after,
            drain_seconds=settings.drain_seconds,
            options=Options(lang=settings.ocr_lang, model=settings.ocr_model, jobs=processes),
            schedules=ScheduleSettings.from_settings(settings),
        )
