"""Two genlab replicas behind Debian's nginx, configured by `genlab deploy nginx`, over real sockets: both
replicas serve, a seed gives the same bytes and ETag whichever answers, streams pass unbuffered, a client's
fair share is counted under its own address (not the proxy's), and a lab session stays with its replica."""

import os
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import httpx
import pytest

from server.config import Settings
from server.deploy import nginx_config
from server.spawn import free_port, uvicorn_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
BODY = {"n": 4, "seed": 77}


def _wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"nginx did not answer at {url}")


@pytest.fixture(scope="module")
def deployment(tiny_dir, tmp_path_factory):
    """(proxy URL, [replica URLs]): two uvicorn replicas of the tiny checkpoints, nginx in front."""
    assert os.access(NGINX, os.X_OK), "Debian's nginx is required: make debian-packages (as root) installs it"
    runtime = tmp_path_factory.mktemp("nginx")
    env = {"GENLAB_LAB_SESSIONS": "2", "GENLAB_LAB_START_SECONDS": "120", "GENLAB_CLIENT_SLOTS": "1",
           "GENLAB_CLIENT_QUEUE": "0"}
    with ExitStack() as stack:
        replicas = [stack.enter_context(uvicorn_server(tiny_dir, env))[0] for _ in range(2)]
        listen = f"127.0.0.1:{free_port()}"
        conf = runtime / "nginx.conf"
        conf.write_text(nginx_config([r.removeprefix("http://") for r in replicas], listen, runtime_dir=runtime))
        proxy = subprocess.Popen([NGINX, "-c", str(conf), "-p", str(runtime), "-e", str(runtime / "error.log")])
        stack.callback(proxy.wait, 10)
        stack.callback(proxy.terminate)
        _wait_for(f"http://{listen}")
        yield f"http://{listen}", replicas


def _post_from(address: str, url: str, body: dict) -> httpx.Response:
    """A POST from its own loopback address: a student of its own (fair shares are per address)."""
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=60) as c:
        return c.post(url, json=body)


def _results(url: str) -> dict:
    return httpx.get(f"{url}/readyz").json()["results"]


def test_both_replicas_serve_and_a_seed_gives_the_same_bytes_whichever_answers(deployment):
    proxy, replicas = deployment
    before = [_results(r)["miss"] for r in replicas]
    with ThreadPoolExecutor(8) as pool:  # concurrent, so fewest-connections spreads them
        answers = list(pool.map(lambda s: _post_from(f"127.0.0.{s}", f"{proxy}/api/models/tiny-vae/sample",
                                                     {"n": 4, "seed": s}), range(100, 116)))
    assert all(a.status_code == 200 for a in answers)
    served = [_results(r)["miss"] - b for r, b in zip(replicas, before)]
    assert all(n > 0 for n in served) and sum(served) == 16, served
    direct = [httpx.post(f"{r}/api/models/tiny-vae/sample", json=BODY, timeout=30) for r in replicas]
    through = httpx.post(f"{proxy}/api/models/tiny-vae/sample", json=BODY, timeout=30)
    assert direct[0].content == direct[1].content == through.content
    assert direct[0].headers["etag"] == direct[1].headers["etag"] == through.headers["etag"]


def test_a_stream_passes_the_proxy_event_by_event(deployment):
    proxy, _ = deployment
    arrivals = []
    with httpx.stream("GET", f"{proxy}/api/models/tiny-ddpm/trajectory/stream?n=2&steps=40&every=1&sampler=ddpm",
                      timeout=60) as response:
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                arrivals.append((line.removeprefix("event: "), time.monotonic()))
    names = [name for name, _ in arrivals]
    assert names[-1] == "done" and names.count("step") >= 40
    # unbuffered: the events came over a span of time, not all at once at the end
    assert arrivals[-1][1] - arrivals[0][1] > 0.05


def test_fair_shares_are_counted_per_client_address_behind_the_proxy(deployment):
    """With one slot and no queue per client, a client's concurrent requests are refused 429 beyond the first, but
    six clients (six source addresses, one proxy) at once are not: the replica counts the address nginx passes on,
    not nginx's own."""
    proxy, _ = deployment
    slow = {"n": 2, "steps": 50, "sampler": "ddpm", "every": 1}

    def from_address(address: str) -> int:
        return _post_from(address, f"{proxy}/api/models/tiny-ddpm/trajectory", slow).status_code

    with ThreadPoolExecutor(6) as pool:
        same = list(pool.map(from_address, ["127.0.0.61"] * 6))
        different = list(pool.map(from_address, [f"127.0.0.{70 + i}" for i in range(6)]))
    assert 429 in same, same
    assert different == [200] * 6


def test_a_lab_session_stays_with_the_replica_that_created_it(deployment):
    proxy, _ = deployment
    with httpx.Client(base_url=proxy, timeout=60) as c:
        created = c.post("/api/lab/sessions", json={"family": "gan", "data": "8gaussians"})
        assert created.status_code == 201, created.text
        session = created.json()["id"]
        for _ in range(6):  # every request of this client reaches the replica that holds the session
            assert c.get(f"/api/lab/sessions/{session}").status_code == 200
        assert c.delete(f"/api/lab/sessions/{session}").status_code == 204


def test_the_printed_configuration_names_every_replica_and_refuses_none():
    conf = nginx_config(["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"], "0.0.0.0:80")
    assert conf.count("server 10.0.0.") == 6 and "proxy_buffering off" in conf and "daemon off" not in conf
    with pytest.raises(ValueError):
        nginx_config([], "0.0.0.0:80")


def test_nginx_lets_an_idle_connection_to_a_replica_go_before_the_replica_closes_it():
    """Otherwise a request nginx sends as the replica closes the connection fails, and a POST is not retried."""
    conf = nginx_config(["10.0.0.1:8000"], "0.0.0.0:80")
    idle = [int(line.split()[1].rstrip("s;")) for line in conf.splitlines() if "keepalive_timeout" in line]
    assert len(idle) == conf.count("    upstream ") and max(idle) < Settings.model_fields["keep_alive_seconds"].default
