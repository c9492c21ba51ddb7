"""The HTTP API under /api/v1 (FastAPI; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs,
served locally by `hoso.api.docs`; security headers on every answer by `hoso.api.headers`), and
the desk web UI beside it (`hoso.api.web`: pages at /, not in the OpenAPI).

This module only wires: problem handlers, the routers of `hoso.api.routes` (one per area) and
the services they share. Handlers are thin: check the caller's role and province, call storage
or the job queue, shape the answer (`hoso.api.schemas`). Every read of a record's content (PDF,
original, text, fields, a person) writes an audit event with who, which desk and what
(shared/domain, personal-data rules).
"""

from __future__ import annotations

import dataclasses

from fastapi import FastAPI

from hoso.api import docs, problems, web
from hoso.api.deps import Services
from hoso.api.headers import SecurityHeaders
from hoso.api.limits import BodyLimits, UploadLimits
from hoso.api.routes import (
    audit,
    batches,
    desks,
    documents,
    exports,
    health,
    reports,
    results,
    reuse,
    signatures,
    tokens,
)
from hoso.api.senders import upload_sender
from hoso.storage.accounts import SessionLimits

__all__ = ["Services", "create_app"]

# In this order: it is the order of the operations in the published OpenAPI.
API_ROUTERS = (
    signatures.router,
    batches.router,
    documents.router,
    reuse.router,
    tokens.router,
    desks.router,
    audit.router,
    reports.router,
    exports.router,
    results.router,
)


def create_app(
    services: Services,
    *,
    metrics_token: str | None = None,
    upload_limits: UploadLimits | None = None,
    session_limits: SessionLimits | None = None,
) -> FastAPI:
    """The app on `services`. `metrics_token` opens /metrics (None: /metrics answers 404);
    `upload_limits` and the desk UI's `session_limits` default to those of `HosoSettings`
    (`hoso serve` passes the configured)."""
    app = FastAPI(
        title="hoso",
        version="1",
        description="Scan-to-archive for one-stop-desk dossiers. Errors are RFC 9457 "
        "problem details with a stable `code`.",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # served by hoso.api.docs, without a CDN
        redoc_url=None,
    )
    problems.install(app)
    docs.install(app)
    limits = upload_limits or UploadLimits.from_settings()
    limits = dataclasses.replace(limits, routes=(*limits.routes, *web.UPLOAD_ROUTES))
    sessions = session_limits or SessionLimits.from_settings()
    app.add_middleware(BodyLimits, limits=limits, identify=upload_sender(services, sessions))
    app.add_middleware(SecurityHeaders)  # outermost: the limits' own answers get the headers
    app.include_router(health.router)  # /api/v1/health, /api/v1/ready and /metrics
    for router in API_ROUTERS:
        app.include_router(router, prefix="/api/v1")
    web.install(app, sessions)
    app.state.services = services
    app.state.metrics = health.MetricsAccess(metrics_token)
    return app
