"""Issue 12, points 1, 2, 5, 6 and 7, reproduced over real HTTP against uvicorn serving the shipped
checkpoints: what one careless or hostile client could do to a lecture, and what it now gets."""

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx
import pytest

from server.spawn import REPO, uvicorn_server

# Budgets are priced from per-evaluation times measured at start-up, which a busy test machine
# inflates: this server's budget is out of the way, and the budget test uses the default server.
ENV = {"GENLAB_INFERENCE_SLOTS": "2", "GENLAB_LIGHT_SLOTS": "2", "GENLAB_SLOT_WAIT_SECONDS": "1",
       "GENLAB_STREAM_WRITE_TIMEOUT_SECONDS": "2", "GENLAB_MAX_REQUEST_SECONDS": "3600"}
# ~20 s of DDPM work on 2 cores (1000 guided steps on 8 digits): long enough to hold a slot
LONG = {"n": 8, "steps": 1000, "sampler": "ddpm", "label": 3, "seed": 1, "every": 10}


@pytest.fixture(scope="module")
def server():
    with uvicorn_server(REPO / "checkpoints", env=ENV) as (url, _):
        yield url


def client_at(address: str, timeout: float = 30) -> httpx.Client:
    """A client whose requests come from its own loopback address: fair shares are per address."""
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=timeout)


def busy_slots(url: str) -> int:
    return httpx.get(f"{url}/readyz").json()["slots"]["busy"]


def wait_until_idle(url: str, seconds: float) -> float:
    """Seconds until no slot is busy; fails the test past `seconds`."""
    start = time.monotonic()
    while busy_slots(url):
        assert time.monotonic() - start < seconds, f"slots still busy after {seconds} s"
        time.sleep(0.05)
    return time.monotonic() - start


def abandon(url: str, path: str, body: dict, address: str, after: float) -> int | None:
    """Send a POST and hang up after `after` seconds; the status if an answer (a refusal) came first."""
    with client_at(address, timeout=after) as c:
        try:
            return c.post(f"{url}{path}", json=body).status_code
        except httpx.TimeoutException:
            return None


def test_a_request_over_the_budget_is_refused_at_once_naming_the_limit(live_server):
    """It once ran 3.5 minutes on 2 cores; under the default 30 s budget it is refused before it starts."""
    r = httpx.post(f"{live_server}/api/models/ddpm-mnist/trajectory", timeout=10,
                   json={"n": 64, "steps": 1000, "sampler": "ddpm", "label": 3})
    assert r.status_code == 422
    assert "GENLAB_MAX_REQUEST_SECONDS" in r.json()["detail"] and "2000 network evaluations" in r.json()["detail"]
    assert busy_slots(live_server) == 0


def test_a_post_whose_client_leaves_frees_its_slot_at_once(server):
    assert abandon(server, "/api/models/ddpm-mnist/trajectory", LONG, "127.0.0.21", after=1.5) is None
    assert wait_until_idle(server, 3) < 3  # the sampler stopped at its next step, not after ~20 s


def test_one_client_cannot_hold_every_slot(server):
    hog = threading.Thread(target=abandon, args=(server, "/api/models/ddpm-mnist/trajectory", LONG, "127.0.0.22", 6))
    hog.start()
    try:
        time.sleep(1)
        with client_at("127.0.0.22") as same:  # its second long request waits for its own share, then 503
            second = same.post(f"{server}/api/models/ddpm-mnist/trajectory", json=LONG)
        assert second.status_code == 503 and int(second.headers["retry-after"]) > 0
        with client_at("127.0.0.23") as other:  # another client still gets the other heavy slot
            r = other.post(f"{server}/api/models/ddpm-mnist/sample", json={"n": 4, "seed": 1})
        assert r.status_code == 200
    finally:
        hog.join()
    wait_until_idle(server, 3)


def test_cheap_requests_are_served_while_expensive_work_fills_the_heavy_lane(server):
    hogs = [threading.Thread(target=abandon, args=(server, "/api/models/ddpm-mnist/trajectory", LONG, f"127.0.0.{30 + i}", 5))
            for i in range(4)]
    for hog in hogs:
        hog.start()
    try:
        time.sleep(1)
        assert busy_slots(server) >= 2
        with client_at("127.0.0.40") as student:
            for seed in range(5):
                r = student.post(f"{server}/api/models/vae-mnist/sample", json={"n": 16, "seed": seed})
                assert r.status_code == 200
    finally:
        for hog in hogs:
            hog.join()
    wait_until_idle(server, 3)


def test_health_answers_at_once_under_overload(server):
    """The threadpool full of model work once kept /healthz waiting up to 1.8 s. (The p99 <= 50 ms
    target is measured by `genlab bench abuse`; this asserts a bound ten times looser.)"""
    with ThreadPoolExecutor(24) as pool:
        for i in range(24):
            pool.submit(abandon, server, "/api/models/ddpm-mnist/sample", {"n": 16, "seed": i}, f"127.0.1.{i}", 4)
        time.sleep(1)
        latencies = []
        for _ in range(20):
            start = time.monotonic()
            assert httpx.get(f"{server}/healthz").status_code == 200
            latencies.append(time.monotonic() - start)
    assert max(latencies) < 0.5, latencies
    wait_until_idle(server, 5)


def _open_stream_and_never_read(url: str, query: str) -> socket.socket:
    """A reader that asks for a stream and then takes nothing: its receive buffer kept tiny."""
    host, port = urlsplit(url).hostname, urlsplit(url).port
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((host, port))
    sock.sendall(f"GET /api/models/ddpm-mnist/trajectory/stream?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
    return sock


def test_a_reader_that_takes_no_events_is_dropped_and_its_slot_freed(server):
    # 200 unguided steps of 64 digits, every step an event of two 64-digit grids: megabytes in all
    sock = _open_stream_and_never_read(server, "n=64&steps=200&every=1&seed=2")
    try:
        time.sleep(1)
        assert busy_slots(server) == 1
        assert wait_until_idle(server, 30) < 30  # the write timed out (2 s here) and the stream ended
    finally:
        sock.close()


def test_a_stream_frees_its_slot_within_a_step_of_a_disconnect(server):
    with httpx.stream("GET", f"{server}/api/models/ddpm-mnist/trajectory/stream?n=8&steps=500&every=1&seed=3",
                      timeout=30) as r:
        for line in r.iter_lines():
            if line.startswith("event: step"):
                break
    assert wait_until_idle(server, 2) < 2


def test_an_oversized_chunked_body_is_413(server):
    def chunks():
        for _ in range(30):
            yield b"x" * 100_000  # 3 MB with no Content-Length

    r = httpx.post(f"{server}/api/models/vae-mnist/reconstruct", content=chunks(),
                   headers={"content-type": "application/json"})
    assert r.status_code == 413 and "exceeds" in r.json()["detail"]


def test_types_are_strict_and_the_schema_says_what_is_accepted(server):
    r = httpx.post(f"{server}/api/models/vae-mnist/sample", json={"n": True})
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "n"]
    assert httpx.post(f"{server}/api/models/vae-mnist/sample", json={"n": "4"}).status_code == 422
    assert httpx.post(f"{server}/api/models/vae-mnist/sample", json={"temperature": False}).status_code == 422
    assert httpx.post(f"{server}/api/models/vae-mnist/reconstruct", json={"image": ""}).status_code == 422
    schema = httpx.get(f"{server}/openapi.json").json()["components"]["schemas"]["ImageRequest"]["properties"]["image"]
    data_url = next(option for option in schema["anyOf"] if option.get("type") == "string")
    assert data_url["minLength"] > 0 and data_url["pattern"].startswith("^data:image/")
