"""`genlab bench sample`: request latency of the sample route, through the full ASGI app in-process."""

import logging
import statistics
import time
import warnings

from server.bench_abuse import add_abuse_arguments, print_abuse
from server.bench_concurrency import print_concurrent
from server.bench_lab import print_lab
from server.bench_lecture import add_lecture_arguments, print_lecture


def bench_sample(model: str, n: int, repeats: int, warmup: int = 3) -> dict:
    """Median and spread of POST /sample latency (network excluded, everything else included). Every request has
    a seed of its own: a repeated one would be answered from the result store (server/results.py)."""
    from fastapi.testclient import TestClient

    from server.app import create_app

    with TestClient(create_app()) as client:
        for seed in range(repeats, repeats + warmup):
            client.post(f"/api/models/{model}/sample", json={"n": n, "seed": seed}).raise_for_status()
        times = []
        for seed in range(repeats):
            start = time.perf_counter()
            client.post(f"/api/models/{model}/sample", json={"n": n, "seed": seed}).raise_for_status()
            times.append((time.perf_counter() - start) * 1000)
    quartiles = statistics.quantiles(times, n=4)
    return {"model": model, "n": n, "repeats": repeats, "median_ms": statistics.median(times),
            "q1_ms": quartiles[0], "q3_ms": quartiles[2], "min_ms": min(times)}


def _print_sample(args) -> None:
    print("{model}: n={n}, {repeats} requests: median {median_ms:.1f} ms (IQR {q1_ms:.1f}-{q3_ms:.1f}, "
          "min {min_ms:.1f})".format(**bench_sample(args.model or "vae-mnist", args.n or 64, args.repeats or 30)))


def _print_diffusion(args) -> None:
    from pathlib import Path

    from models.bench import bench_diffusion, machine
    from models.registry import load_model
    from server.config import Settings

    model_id = args.model or "ddpm-mnist"
    model = load_model(Path(Settings().checkpoint_dir) / f"{model_id}.json").module
    print(f"{model_id}: DDIM-20 with guidance (two network passes per step), {args.precision} on CPU ({machine()})")
    for r in bench_diffusion(model, precision=args.precision):
        print(f"batch {r['batch']:>2}: {r['ms_per_image_step']:7.2f} ms/image/step measured, "
              f"{r['bound_ms_per_image_step']:6.2f} ms bound ({r['gflop_per_image_step']:.3f} GFLOP at the layers' own "
              f"{r['bound_gflops']:.0f} GFLOP/s; square fp32 matmul {r['peak_gflops']:.0f}) -> {r['ratio_to_bound']:.1f}x the bound")


def _print_pixelcnn(args) -> None:
    from pathlib import Path

    from models.bench import bench_pixelcnn, machine
    from models.registry import load_model
    from server.config import Settings

    model_id = args.model or "pixelcnn-mnist"
    model = load_model(Path(Settings().checkpoint_dir) / f"{model_id}.json").module
    print(f"{model_id}: class-conditional sampling, cached activations, float32 on CPU ({machine()})")
    for r in bench_pixelcnn(model, repeats=args.repeats or 30):
        print(f"batch {r['batch']:>2}: {r['seconds']:6.2f} s = {r['ms_per_pixel']:.2f} ms per pixel, "
              f"{r['images_per_second']:.1f} images/s; naive (whole network per pixel) {r['naive_seconds']:.1f} s "
              f"-> {r['speedup']:.0f}x faster, the cost of {r['full_passes']:.0f} full passes")


def _print_latent(args) -> None:
    from pathlib import Path

    from models.bench import bench_latent_against_pixel, machine
    from models.registry import load_model
    from server.config import Settings

    directory = Path(Settings().checkpoint_dir)
    pixel, latent = (load_model(directory / f"{i}.json").module for i in ("ddpm-mnist", args.model or "latent-ddpm-mnist"))
    print(f"DDIM-50, guidance w = 1, batch 16, float32 on CPU ({machine()}); median of {args.repeats or 30} runs")
    for r in bench_latent_against_pixel(pixel, latent, repeats=args.repeats or 30):
        print(f"{r['space']:>6} ({r['state']}): {r['ms_per_image']:7.1f} ms per image ({r['time_ratio']:.2f}x the pixel "
              f"model's), {r['gflop_per_image']:6.2f} GFLOP per image in the network ({r['flop_ratio']:.2f}x)")


BENCHES = {"sample": _print_sample, "diffusion": _print_diffusion, "abuse": print_abuse, "pixelcnn": _print_pixelcnn,
           "lab": print_lab, "latent": _print_latent, "lecture": print_lecture,
           "concurrent": print_concurrent}


def _print_bench(args) -> None:
    """The figures alone: no log line per HTTP request (httpx) or per server event (uvicorn) among them, nor
    Starlette's notice that its TestClient will move off httpx (pyproject.toml silences it in the tests too)."""
    for name in ("httpx", "uvicorn"):
        logging.getLogger(name).setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", message="Using `httpx` with")
    BENCHES[args.what](args)


def add_bench_parser(subparsers) -> None:
    p = subparsers.add_parser("bench", help="print speed figures (medians of several runs)")
    p.add_argument("what", choices=sorted(BENCHES))
    p.add_argument("--model", default=None, help="default: vae-mnist (sample), ddpm-mnist (diffusion), pixelcnn-mnist (pixelcnn)")
    p.add_argument("--n", type=int, default=None, help="images per request (default 64; concurrent: 16 requests)")
    p.add_argument("--repeats", type=int, default=None, help="runs to take the median of (default 30; concurrent 5)")
    p.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="diffusion: run and bound in float32, or in bf16 autocast (where bf16 is faster)")
    p.add_argument("--rounds", type=int, default=3, help="lab: idle / full-lab rounds (each --seconds long)")
    add_abuse_arguments(p)
    add_lecture_arguments(p)
    p.set_defaults(handler=_print_bench)
