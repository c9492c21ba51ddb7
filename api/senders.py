"""Who sends an upload, known from the request's headers alone.

`hoso.api.limits` asks before it lets a byte of an upload's body through: a sender without a
valid API token or desk session is refused at once (a reviewing helper's anonymous uploads had
100 MiB spooled each before their 401, and eight at a time held 320 MiB of disk), and uploads
are counted per token or per person logged in, not per spelling of a header (`Bearer`,
`bearer`, `BEARER`… had each counted apart: 64 × the limit for one token).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.types import Scope

from hoso.api.auth import NotAuthenticatedError
from hoso.api.deps import Services, authenticated
from hoso.api.web.session import COOKIE, LoginRequiredError
from hoso.storage.accounts import SessionLimits


def upload_sender(services: Services, session_limits: SessionLimits) -> Callable[[Scope], str]:
    """A function from a request's scope to its sender's key (`token:ID`, `account:ID`); it
    raises the `HosoError` to answer a sender who is not let in. It reads the database: call
    it off the event loop."""

    def sender(scope: Scope) -> str:
        request = Request(scope)
        authorization = request.headers.get("authorization")
        if authorization is not None:
            scheme, _, token = authorization.strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticatedError()
            address = request.client.host if request.client else "unknown"
            return f"token:{authenticated(services, token.strip(), address).token_id}"
        secret = request.cookies.get(COOKIE)
        live = services.accounts.session(secret, session_limits) if secret else None
        if live is None:
            raise LoginRequiredError()
        return f"account:{live.account.id}"

    return sender
