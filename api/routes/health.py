"""Liveness, readiness and Prometheus metrics: what an operator's probes and scrapers ask.

/metrics is off (404) unless the server has a metrics token (`HOSO_METRICS_TOKEN`); then it
answers only `Authorization: Bearer <that token>`, compared in constant time, and refused tries
count against the caller's address like refused API tokens. The scraper is not an API caller:
no API token opens /metrics, and the metrics token opens nothing else. The archive gauge
(documents per status: a GROUP BY over every document) is read at most once per
`DOCUMENTS_REFRESH_SECONDS` however often it is scraped; the counters of work done are kept as
the work happens (`hoso.workflows.metrics`).
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from hoso.api.auth import NotAuthenticatedError, NotFoundError
from hoso.api.deps import Services, ServicesDep, bearer, client_address
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
        services.queue.waiting()  # answered, not shown: the count spans every province
        # (an unauthenticated caller saw it); /metrics, behind its token, gives it
        checks["queue"] = "ok"
    except Exception as error:
        checks["queue"] = f"down: {type(error).__name__}"
    ok = all(value.startswith("ok") for value in checks.values())
    response.status_code = 200 if ok else 503
    return {"status": "ready" if ok else "not ready", "checks": checks}


DOCUMENTS_REFRESH_SECONDS = 30.0


class MetricsAccess:
    """Who may scrape /metrics (`token`; None: metrics are off) and when the archive gauge was
    last read; one per app, shared by the threads that serve scrapes."""

    def __init__(self, token: str | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.token = token
        self.clock = clock
        self._documents_read_at: float | None = None
        self._lock = threading.Lock()

    def allows(self, presented: str) -> bool:
        """Constant time, so how long a refusal takes says nothing of how much was right."""
        if self.token is None:
            return False
        return hmac.compare_digest(presented.encode(), self.token.encode())

    def refresh_documents(self, services: Services) -> None:
        """Set the per-status gauge from the index, unless it was set less than
        `DOCUMENTS_REFRESH_SECONDS` ago (scrapes in between get the same numbers)."""
        with self._lock:
            now = self.clock()
            read_at = self._documents_read_at
            if read_at is not None and now - read_at < DOCUMENTS_REFRESH_SECONDS:
                return
            counts = services.records.documents_by_status()
            for status in DocumentStatus:
                DOCUMENTS_BY_STATUS.labels(status.value).set(counts.get(status, 0))
            self._documents_read_at = now


@router.get("/metrics", include_in_schema=False)
def metrics(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Response:
    access: MetricsAccess = request.app.state.metrics
    if access.token is None:
        raise NotFoundError("metrics are off on this server (HOSO_METRICS_TOKEN is not set)")
    _require_metrics_token(request, services, access, credentials)
    access.refresh_documents(services)
    _refresh_queue_depth(services)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _require_metrics_token(
    request: Request,
    services: Services,
    access: MetricsAccess,
    credentials: HTTPAuthorizationCredentials | None,
) -> None:
    """Refuse anything but the metrics token; a guesser is limited like an API-token guesser."""
    key = f"address:{client_address(request)}"
    services.limiter.check(key)
    if credentials is None or not access.allows(credentials.credentials):
        services.limiter.fail(key)
        raise NotAuthenticatedError(
            "send the metrics token: Authorization: Bearer $HOSO_METRICS_TOKEN"
        )


def _refresh_queue_depth(services: Services) -> None:
    """The queue depth is one cheap count: read at every scrape."""
    try:
        QUEUE_DEPTH.set(services.queue.waiting())
    except Exception:
        QUEUE_DEPTH.set(float("nan"))
