"""Security headers on every HTTP answer (issue 14, hygiene; issue 15, the desk UI).

Most answers carry personal data (papers, names, ID numbers): nothing may be cached by a browser
or a proxy (`Cache-Control: no-store`), sniffed into another type, framed by another site, or leak
its address through a Referer. Three policies, by path:

- the API (`/api/`, `/metrics`): everything forbidden, no referrer;
- the API documentation page: only what Swagger UI needs from this same server;
- the desk UI (everything else): its own scripts, styles and images only, no inline script, no
  framing, forms only to itself. Its referrer policy is `same-origin`, not `no-referrer`: with
  `no-referrer` a browser sends `Origin: null` on a same-origin POST, and the UI's CSRF guard
  checks that header (`hoso.api.web.session`); other sites still get no referrer. The UI's
  static files (`/static/`, no personal data) may be cached and revalidated.

An answer that sets one of these headers itself keeps its own: that is the hook for content the
UI's own pages embed (the browser's PDF viewer in a document page), `embeddable_by_own_pages`.
HSTS is sent only over TLS (a reverse proxy that terminates TLS must pass `X-Forwarded-Proto`,
and uvicorn must trust it).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.api.docs import DOCS_PATH

API_PREFIXES = ("/api/", "/metrics")  # the rest is the desk UI
STATIC_PREFIX = "/static/"
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
UI_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "object-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
# A response shown inside the UI's own pages (a PDF in an <iframe> or <object>): framed by
# this site only, and itself allowed nothing (a PDF viewer needs no script of the document).
EMBEDDED_POLICY = "default-src 'none'; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
COMMON = {
    b"x-content-type-options": b"nosniff",
    b"x-frame-options": b"DENY",
    b"cross-origin-resource-policy": b"same-origin",
}
HSTS = b"max-age=31536000; includeSubDomains"


def _by_path(path: str) -> dict[bytes, bytes]:
    """The headers that depend on what is answered: API, its docs, the UI or the UI's files."""
    if path.startswith(DOCS_PATH):
        return {
            b"content-security-policy": DOCS_POLICY.encode(),
            b"referrer-policy": b"no-referrer",
        }
    if path.startswith(API_PREFIXES):
        return {
            b"content-security-policy": API_POLICY.encode(),
            b"referrer-policy": b"no-referrer",
            b"cache-control": b"no-store",
        }
    return {
        b"content-security-policy": UI_POLICY.encode(),
        b"referrer-policy": b"same-origin",
        b"cache-control": b"no-cache" if path.startswith(STATIC_PREFIX) else b"no-store",
    }


def embeddable_by_own_pages(headers: MutableHeaders) -> None:
    """Let the UI's own pages frame this answer (and no other site): for the PDF a document
    page shows in the browser's viewer. Set on the route's response (`response.headers`)."""
    headers["content-security-policy"] = EMBEDDED_POLICY
    headers["x-frame-options"] = "SAMEORIGIN"


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the response start, streams untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {**COMMON, **_by_path(str(scope.get("path", "")))}
        if scope.get("scheme") == "https":
            headers[b"strict-transport-security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
