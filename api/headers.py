"""Security headers on every HTTP answer (issue 14, hygiene).

Most answers carry personal data (papers, names, ID numbers): nothing may be cached by a browser
or a proxy (`Cache-Control: no-store`), sniffed into another type, framed by another site, or leak
its address through a Referer. The policy forbids everything to API answers; the documentation
page gets only what Swagger UI needs from this same server. HSTS is sent only over TLS (a
reverse proxy that terminates TLS must pass `X-Forwarded-Proto`, and uvicorn must trust it).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hoso.api.docs import DOCS_PATH

API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
COMMON = {
    b"x-content-type-options": b"nosniff",
    b"referrer-policy": b"no-referrer",
    b"x-frame-options": b"DENY",
    b"cross-origin-resource-policy": b"same-origin",
}
HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """Pure ASGI middleware: adds the headers to the response start, streams untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(COMMON)
        is_docs = str(scope.get("path", "")).startswith(DOCS_PATH)
        headers[b"content-security-policy"] = (DOCS_POLICY if is_docs else API_POLICY).encode()
        if not is_docs:
            headers[b"cache-control"] = b"no-store"
        if scope.get("scheme") == "https":
            headers[b"strict-transport-security"] = HSTS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in headers.items() if k not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)
