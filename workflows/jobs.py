"""The workflows, on DBOS Transact: checkpointed steps in the jobs database, queues polled by
every worker, recovery after a crash.

    process_batch(batch_id):       plan ─▶ enqueue process_document for each document
    process_document(document_id): process (digitize + store, retried on outages) ─▶ done | failed

Workflow ids are derived from the batch and document ids (and a retry's attempt number), so
enqueuing twice (a retried close, a replayed batch workflow) starts nothing new. Steps run at
least once; their effects are idempotent (workflows.processing). The step bodies reach the
worker's `Processor` through `bind`, set once per process before DBOS is launched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from dbos import DBOS, SetEnqueueOptions, SetWorkflowID
from dbos._error import DBOSMaxStepRetriesExceeded

from hoso.digitize.errors import PagePoolClosedError
from hoso.storage.vocabulary import DocumentStatus
from hoso.workflows.at_work import JOBS_AT_WORK
from hoso.workflows.metrics import DOCUMENTS, STEP_SECONDS
from hoso.workflows.processing import Processor
from hoso.workflows.settings import BATCH_WORKFLOW, DOCUMENT_QUEUE, DOCUMENT_WORKFLOW

STEP_RETRIES = {"retries_allowed": True, "max_attempts": 6, "interval_seconds": 2.0,
                "backoff_rate": 2.0}  # fmt: skip  # ~1 min of outage before a document fails

log = logging.getLogger("hoso.jobs")
_bound: dict[str, Processor] = {}


def bind(processor: Processor) -> None:
    _bound["processor"] = processor


def _processor() -> Processor:
    return _bound["processor"]


def batch_workflow_id(batch_id: int) -> str:
    return f"hoso-batch-{batch_id}"


def document_workflow_id(document_id: int, attempt: int = 0) -> str:
    """The job of one attempt at a document: the first keeps the document's own id (a replayed
    batch starts nothing new); each retry has its own, so it is never taken for the attempt
    that already ran."""
    if attempt == 0:
        return f"hoso-document-{document_id}"
    return f"hoso-document-{document_id}-retry-{attempt}"


@DBOS.step(name="hoso.plan_batch", **STEP_RETRIES)  # type: ignore[arg-type]
def plan_step(batch_id: int) -> dict[str, list[Any]]:
    """The batch's documents and their turns in the queue (`Intake.take_turns`)."""
    with STEP_SECONDS.labels("plan").time():
        processor = _processor()
        documents = processor.plan(batch_id)
        return {"documents": documents, "turns": processor.intake.take_turns(batch_id)}


@DBOS.step(name="hoso.process", **STEP_RETRIES)  # type: ignore[arg-type]
def process_step(document_id: int) -> str:
    # A plain string is checkpointed, so a recorded step never depends on an enum class
    with STEP_SECONDS.labels("process").time():
        return str(_processor().process(document_id).value)


@DBOS.step(name="hoso.mark_failed", **STEP_RETRIES)  # type: ignore[arg-type]
def fail_step(document_id: int, code: str, reason: str) -> None:
    _processor().fail(document_id, code, reason)


@DBOS.workflow(name=BATCH_WORKFLOW)
def process_batch(batch_id: int) -> list[int]:
    with JOBS_AT_WORK.running():
        planned: dict[str, list[Any]] | list[int] = plan_step(batch_id)
        turns: list[int | None]
        if isinstance(planned, list):  # recorded before turns: queued as it was then
            document_ids, turns = planned, [None] * len(planned)
        else:
            document_ids, turns = planned["documents"], list(planned["turns"])
        for document_id, turn in zip(document_ids, turns, strict=True):
            # The queue takes the lowest priority first: stations take turns.
            with SetWorkflowID(document_workflow_id(document_id)), SetEnqueueOptions(priority=turn):
                DBOS.enqueue_workflow(DOCUMENT_QUEUE, process_document, document_id)
        return document_ids


@DBOS.workflow(name=DOCUMENT_WORKFLOW)
def process_document(document_id: int) -> str:
    with JOBS_AT_WORK.running():  # retry pauses included: the drain waits for the whole job
        return _process_document(document_id)


def _after_retries(errors: Sequence[Exception]) -> tuple[str, str]:
    """The failure code and reason of a document whose step failed every attempt, from the
    last attempt's error: a worker that kept stopping is not a storage outage."""
    if errors and isinstance(errors[-1], PagePoolClosedError):
        return PagePoolClosedError.code, (
            "the worker was stopping and could not finish this document; the original is kept "
            "and the document can be retried"
        )
    return "storage_unavailable", (
        "the archive storage or database was unavailable for too long while processing this "
        "document; the original is kept and the document can be retried"
    )


def _process_document(document_id: int) -> str:
    try:
        status = process_step(document_id)
    except DBOSMaxStepRetriesExceeded as error:
        # The errors name hosts, ports and keys of the server: logged, never in the reason
        # that stations and officers read.
        log.warning("document %s: failed after retries: %s %r", document_id, error, error.errors)
        fail_step(document_id, *_after_retries(error.errors))
        status = DocumentStatus.FAILED.value
    DOCUMENTS.labels(status).inc()
    return status
