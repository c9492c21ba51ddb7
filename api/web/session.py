"""Who is logged in to a page, what role they need, and the CSRF guard on every change.

The browser holds a cookie (`hoso_session`) with the session's random secret: `HttpOnly` (no
script reads it), `SameSite=Lax` (no other site's form or script sends it with a POST),
`Path=/`, and `Secure` when the request came over https. The person behind it becomes the same
`Principal` an API token gives (role, province, agent `person:NAME`), so a page calls the same
role and province checks and audit helpers as the API (`hoso.api.deps`).

Every request that can change something (any method but GET, HEAD, OPTIONS) passes `csrf_guard`,
which `hoso.api.web.routing.page_router` puts on every router of the UI, so no route can
forget it:
1. it must come from this site: `Sec-Fetch-Site: same-origin` where the browser sends it, and
   an `Origin` equal to this server's host where it sends that (at least one must be there;
   the login form, which has no session yet, is protected by this alone);
2. with a session, it must carry the session's CSRF token: the `X-CSRF-Token` header (htmx
   sends it on every request from `hx-headers` on `<body>`; the upload script too) or the
   `csrf_token` field of a form.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response

from hoso.api.auth import ForbiddenError, Principal, Role
from hoso.api.deps import ServicesDep
from hoso.api.web.pages import web_state
from hoso.errors import HosoError
from hoso.storage.schema import Account

COOKIE = "hoso_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequiredError(HosoError):
    """No live session: the page answers with the login form (a redirect)."""

    code = "login_required"
    http_status = 401

    def __init__(self) -> None:
        super().__init__("log in first: the session is missing or has ended")


class CsrfRefusedError(ForbiddenError):
    code = "csrf_refused"

    def __init__(self, why: str) -> None:
        super().__init__(f"refused a change that may not come from this site's pages: {why}")


@dataclass(frozen=True)
class Person:
    """The person logged in: their `Principal` (what the API's checks take) and the session's
    CSRF token (every form of the page carries it)."""

    principal: Principal
    csrf_token: str

    @property
    def name(self) -> str:
        return self.principal.name

    @property
    def role(self) -> Role:
        return self.principal.role


def principal_of(account: Account) -> Principal:
    return Principal(
        token_id=None, name=account.username, role=Role(account.role),
        province_code=account.province_code, desk_id=account.desk_id, account_id=account.id,
    )  # fmt: skip


def optional_person(request: Request, services: ServicesDep) -> Person | None:
    """The person of the request's session, or None (no cookie, or the session has ended)."""
    secret = request.cookies.get(COOKIE)
    if not secret:
        return None
    live = services.accounts.session(secret, web_state(request).limits)
    if live is None:
        return None
    return Person(principal_of(live.account), live.csrf_token)


MaybePerson = Annotated[Person | None, Depends(optional_person)]


def current_person(person: MaybePerson) -> Person:
    """The person logged in; without one the page sends the browser to the login form."""
    if person is None:
        raise LoginRequiredError()
    return person


CurrentPerson = Annotated[Person, Depends(current_person)]


def requires(*roles: Role) -> Callable[[Person], Person]:
    """A dependency: the logged-in person, if their role is one of `roles` (else the 403
    page). Use it as `Annotated[Person, Depends(requires(Role.OFFICER, Role.ARCHIVIST))]`;
    the one-role ones are named below."""

    def dependency(person: CurrentPerson) -> Person:
        person.principal.require(*roles)
        return person

    return dependency


StationPerson = Annotated[Person, Depends(requires(Role.STATION))]
OfficerPerson = Annotated[Person, Depends(requires(Role.OFFICER))]
ArchivistPerson = Annotated[Person, Depends(requires(Role.ARCHIVIST))]
AdminPerson = Annotated[Person, Depends(requires(Role.ADMIN))]


async def csrf_guard(request: Request, person: MaybePerson) -> None:
    """Refuse (403) a change that did not come from this site's own pages; see the module."""
    if request.method in SAFE_METHODS:
        return
    _require_same_origin(request)
    if person is None:
        return  # the login form; a page that needs a person refuses on its own
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        form = await request.form()  # parsed once: the route's form parameters reuse it
        field = form.get(CSRF_FIELD)
        sent = field if isinstance(field, str) else None
    if sent is None or not secrets.compare_digest(sent.encode(), person.csrf_token.encode()):
        raise CsrfRefusedError("the page's CSRF token is missing or wrong")


class OpenedFromElsewhereError(Exception):
    """A page that records a read of personal records, opened by a link on another site: the
    person is asked first (`routing.PageRoute` shows the question)."""


def read_here(request: Request) -> None:
    """For a GET that records who read a personal record (or counts reuse): only asked from
    this site's pages or typed in (`Sec-Fetch-Site` same-origin or none; a browser that sends
    none is taken at its word). Cookies go with a link from any site (SameSite=Lax), so a
    page elsewhere could have an officer's browser open citizens' records, each read logged
    in the officer's name, or count a reuse (helper-69 raised a province's reused papers so)."""
    if request.headers.get("sec-fetch-site") not in (None, "same-origin", "none"):
        raise OpenedFromElsewhereError


ReadHere = Depends(read_here)


def _require_same_origin(request: Request) -> None:
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is None and origin is None:
        raise CsrfRefusedError("the browser said neither Origin nor Sec-Fetch-Site")
    if site is not None and site != "same-origin":
        raise CsrfRefusedError(f"Sec-Fetch-Site is {site}")
    if origin is not None and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfRefusedError("the Origin is another site")


def start_session(response: Response, request: Request, secret: str) -> None:
    """Give the browser its new session's cookie (see the module for the flags)."""
    response.set_cookie(
        COOKIE, secret, httponly=True, samesite="lax", path="/",
        secure=request.url.scheme == "https",
    )  # fmt: skip


def end_session(response: Response, request: Request) -> None:
    response.delete_cookie(
        COOKIE, httponly=True, samesite="lax", path="/", secure=request.url.scheme == "https"
    )
