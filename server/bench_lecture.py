"""`genlab bench lecture`: a simulated lecture, a whole class on one server.

`--clients` students (60) each run the pages' real request mix with think time between clicks: sample
grids (some on the permalink the instructor put on the projector, the rest on their own seeds), latent
sliders (decode), interpolations, a drawn digit uploaded for reconstruction, held-out digits, the model
list a page loads first, and diffusion trajectories streamed as Server-Sent Events. Each student has its
own loopback source address, as distinct users would. The report prints p50/p99 of every request kind,
the light routes together, the first SSE frame, errors and the share of 503s beside the issue's targets,
with the machine they were measured on. Clients run in a few processes and never decode the images, so
the client side costs the server's cores as little as it can.
"""

import json
import multiprocessing
import random
import statistics
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from server import bench_clients
from server.spawn import REPO, uvicorn_server

TARGETS = {"light_p50_ms": 100, "light_p99_ms": 1000, "first_frame_p99_ms": 500, "errors": 0, "busy_share": 0.02,
           "peak_rss_gb": 1.5}
CLIENT_PROCESSES = 2  # the students' threads are spread over this many processes (one GIL each)
STUDENT_TIMEOUT = 30.0  # seconds; slower than this counts as an error


@dataclass(frozen=True)
class LectureModels:
    """The models the students use (tests point these at tiny checkpoints)."""

    vae: str = "vae-mnist"
    gan: str = "dcgan-mnist"
    ddpm: str = "ddpm-mnist"
    latent_dim: int = 16  # the VAE's latent size, for the slider's decode requests
    stream_steps: int = 20


def request_mix(models: LectureModels, digit: str) -> list[tuple[str, int, str, str, dict | None]]:
    """(kind, weight, method, path, JSON body) of each click; a body's "seed": None is replaced by the
    student's own seed, and a stream's path is read as Server-Sent Events."""
    vae, gan, ddpm = (f"/api/models/{m}" for m in (models.vae, models.gan, models.ddpm))
    steps = models.stream_steps
    return [
        ("grid, shared permalink", 4, "POST", f"{vae}/sample", {"n": 64, "seed": 0}),
        ("grid, own seed", 4, "POST", f"{vae}/sample", {"n": 64, "seed": None}),
        ("GAN grid", 3, "POST", f"{gan}/sample", {"n": 64, "seed": None}),
        ("slider (decode)", 8, "POST", f"{vae}/decode", {"latents": None}),
        ("interpolation", 3, "POST", f"{vae}/interpolate", {"start": {"seed": None}, "end": {"seed": 1}, "steps": 8}),
        ("upload (reconstruct)", 2, "POST", f"{vae}/reconstruct", {"image": digit}),
        ("held-out digits", 2, "GET", "/api/data/digits?n=16", None),
        ("model list", 1, "GET", "/api/models", None),
        ("trajectory stream", 2, "STREAM", f"{ddpm}/trajectory/stream?n=4&steps={steps}&sampler=ddim", None),
    ]


def _body(template: dict | None, rng: random.Random, latent_dim: int) -> bytes | None:
    if template is None:
        return None
    body = json.loads(json.dumps(template))
    if "seed" in body and body["seed"] is None:
        body["seed"] = rng.randrange(2**31)
    if body.get("start", {}).get("seed", 0) is None:
        body["start"]["seed"] = rng.randrange(2**31)
    if "latents" in body:
        body["latents"] = [[round(rng.gauss(0, 1), 3) for _ in range(latent_dim)]]
    return json.dumps(body).encode()


def _click(client: httpx.Client, method: str, path: str, body: bytes | None) -> tuple[str, float | None]:
    """One request: its outcome (bench_clients.request_outcome: 'ok', 'busy' for 503 + Retry-After, else what went
    wrong) and, for a stream, the milliseconds to its first frame. A stream is read to its end, as the page plays it."""
    if method != "STREAM":
        return bench_clients.request_outcome(client.request, method, path, content=body, headers=bench_clients.JSON), None
    start, first = time.perf_counter(), []

    def read_stream() -> httpx.Response:
        with client.stream("GET", path) as response:
            for line in response.iter_lines():
                if not first and line.startswith("event: step"):
                    first.append((time.perf_counter() - start) * 1000)
        return response

    return bench_clients.request_outcome(read_stream), first[0] if first else None


def _student(url: str, address: str, seed: int, stop_at: float, think: float, mix: list, latent_dim: int) -> list:
    """One student: a click drawn from the mix, its answer, a pause (exponential, mean `think`);
    (kind, ms, outcome, first-frame ms) for each click."""
    rng = random.Random(seed)
    kinds = [m[0] for m in mix]
    weights = [m[1] for m in mix]
    by_kind = {m[0]: m for m in mix}
    results = []
    time.sleep(rng.uniform(0, think))  # students do not all click at the same instant
    with bench_clients.loopback_client(url, address, timeout=STUDENT_TIMEOUT) as client:
        while time.monotonic() < stop_at:
            kind = rng.choices(kinds, weights)[0]
            _, _, method, path, template = by_kind[kind]
            start = time.perf_counter()
            outcome, first = _click(client, method, path, _body(template, rng, latent_dim))
            results.append((kind, (time.perf_counter() - start) * 1000, outcome, first))
            time.sleep(min(rng.expovariate(1 / think), 4 * think))
    return results


def _students(url: str, first: int, count: int, seconds: float, think: float, mix: list, latent_dim: int) -> list:
    """`count` students as threads of this process (one of CLIENT_PROCESSES), for `seconds` from now: a spawned
    process's monotonic clock is not its parent's."""
    stop_at = time.monotonic() + seconds
    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(_student, url, f"127.0.{1 + i // 250}.{1 + i % 250}", i, stop_at, think, mix,
                               latent_dim) for i in range(first, first + count)]
        return [r for f in futures for r in f.result()]


def _summary(rows: list) -> dict:
    ms = [r[1] for r in rows]
    outcomes = Counter(r[2] for r in rows)
    return {"requests": len(rows), "p50_ms": statistics.median(ms), "p99_ms": bench_clients.percentile(ms, 99),
            "busy": outcomes["busy"], "errors": {k: v for k, v in outcomes.items() if k not in ("ok", "busy")}}


def run_lecture(url: str, models: LectureModels, seconds: float, clients: int, think: float,
                pid: int | None = None) -> dict:
    """Drive a running server at `url` (loopback only) with `clients` students; the report."""
    bench_clients.require_loopback(url)
    machine = bench_clients.describe_machine()
    digit = httpx.get(f"{url}/api/data/digits", params={"n": 1, "seed": 0}, timeout=30).json()["digits"][0]["image"]
    mix = request_mix(models, digit)
    stop_at = time.monotonic() + seconds
    share = -(-clients // CLIENT_PROCESSES)
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(CLIENT_PROCESSES, mp_context=spawn) as pool:
        futures = [pool.submit(_students, url, first, min(share, clients - first), stop_at - time.monotonic(),
                               think, mix, models.latent_dim) for first in range(0, clients, share)]
        rows = [r for f in futures for r in f.result()]
    kinds = {kind: _summary([r for r in rows if r[0] == kind]) for kind, *_ in mix if any(r[0] == kind for r in rows)}
    light = [r for r in rows if r[0] != "trajectory stream"]
    firsts = [r[3] for r in rows if r[3] is not None]
    everything = _summary(rows)
    return {"machine": machine, "seconds": seconds, "clients": clients, "think": think, "kinds": kinds,
            "light": _summary(light), "first_frame": {"streams": len(firsts),
                                                      "p50_ms": statistics.median(firsts) if firsts else None,
                                                      "p99_ms": bench_clients.percentile(firsts, 99) if firsts else None},
            "errors": sum(everything["errors"].values()), "busy_share": everything["busy"] / max(1, len(rows)),
            "requests": len(rows), "peak_rss_gb": bench_clients.peak_rss_gb(pid)}


def bench_lecture(seconds: float = 120, clients: int = 60, think: float = 3.0, models: LectureModels = LectureModels(),
                  url: str | None = None, checkpoint_dir: Path = REPO / "checkpoints",
                  env: dict[str, str] | None = None) -> dict:
    """Against `url`, or a uvicorn started here on `checkpoint_dir` with GENLAB_* overrides `env`."""
    if url:
        return run_lecture(url, models, seconds, clients, think)
    with uvicorn_server(checkpoint_dir, env=env) as (started, proc):
        return run_lecture(started, models, seconds, clients, think, proc.pid)


def _against(figure: str, target: str, ok: bool) -> str:
    return f"{figure} (target {target}: {'ok' if ok else 'MISSED'})"


def format_report(r: dict) -> str:
    m, t, light, first = r["machine"], TARGETS, r["light"], r["first_frame"]
    lines = [f"machine: {m['cpu']}, {m['cores']} cores, {m['gflops']:.0f} GFLOP/s fp32 matmul (measured)",
             f"{r['clients']} students, think time {r['think']:g} s (mean), {r['seconds']:g} s: {r['requests']} requests",
             f"{'kind':<24}{'requests':>9}{'p50 ms':>9}{'p99 ms':>9}{'503':>6}  errors"]
    lines += [f"{kind:<24}{s['requests']:>9}{s['p50_ms']:>9.0f}{s['p99_ms']:>9.0f}{s['busy']:>6}  {s['errors'] or '-'}"
              for kind, s in r["kinds"].items()]
    lines.append("light routes: " + _against(f"p50 {light['p50_ms']:.0f} ms", f"<= {t['light_p50_ms']} ms",
                                             light["p50_ms"] <= t["light_p50_ms"])
                 + ", " + _against(f"p99 {light['p99_ms']:.0f} ms", f"<= {t['light_p99_ms']} ms",
                                   light["p99_ms"] <= t["light_p99_ms"]))
    if first["streams"]:
        lines.append("first SSE frame: " + _against(f"{first['streams']} streams, p50 {first['p50_ms']:.0f} ms, p99 "
                                                    f"{first['p99_ms']:.0f} ms", f"p99 <= {t['first_frame_p99_ms']} ms",
                                                    first["p99_ms"] <= t["first_frame_p99_ms"]))
    lines.append("errors: " + _against(str(r["errors"]), "0", r["errors"] == 0))
    lines.append("503 + Retry-After: " + _against(f"{r['busy_share']:.2%}", f"<= {t['busy_share']:.0%}",
                                                  r["busy_share"] <= t["busy_share"]))
    rss = r["peak_rss_gb"]
    lines.append("server peak RSS: " + ("n/a (not started here)" if rss is None else _against(
        f"{rss:.2f} GB", f"<= {t['peak_rss_gb']} GB", rss <= t["peak_rss_gb"])))
    return "\n".join(lines)


def add_lecture_arguments(p) -> None:
    p.add_argument("--clients", type=int, default=60, help="lecture: students")
    p.add_argument("--mean-think", type=float, default=3.0, help="lecture: mean seconds a student pauses between clicks")


def print_lecture(args) -> dict:
    report = bench_lecture(args.seconds or 120, args.clients, args.mean_think, url=args.url)
    print(format_report(report))
    return report
