"""Submitting work from outside a worker (the API): a DBOS client on the jobs database, so the
API does not need to run workflows itself."""

from __future__ import annotations

import os
from typing import Any

from dbos import DBOS, DBOSClient, EnqueueOptions

from hoso.workflows.jobs import batch_workflow_id
from hoso.workflows.settings import (
    APPLICATION,
    APPLICATION_VERSION,
    BATCH_QUEUE,
    BATCH_WORKFLOW,
    QUEUE_POLL_SECONDS,
    queue_limits,
)


class JobQueue:
    def __init__(self, jobs_database_url: str) -> None:
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
        options: EnqueueOptions = {
            "workflow_name": BATCH_WORKFLOW,
            "queue_name": BATCH_QUEUE,
            "workflow_id": batch_workflow_id(batch_id),
            "app_version": APPLICATION_VERSION,
        }
        handle: Any = self.client.enqueue(options, batch_id)
        return str(handle.get_workflow_id())

    def waiting(self) -> int:
        """Workflows enqueued or running (for the queue-depth metric and readiness)."""
        statuses = self.client.list_workflows(status=["ENQUEUED", "PENDING"], load_input=False,
                                              load_output=False)  # fmt: skip
        return len(statuses)

    def close(self) -> None:
        self.client.destroy()
