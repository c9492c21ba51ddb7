"""`hoso retry`: put a failed document back in the queue, on the server's archive (like
`hoso review`), through the same job queue the API uses."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from hoso.api.commands.common import EXIT_CODES_HELP, add_command, open_archive, stderr


def register(app: typer.Typer) -> None:
    add_command(
        app,
        retry,
        epilog=EXIT_CODES_HELP + " Retry: 1 if the document has not failed (it is queued, "
        "running or done), 2 if there is no such document.",
    )


def retry(
    document_id: Annotated[int, typer.Argument(min=1, help="The failed document.")],
    agent: Annotated[str, typer.Option(help="Who retries it (recorded in its history).")] = "cli",
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Process a failed document again once the cause of its failure is fixed; the failure
    stays in its history and the new attempt gets a job of its own."""
    from hoso.storage.intake import Intake
    from hoso.workflows.queue import JobQueue, requeue
    from hoso.workflows.settings import JobSettings

    settings = JobSettings.from_environment("cli")
    intake = Intake(open_archive(settings.archive))
    queue = JobQueue(settings.jobs_database_url)  # reachable before anything changes
    try:
        attempt = intake.retry(document_id, agent)
        workflow_id = requeue(queue, intake, document_id, attempt, agent)
    finally:
        queue.close()
    if as_json:
        answer = {"document_id": document_id, "status": "queued", "attempt": attempt,
                  "workflow_id": workflow_id}  # fmt: skip
        print(json.dumps(answer))
        return
    stderr.print(
        f"document {document_id}: queued again (attempt {attempt}, job {workflow_id})",
        highlight=False,
    )
