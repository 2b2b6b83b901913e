"""`genlab bench abuse`: do well-behaved clients still get quick answers while hostile ones attack?

16 well-behaved clients use the light routes, one request at a time with a short pause, while 9
hostile ones send the most expensive requests the API allows and ones just under the server's
compute budget, open Server-Sent Event streams and never read them, upload 4096-pixel images and
decompression bombs, and open connections (20 a second) without ever finishing a request. Each client
has its own loopback source address, as distinct users would, so the server's per-address fairness is
what gets measured. Traffic never leaves the loopback interface.
Every loop is bounded in time, so the run stops by itself; each figure is printed beside its target.
"""

import itertools
import json
import logging
import multiprocessing
import re
import socket
import statistics
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from server import hostile_uploads
from server.bench_clients import (
    JSON,
    describe_machine,
    loopback_client,
    peak_rss_gb,
    percentile,
    request_outcome,
    require_loopback,
)
from server.spawn import REPO, uvicorn_server

WELL_BEHAVED, HOSTILE = 16, 9
TARGETS = {"p99_ms": 1000, "failures": 0, "busy_share": 0.01, "peak_rss_gb": 1.5, "slots_free_seconds": 5,
           "health_p99_ms": 50}
HEALTH_EVERY = 0.1  # seconds between two health probes (a load balancer's view of the server)
SLOTS_WAIT = 60.0  # how long to wait for the slots to come free before reporting that they did not
HOSTILE_PAUSE = 0.05  # seconds between a hostile client's requests: an attack on cost and fairness, not a flood


@dataclass(frozen=True)
class AbuseModels:
    """The models the clients use (tests point these at tiny checkpoints)."""

    vae: str = "vae-mnist"
    gan: str = "dcgan-mnist"
    ddpm: str = "ddpm-mnist"
    max_steps: int = 1000  # the API's limit; the diffusion model's T when that is smaller
    label: int = 3


def light_requests(models: AbuseModels, digit: str) -> list[tuple[str, str, bytes | None]]:
    body = {"n": 16}
    return [("POST", f"/api/models/{models.vae}/sample", json.dumps(body).encode()),
            ("POST", f"/api/models/{models.gan}/sample", json.dumps(body).encode()),
            ("POST", f"/api/models/{models.vae}/reconstruct", json.dumps({"image": digit}).encode()),
            ("GET", "/api/data/digits", None), ("GET", "/healthz", None)]


def well_behaved(url: str, address: str, requests: Iterable, stop_at: float, think: float) -> list[tuple[float, str]]:
    """One polite client: a light request, its answer, a pause; (latency ms, outcome) for each."""
    results = []
    most = int((stop_at - time.monotonic()) / max(think, 0.01)) + 1
    with loopback_client(url, address) as client:
        for method, path, body in itertools.islice(requests, most):
            if time.monotonic() >= stop_at:
                break
            start = time.perf_counter()
            outcome = request_outcome(client.request, method, path, content=body, headers=JSON)
            results.append(((time.perf_counter() - start) * 1000, outcome))
            time.sleep(think)
    return results


def _probe_health(url: str, stop_at: float) -> list[float]:
    """GET /healthz every HEALTH_EVERY seconds, as a load balancer would; the latencies in ms."""
    latencies = []
    with loopback_client(url, "127.0.0.9") as client:
        for _ in range(int((stop_at - time.monotonic()) / HEALTH_EVERY) + 1):
            if time.monotonic() >= stop_at:
                break
            start = time.perf_counter()
            client.get("/healthz").raise_for_status()
            latencies.append((time.perf_counter() - start) * 1000)
            time.sleep(HEALTH_EVERY)
    return latencies


def _hammer(url: str, address: str, stop_at: float, path: str, bodies: list[tuple[str, bytes]]) -> Counter:
    """POST each (kind, body) in turn until the run ends; count (kind, status). A request still
    unanswered when the run ends is given up ('unfinished'): hostile clients do not wait politely."""
    counts: Counter = Counter()
    most = int((stop_at - time.monotonic()) / HOSTILE_PAUSE) + 1
    with loopback_client(url, address) as client:
        for kind, body in itertools.islice(itertools.cycle(bodies), most):
            left = stop_at - time.monotonic()
            if left <= 0:
                break
            try:
                status = str(client.post(path, content=body, headers=JSON, timeout=left).status_code)
            except httpx.TimeoutException:
                status = "unfinished"
            except httpx.HTTPError as exc:
                status = type(exc).__name__
            counts[kind, status] += 1
            time.sleep(HOSTILE_PAUSE)
    return counts


def _slow_reader(url: str, address: str, stop_at: float, path: str, max_open: int = 4) -> Counter:
    """Open event streams and never read them (up to `max_open` at once, one a second), hung up at the end."""
    counts: Counter = Counter()
    streams = []
    with loopback_client(url, address) as client:
        while (left := stop_at - time.monotonic()) > 0:
            if len(streams) < max_open:
                try:
                    response = client.send(client.build_request("GET", path), stream=True)
                except httpx.HTTPError as exc:
                    counts["slow-sse", type(exc).__name__] += 1
                else:
                    counts["slow-sse", str(response.status_code)] += 1
                    if response.status_code == 200:
                        streams.append(response)
                    else:
                        response.close()
            time.sleep(min(1.0, max(left, 0)))
        for response in streams:
            response.close()
    return counts


def _hoarder(url: str, address: str, stop_at: float, most: int = 2000) -> Counter:
    """Open connections and never finish a request on them: one every HOSTILE_PAUSE, up to `most` held, each sent
    another header line every 5 s. Counts how attempts ended: refused with 503, closed by the server, or still
    held when the run ends (the server caps these per address: server/connections.py)."""
    counts: Counter = Counter()
    held: list[socket.socket] = []
    trickled = time.monotonic()
    address_port = (urlsplit(url).hostname, urlsplit(url).port)
    try:
        while time.monotonic() < stop_at:
            if len(held) < most:
                try:
                    sock = socket.create_connection(address_port, timeout=1, source_address=(address, 0))
                    sock.settimeout(None)  # blocking again: _still_held's recv must not wait for an answer
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                    held.append(sock)
                except OSError as exc:
                    counts["hoard", type(exc).__name__] += 1
            if time.monotonic() - trickled > 5:
                held, trickled = _still_held(held, counts), time.monotonic()
            time.sleep(HOSTILE_PAUSE)
        held = _still_held(held, counts)
    finally:
        counts["hoard", "held at the end"] += len(held)
        for sock in held:
            sock.close()
    return counts


def _still_held(held: list[socket.socket], counts: Counter) -> list[socket.socket]:
    """The hoarded connections the server has not answered or closed, each sent one more header line."""
    kept = []
    for sock in held:
        try:
            answer = sock.recv(64, socket.MSG_DONTWAIT)
        except BlockingIOError:
            answer = None
        except OSError:
            answer = b""
        if answer is None:
            try:
                sock.sendall(b"X-Slow: 1\r\n")
                kept.append(sock)
                continue
            except OSError:
                answer = b""
        counts["hoard", answer[:12].decode(errors="replace") if answer else "closed by the server"] += 1
        sock.close()
    return kept


def _trajectory(models: AbuseModels, steps: int) -> bytes:
    return json.dumps({"n": 64, "steps": steps, "sampler": "ddpm", "label": models.label}).encode()


def _steps_under_budget(url: str, models: AbuseModels, address: str) -> int:
    """The most n=64 DDPM steps the server accepts: scaled down from its 422 for the maximum, which
    names the estimate and the limit. The maximum itself when the server takes it (no budget)."""
    with loopback_client(url, address, timeout=10) as client:
        try:
            response = client.post(f"/api/models/{models.ddpm}/trajectory", content=_trajectory(models, models.max_steps),
                                   headers=JSON)
        except httpx.TimeoutException:
            return models.max_steps  # accepted and computing
    detail = response.json().get("detail") if response.status_code == 422 else None
    found = re.search(r"about ([\d.]+) s .*limit of ([\d.]+) s", str(detail))
    if not found:
        return models.max_steps
    estimate, limit = map(float, found.groups())
    return max(1, int(models.max_steps * limit / estimate * 0.95))


def _hostile_plan(url: str, models: AbuseModels, stop_at: float, under: int) -> list[tuple]:
    """(function, args) for each hostile client: 2 at maximum cost, 2 just under the budget, 2 slow
    readers, 2 uploading oversized images and decompression bombs, 1 hoarding connections."""
    trajectory = f"/api/models/{models.ddpm}/trajectory"
    # 200 steps, or fewer if that is over the budget: a refused stream would hold nothing open
    stream = f"/api/models/{models.ddpm}/trajectory/stream?n=64&steps={min(200, under)}&label={models.label}"
    uploads = [(f"upload {name}", json.dumps({"image": build()}).encode()) for name, build in (
        ("4096px", hostile_uploads.large_png), ("zTXt bomb", hostile_uploads.text_bomb_png),
        ("iCCP bomb", hostile_uploads.icc_bomb_png), ("truncated", hostile_uploads.truncated_png),
        ("not an image", hostile_uploads.not_an_image))]
    reconstruct = f"/api/models/{models.vae}/reconstruct"
    jobs = [(_hammer, trajectory, [("max-cost", _trajectory(models, models.max_steps))])] * 2
    jobs += [(_hammer, trajectory, [("just-under", _trajectory(models, under))])] * 2
    jobs += [(_slow_reader, stream)] * 2 + [(_hammer, reconstruct, uploads), (_hammer, reconstruct, uploads[::-1])]
    jobs += [(_hoarder,)]
    return [(job[0], (url, f"127.0.0.{100 + j}", stop_at, *job[1:])) for j, job in enumerate(jobs)]


def _slots_free_seconds(url: str, since: float) -> float | None:
    """Seconds from `since` until /readyz reports no busy slot (inf if not within SLOTS_WAIT); None if
    /readyz does not report slots."""
    with httpx.Client(base_url=url, timeout=5) as client:
        while time.monotonic() - since < SLOTS_WAIT:
            slots = client.get("/readyz").json().get("slots")
            if slots is None:
                return None
            if slots["busy"] == 0:
                return time.monotonic() - since
            time.sleep(0.05)
    return float("inf")


def _well_behaved_summary(results: list[tuple[float, str]]) -> dict:
    latencies = [ms for ms, _ in results]
    outcomes = Counter(outcome for _, outcome in results)
    failures = {k: v for k, v in outcomes.items() if k not in ("ok", "busy")}
    return {"requests": len(results), "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 99),
            "failures": failures, "busy": outcomes["busy"], "busy_share": outcomes["busy"] / len(results)}


def run_abuse(url: str, models: AbuseModels, seconds: float, think: float, pid: int | None = None) -> dict:
    """Drive a running server at `url` (loopback only) and return the report; `pid` for its peak RSS."""
    require_loopback(url)
    machine = describe_machine()
    digit = httpx.get(f"{url}/api/data/digits", params={"n": 1, "seed": 0}, timeout=30).json()["digits"][0]["image"]
    light = light_requests(models, digit)
    under = _steps_under_budget(url, models, "127.0.0.100")
    stop_at = time.monotonic() + seconds
    # the prober is a process of its own: among the clients' threads it would wait for the GIL, and
    # that wait would be charged to the server
    with ThreadPoolExecutor(WELL_BEHAVED + HOSTILE) as pool, ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as prober:
        hostile = [pool.submit(f, *args) for f, args in _hostile_plan(url, models, stop_at, under)]
        health = prober.submit(_probe_health, url, stop_at)
        polite = [pool.submit(well_behaved, url, f"127.0.0.{10 + i}", itertools.islice(
            itertools.cycle(light), i % len(light), None), stop_at, think) for i in range(WELL_BEHAVED)]
        outcomes = sum((f.result() for f in hostile), Counter())
        hostiles_stopped = time.monotonic()  # and hung up
        results = [r for f in polite for r in f.result()]
        health_ms = health.result()
    slots_free = _slots_free_seconds(url, since=hostiles_stopped)
    hostile_by_kind: dict[str, dict[str, int]] = {}
    for (kind, status), count in sorted(outcomes.items()):
        hostile_by_kind.setdefault(kind, {})[status] = count
    return {"machine": machine, "seconds": seconds, "just_under_steps": under, "well_behaved": _well_behaved_summary(
        results), "health": {"probes": len(health_ms), "p50_ms": statistics.median(health_ms),
                             "p99_ms": percentile(health_ms, 99)}, "hostile": hostile_by_kind, "peak_rss_gb": peak_rss_gb(pid), "slots_free_seconds": slots_free}


def bench_abuse(seconds: float = 60, models: AbuseModels = AbuseModels(), url: str | None = None,
                think: float = 0.25, checkpoint_dir: Path = REPO / "checkpoints") -> dict:
    """Against `url`, or a uvicorn started here on `checkpoint_dir`."""
    if url:
        return run_abuse(url, models, seconds, think)
    with uvicorn_server(checkpoint_dir) as (started, proc):
        return run_abuse(started, models, seconds, think, proc.pid)


def _against(figure: str, target: str, ok: bool) -> str:
    return f"{figure} (target {target}: {'ok' if ok else 'MISSED'})"


def format_report(r: dict) -> str:
    m, w, t = r["machine"], r["well_behaved"], TARGETS
    failed = sum(w["failures"].values())
    clients = (f"{r['seconds']:g} s, {WELL_BEHAVED} well-behaved and {HOSTILE} hostile clients, each on its own "
               f"loopback address; just under the budget = {r['just_under_steps']} DDPM steps at n=64")
    latency = f"{w['requests']} requests, p50 {w['p50_ms']:.0f} ms, p99 {w['p99_ms']:.0f} ms"
    lines = [f"machine: {m['cpu']}, {m['cores']} cores, {m['gflops']:.0f} GFLOP/s fp32 matmul (measured)", clients,
             "well-behaved: " + _against(latency, f"p99 <= {t['p99_ms']} ms", w["p99_ms"] <= t["p99_ms"]),
             "  failures: " + _against(f"{failed} {w['failures']}" if failed else "0", "0", not failed),
             "  503 + Retry-After: " + _against(f"{w['busy']} = {w['busy_share']:.2%}", f"<= {t['busy_share']:.0%}",
                                                w["busy_share"] <= t["busy_share"]),
             "health: " + _against(f"{r['health']['probes']} probes of /healthz, p50 {r['health']['p50_ms']:.0f} ms, "
                                   f"p99 {r['health']['p99_ms']:.0f} ms", f"p99 <= {t['health_p99_ms']} ms",
                                   r["health"]["p99_ms"] <= t["health_p99_ms"]),
             "hostile outcomes by status:"]
    lines += [f"  {kind}: {', '.join(f'{status} x{n}' for status, n in statuses.items())}"
              for kind, statuses in r["hostile"].items()]
    rss, free = r["peak_rss_gb"], r["slots_free_seconds"]
    lines.append("server peak RSS: " + ("n/a (not started here)" if rss is None else _against(
        f"{rss:.2f} GB", f"<= {t['peak_rss_gb']} GB", rss <= t["peak_rss_gb"])))
    lines.append("slots recovered: " + ("n/a (/readyz reports no slots)" if free is None else _against(
        f"{free:.1f} s after the hostile clients stopped", f"<= {t['slots_free_seconds']} s",
        free <= t["slots_free_seconds"])))
    return "\n".join(lines)


def add_abuse_arguments(p) -> None:
    p.add_argument("--seconds", type=float, default=None,
                   help="abuse, lab, lecture: how long the clients run (default 60 s; lecture 120 s)")
    p.add_argument("--url", default=None, help="abuse, lab, lecture: a running server on a loopback address (default: start one)")
    p.add_argument("--think", type=float, default=0.25, help="abuse: seconds a well-behaved client pauses")
    for field in ("vae", "gan", "ddpm"):
        p.add_argument(f"--{field}", default=getattr(AbuseModels, field), help=f"abuse: the {field} model id")
    p.add_argument("--max-steps", type=int, default=AbuseModels.max_steps, help="abuse: the most DDPM steps")


def print_abuse(args) -> dict:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    models = AbuseModels(vae=args.vae, gan=args.gan, ddpm=args.ddpm, max_steps=args.max_steps)
    report = bench_abuse(args.seconds or 60, models, args.url, args.think)
    print(format_report(report))
    return report
