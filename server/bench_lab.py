"""`genlab bench lab`: does a full lab slow down the people who are only sampling?

It starts a server (or uses --url), measures the light routes' latency with polite clients on an idle
server, then again while the lab runs at its configured maximum (GENLAB_LAB_SESSIONS sessions, all
playing, each watched by a reader), alternating the two phases --rounds times. It prints the medians
of the rounds, the ratio of the p99s against its target (2x), how many steps the lab trained meanwhile,
and what one more session gets (503 + Retry-After). Traffic never leaves the loopback interface.
"""

import itertools
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx

from server.bench_abuse import AbuseModels, light_requests, well_behaved
from server.bench_clients import describe_machine, loopback_client, percentile, require_loopback
from server.spawn import REPO, uvicorn_server

POLITE = 4  # clients on the light routes, each on its own loopback address
TARGET_RATIO = 2.0
SESSION = {"family": "gan", "data": "25gaussians", "seed": 0, "steps_per_frame": 20}


def _light_latencies(url: str, models: AbuseModels, digit: str, seconds: float, think: float) -> list[float]:
    stop_at = time.monotonic() + seconds
    light = light_requests(models, digit)
    with ThreadPoolExecutor(POLITE) as pool:
        runs = [pool.submit(well_behaved, url, f"127.0.1.{10 + i}", itertools.islice(itertools.cycle(light), i, None),
                            stop_at, think) for i in range(POLITE)]
        results = [r for f in runs for r in f.result()]
    bad = [outcome for _, outcome in results if outcome != "ok"]
    if bad:
        raise SystemExit(f"light requests failed during the bench: {bad[:5]}")
    return [ms for ms, _ in results]


class FullLab:
    """GENLAB_LAB_SESSIONS playing sessions, each from its own address and watched by its own reader."""

    def __init__(self, url: str, sessions: int):
        self.url, self.steps, self.stop = url, {}, threading.Event()
        self.ids = [self._open(f"127.0.2.{10 + i}") for i in range(sessions)]
        self.readers = [threading.Thread(target=self._watch, args=(sid,), daemon=True) for sid in self.ids]
        for reader in self.readers:
            reader.start()
        with httpx.Client(base_url=url, timeout=60) as client:
            for sid in self.ids:
                client.post(f"/api/lab/sessions/{sid}/control", json={"action": "play"}).raise_for_status()

    def _open(self, address: str) -> str:
        with loopback_client(self.url, address, timeout=120) as client:
            response = client.post("/api/lab/sessions", json=SESSION)
            response.raise_for_status()
            return response.json()["id"]

    def _watch(self, sid: str) -> None:
        with httpx.Client(base_url=self.url, timeout=None) as client, client.stream("GET", f"/api/lab/sessions/{sid}/events") as s:
            for line in s.iter_lines():
                if self.stop.is_set():
                    return
                if line.startswith("data:"):
                    self.steps[sid] = json.loads(line[5:]).get("step", self.steps.get(sid, 0))

    def trained_steps(self) -> int:
        return sum(self.steps.values())

    def one_more(self) -> str:
        """What a session past the maximum gets."""
        with loopback_client(self.url, "127.0.2.250", timeout=60) as client:
            response = client.post("/api/lab/sessions", json=SESSION)
        return f"{response.status_code} (Retry-After: {response.headers.get('retry-after')})"

    def close(self) -> None:
        self.stop.set()
        with httpx.Client(base_url=self.url, timeout=60) as client:
            for sid in self.ids:
                client.delete(f"/api/lab/sessions/{sid}")


def run_lab_bench(url: str, models: AbuseModels, seconds: float, rounds: int, think: float) -> dict:
    require_loopback(url)
    digit = httpx.get(f"{url}/api/data/digits", params={"n": 1, "seed": 0}, timeout=30).json()["digits"][0]["image"]
    sessions = httpx.get(f"{url}/api/lab/options", timeout=30).json()["limits"]["sessions"]
    _light_latencies(url, models, digit, 3, think)  # warm-up
    idle, loaded, steps, refused = [], [], [], None
    for _ in range(rounds):
        idle.append(_light_latencies(url, models, digit, seconds, think))
        lab = FullLab(url, sessions)
        try:
            before = lab.trained_steps()
            loaded.append(_light_latencies(url, models, digit, seconds, think))
            steps.append((lab.trained_steps() - before) / seconds)
            refused = lab.one_more()
        finally:
            lab.close()
    return {"machine": describe_machine(), "sessions": sessions, "seconds": seconds, "rounds": rounds,
            "idle": [_summary(r) for r in idle], "loaded": [_summary(r) for r in loaded],
            "lab_steps_per_second": steps, "one_more_session": refused}


def _summary(latencies: list[float]) -> dict:
    return {"requests": len(latencies), "p50_ms": statistics.median(latencies), "p99_ms": percentile(latencies, 99)}


def _phase(r: dict, phase: str) -> tuple[float, str]:
    """The median p99 over the rounds, and a line with the medians and each round's p99."""
    p50 = statistics.median(x["p50_ms"] for x in r[phase])
    p99 = statistics.median(x["p99_ms"] for x in r[phase])
    rounds = ", ".join(f"{x['p99_ms']:.0f}" for x in r[phase])
    return p99, f"p50 {p50:.0f} ms, p99 {p99:.0f} ms (p99 per round: {rounds})"


def format_lab_report(r: dict) -> str:
    m = r["machine"]
    idle_p99, idle = _phase(r, "idle")
    loaded_p99, loaded = _phase(r, "loaded")
    ratio = loaded_p99 / idle_p99
    verdict = "ok" if ratio <= TARGET_RATIO else "MISSED"
    setup = (f"{r['rounds']} rounds of {r['seconds']:g} s idle, then {r['seconds']:g} s with {r['sessions']} lab "
             f"sessions playing (GENLAB_LAB_SESSIONS); {POLITE} polite clients on the light routes")
    return "\n".join([
        f"machine: {m['cpu']}, {m['cores']} cores, {m['gflops']:.0f} GFLOP/s fp32 matmul (measured)", setup,
        f"idle server: {idle}", f"lab at max:  {loaded}",
        f"p99 ratio {ratio:.2f}x (target <= {TARGET_RATIO:g}x: {verdict})",
        f"the lab meanwhile trained {statistics.median(r['lab_steps_per_second']):.0f} steps/s in all",
        f"one more session: {r['one_more_session']} (expected 503 with Retry-After)",
    ])


def print_lab(args) -> dict:
    models = AbuseModels(vae=args.vae, gan=args.gan, ddpm=args.ddpm)
    if args.url:
        report = run_lab_bench(args.url, models, args.seconds or 60, args.rounds, args.think)
    else:
        with uvicorn_server(REPO / "checkpoints") as (url, _):
            report = run_lab_bench(url, models, args.seconds or 60, args.rounds, args.think)
    print(format_lab_report(report))
    return report
