"""One client cannot hold the server's connections (server/connections.py), over real sockets to a uvicorn run as
`genlab serve` runs it, with a 2 s keep-alive and a cap of 3 connections an address. Each test sends from its own
loopback address, as distinct clients would."""

import asyncio
import json
import select
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from server import connections
from server.config import Settings
from server.spawn import uvicorn_server

KEEP_ALIVE = 2
CAP = 3


@pytest.fixture(scope="module")
def server(tiny_dir):
    """(base URL, port) of the guarded server."""
    env = {"GENLAB_KEEP_ALIVE_SECONDS": str(KEEP_ALIVE), "GENLAB_CLIENT_CONNECTIONS": str(CAP)}
    with uvicorn_server(tiny_dir, env=env) as (url, _):
        yield url, urlsplit(url).port


def _connect(port: int, address: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(address, 0))


def _closed(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (without waiting)."""
    if not select.select([sock], [], [], 0)[0]:
        return False
    try:
        return sock.recv(65536) == b""
    except ConnectionResetError:
        return True


def _seconds_until_closed(sock: socket.socket, trickle: bytes | None = None, limit: float = 4 * KEEP_ALIVE) -> float:
    """How long the server keeps `sock` open, sending `trickle` every 0.2 s meanwhile; `limit` if it never closes."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if _closed(sock):
            return time.monotonic() - start
        if trickle:
            try:
                sock.sendall(trickle)
            except OSError:
                return time.monotonic() - start
        time.sleep(0.2)
    return limit


def test_a_connection_that_sends_nothing_is_closed_after_the_keep_alive_time(server):
    with _connect(server[1], "127.0.4.1") as sock:
        assert KEEP_ALIVE - 0.5 < _seconds_until_closed(sock) < KEEP_ALIVE + 1.5


def test_a_request_head_trickled_a_line_at_a_time_is_cut_off(server):
    """Each byte used to put off uvicorn's own timer: a client could hold a connection with a line a minute."""
    with _connect(server[1], "127.0.4.2") as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert _seconds_until_closed(sock, trickle=b"X-Slow: 1\r\n") < KEEP_ALIVE + 1.5


def test_a_client_that_keeps_asking_keeps_its_connection(server):
    with httpx.Client(base_url=server[0], transport=httpx.HTTPTransport(local_address="127.0.4.3")) as client:
        events = []
        for _ in range(6):  # 3 s of requests, each well within the keep-alive time of the last answer
            response = client.get("/healthz", extensions={"trace": lambda name, info: events.append(name)})
            assert response.status_code == 200
            time.sleep(KEEP_ALIVE / 4)
        assert events.count("connection.connect_tcp.complete") == 1


def test_an_address_over_its_connections_is_refused_and_others_are_served(server):
    url, port = server
    held = [_connect(port, "127.0.4.4") for _ in range(CAP)]
    try:
        with _connect(port, "127.0.4.4") as extra:  # sending its request at once, as a browser does
            extra.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            answer = extra.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 503") and b"Retry-After: " in head
        assert f"holds {CAP} connections" in json.loads(body)["detail"]  # the error shape of every other refusal
        with httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address="127.0.4.5")) as other:
            assert other.get("/healthz").status_code == 200
    finally:
        for sock in held:
            sock.close()
    deadline = time.monotonic() + 2  # the server counts the closed ones down as it sees them go
    while True:
        with httpx.Client(base_url=url, transport=httpx.HTTPTransport(local_address="127.0.4.4")) as again:
            try:
                if again.get("/healthz").status_code == 200:
                    break
            except httpx.HTTPError:
                pass
        assert time.monotonic() < deadline, "the address stayed refused after closing its connections"
        time.sleep(0.1)


class _Transport(asyncio.Transport):
    """A connection from `address` as the protocol sees it; `gone`: the client reset it before it was accepted."""

    def __init__(self, address: str, gone: bool = False):
        super().__init__()
        self.address, self.gone, self.written, self.state = address, gone, b"", "open"

    def get_extra_info(self, name, default=None):
        return {"peername": (self.address, 40000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def write(self, data):
        self.written += data

    def write_eof(self):
        if self.gone:
            raise OSError(107, "Transport endpoint is not connected")

    def is_closing(self):
        return self.state != "open"

    def close(self):
        self.state = "closed"

    def abort(self):
        self.state = "aborted"


def test_a_client_gone_before_its_refusal_is_aborted_without_an_error(monkeypatch):
    """Under a flood a refused client may reset the connection before the server gets to it: writing the 503's end
    then fails, and that must not escape into the event loop's log as an exception."""
    async def app(scope, receive, send):
        pass

    monkeypatch.setattr(connections, "_settings", lambda: Settings(client_connections=1))
    config, state = Config(app=app, forwarded_allow_ips="", log_config=None), ServerState()  # leaves logging alone

    held, gone = _Transport("10.1.1.1"), _Transport("10.1.1.1", gone=True)
    loop = asyncio.new_event_loop()  # never run: the protocol only schedules on it (a browser test's loop may be running)
    try:
        for transport in (held, gone):
            connections.GuardedH11Protocol(config, state, {}, _loop=loop).connection_made(transport)
    finally:
        loop.close()
    assert held.state == "open" and gone.state == "aborted" and gone.written.startswith(b"HTTP/1.1 503")
