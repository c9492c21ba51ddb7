"""Limits on what a request may send, enforced before the application reads it (issue 14).

FastAPI parses a multipart body into a temporary file before the route runs, and the route
spools it again while hashing: a 2 GiB upload that was going to be refused cost 4 GiB of disk
first, and a client sending a byte now and then held a connection for as long as it liked.
So, in front of the application (pure ASGI: nothing is buffered here):

- a route that takes a file (`UPLOAD_ROUTES`) refuses a declared `Content-Length` over its cap
  (the file's cap plus multipart overhead) with 413 before a byte of the body is read, and cuts
  a body that grows past the cap without declaring its length (chunked) the same way; every
  other request's body (a form, a JSON object of a few fields) is held to
  `MAX_OTHER_BODY_BYTES` the same way (the login form had no cap: a reviewing helper had
  500 MB spooled for one anonymous POST);
- an upload's sender must be let in before its body is read: a valid API token or desk session
  (`hoso.api.senders`), else 401 at once (anonymous uploads had been read whole, to the cap,
  before the route refused them);
- a request body that sends nothing for `idle_seconds` is cut with 408 (slowloris);
- one API token (or one person of the desk UI) sends at most `uploads_per_token` files at
  once; one more answers 429 with `Retry-After`. The count is by who the sender is, not by
  the text of a header.

Every such answer is an RFC 9457 problem with `Connection: close`: the rest of the body is never
read. Counts live in this process, like the failed-authentication limiter.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import anyio
from fastapi.responses import JSONResponse
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.api.problems import problem
from hoso.api.routes.results import MAX_RESULT_BYTES
from hoso.api.routes.signatures import MAX_VERIFY_BYTES
from hoso.digitize.errors import InputTooLargeError
from hoso.errors import HosoError
from hoso.settings import HosoSettings
from hoso.storage.intake import MAX_BULK_BYTES, MAX_UPLOAD_BYTES, UploadTooLargeError

MULTIPART_OVERHEAD = 64 * 1024  # boundaries, part headers (a long file name), small form fields
MAX_OTHER_BODY_BYTES = 2**20  # a form or JSON object: the largest is a record's metadata, ~10 kB
RETRY_AFTER_SECONDS = 5  # a busy station's next try: about when one of its uploads may be done


@dataclass(frozen=True)
class UploadRoute:
    """A route that takes a file: its method and path, the largest file it keeps, and the error
    that refuses a bigger one (so the problem `code` is the one the route itself answers)."""

    method: str
    path: re.Pattern[str]
    max_file_bytes: int
    too_large: type[HosoError]

    @property
    def max_body_bytes(self) -> int:
        return self.max_file_bytes + MULTIPART_OVERHEAD

    def matches(self, scope: Scope) -> bool:
        return scope["method"] == self.method and self.path.fullmatch(scope["path"]) is not None

    def refusal(self) -> JSONResponse:
        mib = self.max_file_bytes // 2**20
        return _closing(413, self.too_large.code, f"files over {mib} MiB are refused here")


UPLOAD_ROUTES = (
    UploadRoute(
        "POST", re.compile(r"/api/v1/batches/[^/]+/files"), MAX_UPLOAD_BYTES, UploadTooLargeError
    ),
    UploadRoute(  # several files in one request: their bytes together
        "POST", re.compile(r"/api/v1/batches/[^/]+/files/bulk"), MAX_BULK_BYTES, UploadTooLargeError
    ),
    UploadRoute(  # a rescan replacing a failed document's original
        "POST",
        re.compile(r"/api/v1/documents/[^/]+/replace"),
        MAX_UPLOAD_BYTES,
        UploadTooLargeError,
    ),
    UploadRoute("POST", re.compile(r"/api/v1/verify"), MAX_VERIFY_BYTES, InputTooLargeError),
    UploadRoute(  # a dossier's result to sign and issue
        "POST",
        re.compile(r"/api/v1/dossiers/[^/]+/results"),
        MAX_RESULT_BYTES,
        InputTooLargeError,
    ),
)


@dataclass(frozen=True)
class UploadLimits:
    """How long a body may stall and how many uploads one token sends at once (`hoso.settings`
    reads them: `HOSO_UPLOAD_IDLE_SECONDS`, `HOSO_UPLOADS_PER_TOKEN`)."""

    idle_seconds: float
    uploads_per_token: int
    routes: tuple[UploadRoute, ...] = UPLOAD_ROUTES

    @classmethod
    def from_settings(cls, settings: HosoSettings | None = None) -> UploadLimits:
        """The configured limits; without settings, the defaults of `HosoSettings`."""
        chosen = settings or HosoSettings()
        return cls(chosen.upload_idle_seconds, chosen.uploads_per_token)


# Who sends an upload, from the request's headers (`hoso.api.senders`): the key it is counted
# under, or the answer for a sender who is not let in. Blocking: run in a thread.
Identify = Callable[[Scope], str | Response]


class BodyLimits:
    """Pure ASGI middleware: the size, idle and concurrency limits above, per request."""

    def __init__(self, app: ASGIApp, limits: UploadLimits, identify: Identify) -> None:
        self.app = app
        self.limits = limits
        self.identify = identify
        self._uploading: Counter[str] = Counter()  # uploads in progress per sender

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = next((r for r in self.limits.routes if r.matches(scope)), None)
        cap = route.max_body_bytes if route is not None else MAX_OTHER_BODY_BYTES
        refusal = route.refusal if route is not None else _too_large
        declared = _content_length(scope)
        if declared is not None and declared > cap:
            await refusal()(scope, receive, send)
            return
        if route is None:
            await self._watched(scope, receive, send, cap, refusal)
            return
        sender = await anyio.to_thread.run_sync(self.identify, scope)
        if not isinstance(sender, str):
            await sender(scope, receive, send)
            return
        await self._counted(scope, receive, send, route, sender)

    async def _counted(
        self, scope: Scope, receive: Receive, send: Send, route: UploadRoute, sender: str
    ) -> None:
        """Run an upload if its sender has a free slot, else answer 429. No await between the
        check and the count: the event loop cannot let another request in between."""
        if self._uploading[sender] >= self.limits.uploads_per_token:
            await _busy(self.limits.uploads_per_token)(scope, receive, send)
            return
        self._uploading[sender] += 1
        try:
            await self._watched(scope, receive, send, route.max_body_bytes, route.refusal)
        finally:
            self._uploading[sender] -= 1
            if self._uploading[sender] <= 0:
                del self._uploading[sender]

    async def _watched(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        cap: int,
        refusal: Callable[[], JSONResponse],
    ) -> None:
        guard = _BodyGuard(scope, receive, send, self.limits.idle_seconds, cap, refusal)
        await self.app(scope, guard.receive, guard.send)


class _BodyGuard:
    """One request's receive and send, watched. A body that stalls or outgrows its route's cap is
    answered here (408, 413); the application then sees a disconnect, and its own answer to the
    body it never got whole is dropped."""

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        idle_seconds: float,
        cap: int,
        refusal: Callable[[], JSONResponse],
    ) -> None:
        self.scope, self._receive, self._send = scope, receive, send
        self.idle_seconds, self.cap, self.refusal = idle_seconds, cap, refusal
        self.received = 0
        self.body_done = False
        self.started = False  # the application began its answer
        self.answered = False  # this guard answered instead

    async def receive(self) -> Message:
        if self.answered:
            return {"type": "http.disconnect"}
        if self.body_done:  # e.g. a streamed answer waiting for a disconnect: no idle limit
            return await self._receive()
        try:
            message = await asyncio.wait_for(self._receive(), self.idle_seconds)
        except TimeoutError:
            detail = f"no part of the request body arrived for {self.idle_seconds:g} s"
            return await self._cut(_closing(408, "request_timeout", detail + "; send it again"))
        if message["type"] == "http.request":
            self.received += len(message.get("body", b""))
            self.body_done = not message.get("more_body", False)
            if self.received > self.cap:
                return await self._cut(self.refusal())
        return message

    async def send(self, message: Message) -> None:
        if self.answered:
            return
        if message["type"] == "http.response.start":
            self.started = True
        await self._send(message)

    async def _cut(self, answer: JSONResponse) -> Message:
        """Answer for the application unless it has begun answering; either way the body ends."""
        if not self.started:
            self.answered = True
            await answer(self.scope, self._receive, self._send)
        return {"type": "http.disconnect"}


def _closing(
    status: int, code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    """A problem after which the connection closes: the unread rest of the body is dropped."""
    return problem(status, code, detail, headers={"Connection": "close", **(headers or {})})


def _too_large() -> JSONResponse:
    detail = f"request bodies over {MAX_OTHER_BODY_BYTES // 1024} KiB are refused here"
    return _closing(413, "request_too_large", detail)


def _busy(limit: int) -> JSONResponse:
    detail = (
        f"this token is already sending {limit} file(s) at once; "
        f"send this one again when one of them is done"
    )
    return _closing(429, "too_many_uploads", detail, {"Retry-After": str(RETRY_AFTER_SECONDS)})


def _header(scope: Scope, name: bytes) -> bytes | None:
    """A request header's value (ASGI gives the names lower-case)."""
    return next((value for key, value in scope["headers"] if key == name), None)


def _content_length(scope: Scope) -> int | None:
    raw = _header(scope, b"content-length")
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None  # the HTTP server refuses a malformed length itself
