"""Submitting work from outside a worker (the API, `hoso retry`): a DBOS client on the jobs
database, so they do not need to run workflows themselves."""

from __future__ import annotations

import logging
import os
from typing import Any

from dbos import DBOS, DBOSClient, EnqueueOptions

from hoso.storage.intake import Intake
from hoso.storage.objects import StorageUnavailableError
from hoso.workflows.jobs import batch_workflow_id, document_workflow_id
from hoso.workflows.settings import (
    APPLICATION,
    APPLICATION_VERSION,
    BATCH_QUEUE,
    BATCH_WORKFLOW,
    DOCUMENT_QUEUE,
    DOCUMENT_WORKFLOW,
    QUEUE_POLL_SECONDS,
    owner_only_job_database,
    queue_limits,
)

log = logging.getLogger("hoso.jobs")
NOT_QUEUED = "queue_unavailable"


class JobQueue:
    def __init__(self, jobs_database_url: str) -> None:
        owner_only_job_database(jobs_database_url)
        DBOS.migrate(jobs_database_url)  # idempotent; the client itself never migrates
        self.client = DBOSClient(
            system_database_url=jobs_database_url, application_name=APPLICATION
        )
        # Queues exist before anything is enqueued (work sent to an unknown queue waits
        # forever); a worker's own registration of the same queue is kept if it came first.
        for name, concurrency in queue_limits(os.cpu_count() or 1).items():
            self.client.register_queue(
                name, worker_concurrency=concurrency, polling_interval_sec=QUEUE_POLL_SECONDS,
                on_conflict="never_update",
            )  # fmt: skip

    def submit_batch(self, batch_id: int) -> str:
        """Queue a closed batch. The workflow id is the batch's: submitting twice is harmless."""
        return self._enqueue(BATCH_WORKFLOW, BATCH_QUEUE, batch_workflow_id(batch_id), batch_id)

    def submit_document(self, document_id: int, attempt: int, turn: int | None = None) -> str:
        """Queue one more attempt at a document (a retry or a rescan) under the attempt's own
        workflow id, so it is not taken for the attempt that already ran; at its `turn` in
        the queue (`Intake.retry` gives it one), else first."""
        workflow_id = document_workflow_id(document_id, attempt)
        return self._enqueue(DOCUMENT_WORKFLOW, DOCUMENT_QUEUE, workflow_id, document_id, turn)

    def _enqueue(
        self, workflow: str, queue: str, workflow_id: str, record_id: int, turn: int | None = None
    ) -> str:
        options: EnqueueOptions = {
            "workflow_name": workflow,
            "queue_name": queue,
            "workflow_id": workflow_id,
            "app_version": APPLICATION_VERSION,
        }
        if turn is not None:
            options["priority"] = turn
        handle: Any = self.client.enqueue(options, record_id)
        return str(handle.get_workflow_id())

    def waiting(self) -> int:
        """Workflows enqueued or running (for the queue-depth metric and readiness)."""
        statuses = self.client.list_workflows(status=["ENQUEUED", "PENDING"], load_input=False,
                                              load_output=False)  # fmt: skip
        return len(statuses)

    def close(self) -> None:
        self.client.destroy()


def requeue(queue: JobQueue, intake: Intake, document_id: int, attempt: int, agent: str) -> str:
    """Submit a document that `Intake.retry`/`replace` put back to `queued`. If the queue does
    not take it, the document is failed again with a reason saying so: left `queued`, it would
    wait for a job that does not exist and could never be retried."""
    document = intake.document(document_id)
    turn = document.queue_turn if document is not None else None
    try:
        return queue.submit_document(document_id, attempt, turn)
    except Exception as error:  # whatever the cause, the document must not stay queued
        log.warning("document %s: the job queue refused attempt %s: %s", document_id, attempt,
                    error)  # fmt: skip
        intake.fail(
            document_id, NOT_QUEUED,
            "the job queue did not take the document; nothing was processed: retry it later",
            agent,
        )  # fmt: skip
        raise StorageUnavailableError(
            "the job queue did not answer; the document stays failed: retry it later"
        ) from None
