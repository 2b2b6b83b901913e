"""ASGI middleware capping request bodies (413), so an oversized upload is refused before parsing.

A declared Content-Length over the cap is refused at once. A chunked body has no length, so the
body is read here, counting, before the app sees any of it: an overflow is refused with 413
instead of reaching the app's body parser as a broken stream (which answered 400). Bodies are
small (the cap is 2 MB), so holding one in memory is cheap; the app then receives it whole, and
its later receive() calls go straight to the server (that is how it learns of a disconnect).
"""

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await self._refuse(send)
        body = await self._read_body(receive)
        if body is None:
            return await self._refuse(send)
        await self.app(scope, _replay(body, receive), send)

    async def _read_body(self, receive: Receive) -> Message | None:
        """The whole body as one http.request message (or the disconnect, if the client left); None once
        it passes the cap."""
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return message
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            if size > self.max_bytes:
                return None
            if not message.get("more_body", False):
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"detail": f"request body exceeds {self.max_bytes} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


def _replay(first: Message, receive: Receive) -> Receive:
    """A receive() that returns the buffered body once, then the server's own messages."""
    pending = [first]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed
