"""Server-Sent Events that cannot hold a slot hostage.

Each event is computed in a worker thread (one sampler step at a time). While a step runs, the
response also listens for the client's disconnect; a disconnect stops the work after the current
step. Every write has a timeout: a reader that has not taken an event within it is dropped, since
otherwise a full socket buffer would block the sampler, and its slot, forever. When a step takes
longer than the keep-alive interval, a comment line keeps proxies from closing the connection.
Whatever way the stream ends, the slot is released exactly once.
"""

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.tickets import WorkStopped

log = logging.getLogger("genlab.streams")
KEEPALIVE = b": keep-alive\n\n"


def sse(event: str, data: dict) -> bytes:
    """One Server-Sent Event: `event: NAME` and one JSON `data:` line."""
    return f"event: {event}\ndata: {json.dumps(data)}\n\n".encode()


class SlowReader(Exception):
    """The client did not take an event within the write timeout."""


class EventStreamResponse(Response):
    """A Response (so routes can declare it and the OpenAPI says text/event-stream) that writes its own
    events rather than a body."""

    media_type = "text/event-stream"

    def __init__(self, events: Iterator[tuple[str, dict]], run: Callable[[Callable[[], Any]], Any],
                 cancel: Callable[[], None], release: Callable[[], None],
                 submit: Callable[[Callable[[], Any]], Awaitable[Any]],
                 keepalive_seconds: float, write_timeout_seconds: float):
        self._events = events
        self._run = run  # runs a function under the request's ticket (deadline and cancellation checks)
        self._cancel = cancel
        self._release = release
        self._submit = submit  # runs a function in one of the lane's worker threads
        self._keepalive = keepalive_seconds
        self._write_timeout = write_timeout_seconds
        self.background = None

    def _next_event(self) -> tuple[bytes, bool] | None:
        """The next event encoded in the worker thread, and whether it is the last; a run stopped at its
        deadline ends with an `error` event."""
        try:
            item = self._run(lambda: next(self._events, None))
        except WorkStopped as exc:
            return sse("error", {"detail": str(exc)}), True
        return None if item is None else (sse(*item), False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        disconnected = asyncio.ensure_future(_wait_for_disconnect(receive))
        try:
            await self._write(send, {"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"text/event-stream; charset=utf-8"), (b"cache-control", b"no-store"),
                (b"x-accel-buffering", b"no")]})
            while (produced := await self._produce(send, disconnected)) is not None:
                chunk, last = produced
                await self._write(send, {"type": "http.response.body", "body": chunk, "more_body": not last})
                if last:
                    return
            await self._write(send, {"type": "http.response.body", "body": b"", "more_body": False})
        except SlowReader:
            self._cancel()
            log.warning("dropped a stream reader that took no event for %g s", self._write_timeout)
        finally:
            disconnected.cancel()
            self._release()

    async def _produce(self, send: Send, disconnected: asyncio.Future) -> tuple[bytes, bool] | None:
        """The next chunk; keep-alives while it is computed; None at the end or once the client left."""
        step = asyncio.ensure_future(self._submit(self._next_event))
        while True:
            done, _ = await asyncio.wait({step, disconnected}, timeout=self._keepalive,
                                         return_when=asyncio.FIRST_COMPLETED)
            if disconnected in done:
                self._cancel()  # the running step finishes; the next checkpoint raises
                await asyncio.wait({step})
                return None
            if step in done:
                return step.result()
            await self._write(send, {"type": "http.response.body", "body": KEEPALIVE, "more_body": True})

    async def _write(self, send: Send, message: dict) -> None:
        try:
            with anyio.fail_after(self._write_timeout):
                await send(message)
        except TimeoutError:
            raise SlowReader from None


async def _wait_for_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
