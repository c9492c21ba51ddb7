"""Job settings from the environment, with embedded defaults for one machine.

| variable | default |
|---|---|
| `HOSO_WORKER_ID` | `<host>-<role>`: stable across restarts, unique per worker process |
| `HOSO_JOBS_DATABASE_URL` | the index database if PostgreSQL, else `dbos.sqlite` in the data dir |
| `HOSO_PAGE_PROCESSES` | one per CPU core (OCR is CPU-bound) |
| `HOSO_WORKER_DEAD_AFTER` | 120 s without a heartbeat: the worker's documents go to a survivor |
| `HOSO_OCR_MODEL`, `HOSO_OCR_LANG` | `best_int`, `vie` |
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

from hoso.digitize.models import Options
from hoso.storage.archive import ArchiveSettings

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


def queue_limits(page_processes: int) -> dict[str, int]:
    """Documents running at once per worker: one per page process, so the pages of several
    small documents keep every core busy. Batches are planned one at a time."""
    return {BATCH_QUEUE: 1, DOCUMENT_QUEUE: page_processes}


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

    @classmethod
    def from_environment(cls, role: str = "worker") -> JobSettings:
        return cls.from_environment_of(os.environ, role)

    @classmethod
    def from_environment_of(cls, env: Mapping[str, str], role: str = "worker") -> JobSettings:
        archive = ArchiveSettings.from_environment_of(env)
        jobs_url = env.get("HOSO_JOBS_DATABASE_URL") or (
            archive.database_url
            if archive.database_url.startswith("postgresql")
            else f"sqlite:///{archive.data_dir / 'dbos.sqlite'}"
        )
        processes = int(env.get("HOSO_PAGE_PROCESSES") or 0) or os.cpu_count() or 1
        return cls(
            archive=archive,
            jobs_database_url=jobs_url,
            executor_id=env.get("HOSO_WORKER_ID") or f"{socket.gethostname()}-{role}",
            page_processes=processes,
            heartbeat_seconds=float(env.get("HOSO_HEARTBEAT_SECONDS") or 5),
            dead_after_seconds=float(env.get("HOSO_WORKER_DEAD_AFTER") or 120),
            drain_seconds=int(env.get("HOSO_DRAIN_SECONDS") or 120),
            options=Options(
                lang=env.get("HOSO_OCR_LANG") or "vie",
                model=env.get("HOSO_OCR_MODEL") or "best_int",
                jobs=processes,
            ),
        )
