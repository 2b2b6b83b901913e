"""`genlab bench sample`: request latency of the sample route, through the full ASGI app in-process."""

import statistics
import time


def bench_sample(model: str, n: int, repeats: int, warmup: int = 3) -> dict:
    """Median and spread of POST /sample latency (network excluded, everything else included)."""
    from fastapi.testclient import TestClient

    from server.app import create_app

    with TestClient(create_app()) as client:
        body = {"n": n, "seed": 0}
        for _ in range(warmup):
            client.post(f"/api/models/{model}/sample", json=body).raise_for_status()
        times = []
        for i in range(repeats):
            start = time.perf_counter()
            client.post(f"/api/models/{model}/sample", json={**body, "seed": i}).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    quartiles = statistics.quantiles(times, n=4)
    return {"model": model, "n": n, "repeats": repeats, "median_ms": statistics.median(times),
            "q1_ms": quartiles[0], "q3_ms": quartiles[2], "min_ms": min(times)}


def add_bench_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="print speed figures (medians of several runs)")
    p.add_argument("what", choices=["sample"])
    p.add_argument("--model", default="vae-mnist")
    p.add_argument("--n", type=int, default=64)
    p.add_argument("--repeats", type=int, default=30)
    p.set_defaults(handler=lambda a: print(
        "{model}: n={n}, {repeats} requests: median {median_ms:.1f} ms (IQR {q1_ms:.1f}-{q3_ms:.1f}, "
        "min {min_ms:.1f})".format(**bench_sample(a.model, a.n, a.repeats))))
