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
from starlette.responses import Response
from starlette.types import Scope

from hoso.api.auth import NotAuthenticatedError
from hoso.api.deps import Services, authenticated, client_address
from hoso.api.problems import answer_for_unexpected, problem
from hoso.api.web.routing import to_login
from hoso.api.web.session import COOKIE, LoginRequiredError
from hoso.errors import HosoError
from hoso.storage.accounts import SessionLimits

API_PREFIX = "/api/"  # the API's uploads take a token; the desk UI's, a session


def upload_sender(
    services: Services, session_limits: SessionLimits
) -> Callable[[Scope], str | Response]:
    """A function from a request's scope to its sender's key (`token:ID`, `account:ID`), or
    the answer for a sender who is not let in: the API's problem (401, 429), or for the desk
    UI the way to the login form its pages give. It reads the database: call it off the event
    loop. Either answer closes the connection: the body is never read."""

    def sender(scope: Scope) -> str | Response:
        request = Request(scope)
        try:
            return _key(request)
        except LoginRequiredError:
            answer = to_login(request)
        except HosoError as error:
            headers: dict[str, str] = getattr(error, "headers", None) or {}
            answer = problem(error.http_status, error.code, str(error), headers=headers)
        except Exception as error:  # the database down: 503, as a route would answer
            answer = answer_for_unexpected(error)
        answer.headers["Connection"] = "close"
        return answer

    def _key(request: Request) -> str:
        authorization = request.headers.get("authorization")
        if authorization is not None or request.url.path.startswith(API_PREFIX):
            scheme, _, token = (authorization or "").strip().partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise NotAuthenticatedError()
            address = client_address(request)
            return f"token:{authenticated(services, token.strip(), address).token_id}"
        secret = request.cookies.get(COOKIE)
        live = services.accounts.session(secret, session_limits) if secret else None
        if live is None:
            raise LoginRequiredError()
        return f"account:{live.account.id}"

    return sender
