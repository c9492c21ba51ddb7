"""Logging in and out, and `/`, which sends each person to their role's home.

Failed logins count against the client address and the username in the same `FailureLimiter`
that guards API tokens (20 in 60 s, then 429 with `Retry-After`; per process); each is an
`auth_failed` event. A login always starts a new session and ends the one the browser held.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import RedirectResponse, Response

from hoso.api.deps import ServicesDep, client_address
from hoso.api.web.menu import home_of
from hoso.api.web.pages import pages_of
from hoso.api.web.routing import LOGIN_PATH, page_router, to_login
from hoso.api.web.session import (
    COOKIE,
    CurrentPerson,
    MaybePerson,
    end_session,
    principal_of,
    start_session,
)
from hoso.storage.accounts import MAX_PASSWORD, LoginRefusedError

router = page_router()


@router.get("/")
def landing(request: Request, person: MaybePerson) -> Response:
    if person is None:
        return to_login(request)
    return RedirectResponse(home_of(person.role), status_code=303)


@router.get(LOGIN_PATH)
def login_form(request: Request, person: MaybePerson) -> Response:
    if person is not None:
        return RedirectResponse(home_of(person.role), status_code=303)
    return pages_of(request).render(request, "login.html", {"failed": False}, person=None)


@router.post(LOGIN_PATH)
def login(
    request: Request,
    services: ServicesDep,
    username: Annotated[str, Form(max_length=60)],
    password: Annotated[str, Form(max_length=MAX_PASSWORD)],
) -> Response:
    address = client_address(request)
    keys = (f"address:{address}", f"account:{username.strip().lower()}")
    services.limiter.check(*keys)
    try:
        account, secret = services.accounts.login(username, password, address)
    except LoginRefusedError:
        services.limiter.fail(*keys)
        context = {"failed": True, "username": username}
        return pages_of(request).render(
            request, "login.html", context, person=None, status_code=401
        )
    earlier = request.cookies.get(COOKIE)
    if earlier:
        services.accounts.logout(earlier)  # never two sessions in one browser
    answer = RedirectResponse(home_of(principal_of(account).role), status_code=303)
    start_session(answer, request, secret)
    return answer


@router.post("/logout")
def logout(request: Request, services: ServicesDep, _person: CurrentPerson) -> Response:
    services.accounts.logout(request.cookies.get(COOKIE, ""))
    answer = RedirectResponse(LOGIN_PATH, status_code=303)
    end_session(answer, request)
    return answer
