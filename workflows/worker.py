"""A job worker's life: launch the job engine under a stable executor id and the pinned
application version, register the queues, beat, take over dead workers, drain on SIGTERM.

One worker runs at most two documents per page process at a time (`settings.queue_limits`) and
OCRs one page per process of its page pool (OCR is CPU-bound: one page per core). Batches are
planned a few at a time (`settings.PLANS_AT_ONCE`).
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta
from pathlib import Path

from dbos import DBOS, DBOSConfig

from hoso.digitize.pipeline import PageRunner
from hoso.files import SCRATCH_PREFIXES
from hoso.signatures.sign import pipeline_signer
from hoso.storage.archive import Archive
from hoso.storage.fs_store import STALE_AFTER, FilesystemStore, remove_stale_folders
from hoso.storage.intake import Intake
from hoso.workflows import jobs, scheduled
from hoso.workflows.at_work import JOBS_AT_WORK
from hoso.workflows.liveness import Liveness
from hoso.workflows.metrics import PAGES
from hoso.workflows.processing import Processor
from hoso.workflows.settings import (
    APPLICATION,
    APPLICATION_VERSION,
    QUEUE_POLL_SECONDS,
    JobSettings,
    owner_only_job_database,
    queue_limits,
)

log = logging.getLogger("hoso.worker")


SCRATCH_STALE_AFTER = timedelta(days=1)  # nothing hoso does takes a day: a live one is untouched


def clean_leftovers(archive: Archive, older_than: timedelta = STALE_AFTER) -> int:
    """At the start of a server or worker: remove what a killed process left behind (half
    spooled uploads, half-written objects of a folder store), older than `older_than` so that
    another process's upload in progress is never touched, and its scratch folders in the temp
    dir (pages of a document being digitized: personal data) after a day. Returns how many
    files and folders went."""
    removed = archive.clean_spool(older_than)
    if isinstance(archive.store, FilesystemStore):
        removed += archive.store.clean_incoming(older_than)
    scratch = Path(tempfile.gettempdir())
    removed += remove_stale_folders(
        (path for prefix in SCRATCH_PREFIXES for path in scratch.glob(prefix + "*")),
        SCRATCH_STALE_AFTER,
    )
    if removed:
        log.warning("removed %d files left by a stopped process", removed)
    return removed


def dbos_config(settings: JobSettings) -> DBOSConfig:
    return {
        "name": APPLICATION,
        "system_database_url": settings.jobs_database_url,
        "executor_id": settings.executor_id,
        "application_version": APPLICATION_VERSION,
        "log_level": "WARNING",
    }


class Worker:
    def __init__(self, settings: JobSettings, archive: Archive | None = None) -> None:
        self.settings = settings
        self.archive = archive or Archive.open(settings.archive)
        self.runner = PageRunner(settings.options, keep_pool=True)
        sign = pipeline_signer()
        if sign is not None:  # whose key signs is the deployment's choice: say it at start
            log.warning("signing digitized copies: %s", sign.describe())
        self.processor = Processor(
            Intake(self.archive),
            self.runner,
            settings.options,
            agent=f"worker:{settings.executor_id}",
            on_pages=PAGES.inc,
            sign=sign,
        )
        self.liveness = Liveness(
            self.archive.index,
            settings.executor_id,
            recover=self._recover,
            interval=settings.heartbeat_seconds,
            dead_after=settings.dead_after_seconds,
        )
        self.scheduled_work = scheduled.ScheduledWork(
            self.archive, settings.schedules, agent=f"worker:{settings.executor_id}"
        )
        self.running = False

    def start(self) -> None:
        self.liveness.register()  # before the engine: refuse a duplicate id before recovering
        self.runner.warm()  # the page processes load their models while the job engine starts
        jobs.bind(self.processor)
        scheduled.bind(self.scheduled_work)
        owner_only_job_database(self.settings.jobs_database_url)
        DBOS(config=dbos_config(self.settings))
        DBOS.launch()
        for name, concurrency in queue_limits(self.settings.page_processes).items():
            DBOS.register_queue(
                name, worker_concurrency=concurrency, polling_interval_sec=QUEUE_POLL_SECONDS
            )
        on = scheduled.apply(self.settings.schedules)
        log.warning("scheduled: %s", ", ".join(on) or "nothing")
        self.liveness.start()
        self.running = True
        log.warning("worker %s started (%s)", self.settings.executor_id, APPLICATION_VERSION)

    def stop(self, drain_seconds: int | None = None) -> int:
        """Drain: take no new work, let running jobs finish (up to the drain time: the
        settings' unless given), then stop the page pool. Returns how many jobs are still
        running: then the pool is left as it is (closing it would cancel their pages and fail
        their documents) and the process must end without waiting for them (`hoso worker` and
        `serve` do), so that they resume on the next start, as after a crash."""
        if not self.running:
            return 0
        self.running = False
        self.liveness.stop()
        drain = self.settings.drain_seconds if drain_seconds is None else drain_seconds
        DBOS.destroy(workflow_completion_timeout_sec=drain)
        left = len(JOBS_AT_WORK)
        if left:
            log.warning("worker %s: %d jobs outlived the drain", self.settings.executor_id, left)
            return left
        self.runner.close()
        log.warning("worker %s stopped", self.settings.executor_id)
        return 0

    def _recover(self, executor_id: str) -> int:
        return len(DBOS._recover_pending_workflows([executor_id]))
