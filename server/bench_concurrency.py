"""`genlab bench concurrent`: many one-image requests at once against one request for as many images.

16 students each asking for one diffusion sample at the same moment is the lecture's worst common case:
each request alone is small, so what decides the throughput is how the server shares its cores between
them (threads per request, batching). The bench sends `--n` concurrent one-image DDIM requests, round
after round, through real HTTP to a uvicorn started here, and compares their images per second with one
request for `--n` images; medians of `--repeats` rounds, printed with the machine. Each run asks for seeds
of its own: against a server that has run the bench before (`--url`), repeated seeds would be answered from
its result store (server/results.py) and measure nothing.
"""

import random
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from server.bench_clients import describe_machine, loopback_client
from server.spawn import REPO, uvicorn_server

STEPS = 20


def _sample(client: httpx.Client, model: str, n: int, seed: int) -> None:
    client.post(f"/api/models/{model}/sample", json={"n": n, "seed": seed, "steps": STEPS, "sampler": "ddim"}
                ).raise_for_status()


def run_concurrent(url: str, model: str, n: int, repeats: int) -> dict:
    """Images per second of `n` concurrent one-image requests and of one `n`-image request (medians)."""
    clients = [loopback_client(url, f"127.0.0.{10 + i}", timeout=300) for i in range(n)]
    first_seed = random.randrange(2**30)  # a fresh block of seeds for every run (see the module's docstring)
    try:
        _sample(clients[0], model, n, first_seed)  # warm-up
        with ThreadPoolExecutor(n) as pool:
            list(pool.map(lambda c: _sample(c, model, 1, first_seed), clients))
            concurrent, single = [], []
            for r in range(repeats):
                seeds = range(first_seed + 1 + r * (n + 1), first_seed + 1 + (r + 1) * (n + 1))
                start = time.perf_counter()
                list(pool.map(lambda c, seed: _sample(c, model, 1, seed), clients, seeds))
                concurrent.append(n / (time.perf_counter() - start))
                start = time.perf_counter()
                _sample(clients[0], model, n, seeds[-1])
                single.append(n / (time.perf_counter() - start))
    finally:
        for c in clients:
            c.close()
    return {"machine": describe_machine(), "model": model, "n": n, "steps": STEPS, "repeats": repeats,
            "concurrent_images_per_second": statistics.median(concurrent),
            "single_images_per_second": statistics.median(single)}


def bench_concurrent(model: str = "ddpm-mnist", n: int = 16, repeats: int = 5, url: str | None = None,
                     checkpoint_dir: Path = REPO / "checkpoints", env: dict[str, str] | None = None) -> dict:
    if url:
        return run_concurrent(url, model, n, repeats)
    with uvicorn_server(checkpoint_dir, env=env) as (started, _):
        return run_concurrent(started, model, n, repeats)


def print_concurrent(args) -> dict:
    r = bench_concurrent(args.model or "ddpm-mnist", args.n or 16, args.repeats or 5, args.url)
    m = r["machine"]
    print(f"machine: {m['cpu']}, {m['cores']} cores, {m['gflops']:.0f} GFLOP/s fp32 matmul (measured)")
    print(f"{r['model']}, DDIM-{r['steps']}, median of {r['repeats']} rounds: {r['n']} concurrent one-image requests "
          f"{r['concurrent_images_per_second']:.2f} images/s; one {r['n']}-image request "
          f"{r['single_images_per_second']:.2f} images/s (ratio {r['concurrent_images_per_second'] / r['single_images_per_second']:.2f})")
    return r
