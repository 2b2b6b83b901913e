"""Security headers on every response and a Host allow-list, as pure ASGI middleware.

Pure ASGI rather than BaseHTTPMiddleware: the latter buffers through a task group and breaks
Server-Sent Events (the diffusion stream); adding headers to `http.response.start` leaves the body,
streamed or not, untouched.
"""

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.config import Settings

_CSP = {
    "default-src": "'self'",
    "img-src": "'self' data: blob:",  # digits arrive as PNG data URLs; canvases export blobs
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",  # no clickjacking: nobody may frame genlab
}
# ReDoc's styled-components inject <style> elements and its search index runs in a blob: worker.
_REDOC_CSP = {**_CSP, "style-src": "'self' 'unsafe-inline'", "worker-src": "'self' blob:"}
_RELAXED = {"/redoc": _REDOC_CSP}


def _header(policy: dict[str, str]) -> bytes:
    return "; ".join(f"{name} {sources}" for name, sources in policy.items()).encode()


def _headers(policy: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(b"content-security-policy", _header(policy)),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer")]


class SecurityHeaders:
    """Adds CSP, nosniff and Referrer-Policy to every HTTP response, errors and streams included."""

    def __init__(self, app: ASGIApp):
        self.app = app
        self.default = _headers(_CSP)
        self.relaxed = {path: _headers(policy) for path, policy in _RELAXED.items()}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        extra = self.relaxed.get(scope["path"], self.default)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _hostname(host_header: str) -> str:
    """The Host header without its port; an IPv6 literal keeps its brackets ("[::1]:8000" -> "[::1]")."""
    if host_header.startswith("["):
        return host_header.split("]")[0] + "]"
    return host_header.split(":")[0]


class HostAllowList(TrustedHostMiddleware):
    """Starlette's Host check (the same wildcard rules), answering in the API's one error shape."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.allow_any:
            return await self.app(scope, receive, send)
        host = _hostname(Headers(scope=scope).get("host", ""))
        if any(host == pattern or (pattern.startswith("*") and host.endswith(pattern[1:]))
               for pattern in self.allowed_hosts):
            return await self.app(scope, receive, send)
        await JSONResponse({"detail": f"host {host!r} is not served here (GENLAB_ALLOWED_HOSTS)"},
                           status_code=400)(scope, receive, send)


def add_security(app: FastAPI, settings: Settings) -> None:
    """Install the Host allow-list, then the headers outside it so its 400s carry them too.

    Call it last: middleware added later wraps the earlier ones, so these see every response."""
    app.add_middleware(HostAllowList, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(SecurityHeaders)
