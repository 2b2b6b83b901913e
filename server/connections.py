"""The HTTP/1.1 protocol `genlab serve` runs: uvicorn's h11 protocol with the two limits a proxy would add.

uvicorn closes an idle connection only after it has answered a request on it, and any byte that arrives
cancels that timer. So a client could open connections and send nothing, or a byte a minute, and hold them
until the process runs out of files and nobody else gets in. This protocol adds:

- a deadline for each request's head: it must have arrived whole within the keep-alive time
  (GENLAB_KEEP_ALIVE_SECONDS) of the connection opening or of the previous answer, else the connection is
  closed, as an idle one would be;
- a cap on the connections one address holds at once (GENLAB_CLIENT_CONNECTIONS): the next is answered
  503 with Retry-After and closed. A trusted proxy's own address (`--forwarded-allow-ips`) is exempt: it
  carries the whole class.

A request's body and the answer are not timed here: reading a body is the body limit's job
(server/limits.py), and the execution path bounds the work (docs/execution.md).
"""

import asyncio
import functools
import json
import logging
from collections import Counter
from weakref import WeakKeyDictionary

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from server.config import Settings

log = logging.getLogger(__name__)

REFUSAL = (b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: %d\r\nContent-Type: application/json\r\n"
           b"Content-Length: %d\r\nConnection: close\r\n\r\n%s")

LINGER_SECONDS = 1.0  # a refused connection is read and dropped this long (the client's request) before closing

# Per server (one per process): each address's open connections, and how many it has had refused.
_counts_by_server: "WeakKeyDictionary[ServerState, tuple[Counter[str], Counter[str]]]" = WeakKeyDictionary()


@functools.cache
def _settings() -> Settings:
    """Read once per process: a protocol object is made for every connection."""
    return Settings()


def _trusted(config: Config) -> set[str]:
    allowed = config.forwarded_allow_ips
    return {a.strip() for a in (allowed.split(",") if isinstance(allowed, str) else allowed or [])}


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, plus the head deadline and the per-address cap above."""

    def __init__(self, config: Config, server_state: ServerState, app_state: dict, _loop=None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self._open, self._refused = _counts_by_server.setdefault(server_state, (Counter(), Counter()))
        self._address: str | None = None  # counted against the cap while open
        self._head_deadline: asyncio.TimerHandle | None = None
        self._refusing = False  # answered 503: what arrives now is dropped

    def connection_made(self, transport: asyncio.Transport) -> None:
        super().connection_made(transport)
        address = self.client[0] if self.client else None
        trusted = _trusted(self.config)
        if address is not None and "*" not in trusted and address not in trusted:
            if self._open[address] >= _settings().client_connections:
                self._refuse(transport, address)
                return
            self._open[address] += 1
            self._address = address
        self._await_head()

    def _refuse(self, transport: asyncio.Transport, address: str) -> None:
        """503 at once, then what the client sends is read and dropped for a moment before closing: a socket
        closed with unread data resets the connection, and the reset would destroy the 503 before it is read."""
        self._refused[address] += 1
        if self._refused[address].bit_count() == 1:  # 1, 2, 4, 8...: a flood cannot flood the log
            log.warning("%s holds %d connections: refused %d more so far", address, self._open[address],
                        self._refused[address])
        body = json.dumps({"detail": f"this address already holds {self._open[address]} connections"}).encode()
        self._refusing = True
        transport.write(REFUSAL % (_settings().retry_after_seconds, len(body), body))
        try:
            transport.write_eof()
        except OSError:  # the client is gone already (it reset the connection while it waited to be accepted)
            transport.abort()
            return
        self.loop.call_later(LINGER_SECONDS, transport.close)

    def data_received(self, data: bytes) -> None:
        if self._refusing:
            return
        super().data_received(data)
        if self._in_request():
            self._cancel_head_deadline()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self._in_request():  # not already reading a pipelined request
            self._await_head()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_head_deadline()
        if self._address is not None:
            self._open[self._address] -= 1
            if not self._open[self._address]:
                del self._open[self._address]
            self._address = None
        super().connection_lost(exc)

    def _in_request(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def _await_head(self) -> None:
        self._cancel_head_deadline()
        if not self.transport.is_closing():
            self._head_deadline = self.loop.call_later(self.timeout_keep_alive, self._head_late)

    def _cancel_head_deadline(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_late(self) -> None:
        """No whole request within the keep-alive time: closed like an idle connection."""
        self._head_deadline = None
        if not self.transport.is_closing():
            self.transport.close()


UVICORN_HTTP = f"{__name__}:{GuardedH11Protocol.__name__}"  # uvicorn's --http / http=
