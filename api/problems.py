"""Errors as RFC 9457 problem details (`application/problem+json`), from the same `HosoError`
classes the command line maps to exit codes: `code` is stable, `detail` is for people."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException

from hoso.errors import HosoError

PROBLEM_TYPE = "application/problem+json"
log = logging.getLogger("hoso.api")


def problem(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    """A problem answer; `headers` adds to it (e.g. `Retry-After` on a 429)."""
    body = {
        "type": f"/api/v1/problems/{code}",
        "title": code.replace("_", " "),
        "status": status,
        "detail": detail,
        "code": code,
        **extra,
    }
    sent = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    sent.update(headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=sent or None)


def install(app: FastAPI) -> None:
    @app.exception_handler(HosoError)
    async def hoso_error(_request: Request, error: HosoError) -> JSONResponse:
        # An error may say how to answer besides its status (TooManyFailuresError: Retry-After)
        headers: dict[str, str] | None = getattr(error, "headers", None)
        return problem(error.http_status, error.code, str(error), headers=headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in error.errors()
        ]
        return problem(422, "invalid_request", "the request is not valid", errors=errors)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problem(error.status_code, code, str(error.detail))

    @app.exception_handler(OperationalError)
    @app.exception_handler(InterfaceError)
    async def database_down(_request: Request, error: Exception) -> JSONResponse:
        return answer_for_unexpected(error)

    @app.exception_handler(Exception)
    async def unexpected(_request: Request, error: Exception) -> JSONResponse:
        return answer_for_unexpected(error)


def answer_for_unexpected(error: Exception) -> JSONResponse:
    """The problem for an error no `HosoError` names: the database down (503, retry), or a bug
    of ours (500, logged). Also used where no handler runs (`hoso.api.senders`)."""
    if isinstance(error, OperationalError | InterfaceError):
        log.warning("database unavailable: %s", error)
        return problem(503, "storage_unavailable", "the archive database is unavailable; retry")
    log.exception("unexpected error", exc_info=error)
    return problem(500, "internal_error", "hoso failed unexpectedly; the error is logged")
