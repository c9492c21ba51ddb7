"""Liveness, readiness and Prometheus metrics: what an operator's probes and scrapers ask."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hoso.api.deps import Services, ServicesDep
from hoso.storage.vocabulary import DocumentStatus
from hoso.workflows.metrics import DOCUMENTS_BY_STATUS, QUEUE_DEPTH

router = APIRouter(tags=["system"])


@router.get("/api/v1/health")
def health() -> dict[str, str]:
    """The process answers (liveness)."""
    return {"status": "ok"}


@router.get("/api/v1/ready", responses={503: {"description": "a dependency is down"}})
def ready(response: Response, services: ServicesDep) -> dict[str, Any]:
    """The database, object store and job queue answer (readiness)."""
    checks: dict[str, str] = {}
    try:
        services.records.ping()
        checks["database"] = "ok"
    except Exception as error:
        checks["database"] = f"down: {type(error).__name__}"
    try:
        services.archive.store.stat("originals/readiness-probe")
        checks["objects"] = "ok"
    except Exception as error:
        checks["objects"] = f"down: {type(error).__name__}"
    try:
        checks["queue"] = f"ok ({services.queue.waiting()} waiting)"
    except Exception as error:
        checks["queue"] = f"down: {type(error).__name__}"
    ok = all(value.startswith("ok") for value in checks.values())
    response.status_code = 200 if ok else 503
    return {"status": "ready" if ok else "not ready", "checks": checks}


@router.get("/metrics", include_in_schema=False)
def metrics(services: ServicesDep) -> Response:
    _refresh_gauges(services)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _refresh_gauges(services: Services) -> None:
    """Gauges are read at scrape time, so they are set from the index just before."""
    counts = services.records.documents_by_status()
    for status in DocumentStatus:
        DOCUMENTS_BY_STATUS.labels(status.value).set(counts.get(status, 0))
    try:
        QUEUE_DEPTH.set(services.queue.waiting())
    except Exception:
        QUEUE_DEPTH.set(float("nan"))
