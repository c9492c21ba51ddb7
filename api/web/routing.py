"""The routers of the desk UI: errors become pages, every change passes the CSRF guard, and
nothing appears in the API's OpenAPI (the role matrix test reads that; pages are not API).

Every screen module makes its router with `page_router()`; `hoso.api.web.install` includes it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.routing import APIRoute

from hoso.api.web.pages import pages_of
from hoso.api.web.session import (
    LoginRequiredError,
    OpenedFromElsewhereError,
    csrf_guard,
    optional_person,
)
from hoso.errors import HosoError

LOGIN_PATH = "/login"


class PageRoute(APIRoute):
    """A route whose failures answer as the UI's error page (or JSON for a script), with the
    same status as the API would give: another province's record is the 404 page, a missing
    role the 403 page; no session sends the browser to the login form."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def answer(request: Request) -> Response:
            try:
                return await handler(request)
            except LoginRequiredError:
                return to_login(request)
            except OpenedFromElsewhereError:
                return _ask_first(request)
            except HosoError as error:
                headers: dict[str, str] | None = getattr(error, "headers", None)
                return _error_page(request, error.http_status, error.code, headers)
            except RequestValidationError:
                return _error_page(request, 422, "invalid_request", None)

        return answer


def _error_page(
    request: Request, status: int, code: str, headers: dict[str, str] | None
) -> Response:
    """The error page, with the menu of whoever is logged in (looked up again: the request
    may have failed before its person was known)."""
    services = request.app.state.services
    person = optional_person(request, services)
    return pages_of(request).error(request, status, code, person, headers)


def _ask_first(request: Request) -> Response:
    """Whether to open a page of personal records that a link on another site asked for; the
    link on it is this site's own, so following it opens the page."""
    services = request.app.state.services
    person = optional_person(request, services)
    if person is None:
        return to_login(request)
    query = f"?{request.url.query}" if request.url.query else ""
    context = {"target": f"{request.url.path}{query}"}
    return pages_of(request).render(request, "ask_first.html", context, person=person)


def to_login(request: Request) -> Response:
    """Off to the login form: a redirect, or for htmx (which would swap the form into a
    fragment) its `HX-Redirect` header."""
    if request.headers.get("hx-request") == "true":
        return Response(status_code=401, headers={"HX-Redirect": LOGIN_PATH})
    return RedirectResponse(LOGIN_PATH, status_code=303)


def page_router() -> APIRouter:
    """A router for UI pages (see the module)."""
    return APIRouter(
        route_class=PageRoute,
        include_in_schema=False,
        dependencies=[Depends(csrf_guard)],
        default_response_class=HTMLResponse,
    )
