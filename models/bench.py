"""`genlab bench diffusion`: how far DDIM sampling is from the machine's arithmetic limit.

For each batch size it prints the measured milliseconds per image per step (median of several
runs) and a lower bound for the same work: one guided noise prediction's arithmetic timed on the
network's own layer shapes (models.flop_bound: each convolution and linear layer as the matrix
product it amounts to, medians of several runs) times the steps. The ratio says how much of the time
is arithmetic and how much is overhead. The dense square matmul's rate is printed beside it."""

import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from models.flop_bound import layer_bound_seconds
from models.precision import autocast, matmul_rate


def matmul_flops_per_second(size: int = 1024, repeats: int = 10) -> float:
    """Median dense float32 matmul throughput on this machine: the arithmetic ceiling."""
    return matmul_rate(torch.float32, size, repeats)


def network_flops(model, batch: int, guidance: float) -> int:
    """FLOPs of one guided noise prediction for a batch (two network passes when guidance > 0)."""
    x = torch.randn(batch, *model.state_shape)  # the image, or a latent model's latent
    labels = torch.zeros(batch, dtype=torch.long)
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        model.eps(x, 10, labels, guidance)
    return counter.get_total_flops()


def bench_ddim(model, batch: int, steps: int = 20, guidance: float = 3.0, repeats: int = 3) -> dict:
    """Median wall time of a full DDIM run; FLOP-bound time for the same work."""
    labels = torch.zeros(batch, dtype=torch.long)
    times = []
    for seed in range(repeats + 1):  # the first run warms up and is dropped
        start = time.perf_counter()
        with torch.inference_mode():
            model.sample(batch, torch.Generator().manual_seed(seed), labels=labels, steps=steps, guidance=guidance)
        times.append(time.perf_counter() - start)
    measured = statistics.median(times[1:])
    flops = network_flops(model, batch, guidance) * steps
    return {"batch": batch, "steps": steps, "ms_per_image_step": 1000 * measured / (batch * steps),
            "gflop_per_image_step": flops / (batch * steps) / 1e9, "seconds": measured, "flops": flops}


def step_bound(model, batch: int, guidance: float, precision: str = "fp32") -> dict:
    """The layer-shape bound of one guided noise prediction over `batch` images (models.flop_bound), its products
    timed in the precision the sampler runs in."""
    x = torch.randn(batch, *model.state_shape)
    labels = torch.zeros(batch, dtype=torch.long)
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    return layer_bound_seconds(lambda: model.eps(x, 10, labels, guidance), model, dtype=dtype)


def bench_diffusion(model, batches: tuple[int, ...] = (1, 16, 64), steps: int = 20, guidance: float = 3.0,
                    precision: str = "fp32") -> list[dict]:
    """Each batch's measured DDIM run against its bound, both in `precision` (bf16: under autocast, as the server
    runs a checked model on a machine where bf16 is faster)."""
    peak = matmul_flops_per_second()
    rows = []
    for batch in batches:
        with autocast(precision):
            row = bench_ddim(model, batch, steps, guidance)
        bound = step_bound(model, batch, guidance, precision)
        row["bound_ms_per_image_step"] = 1000 * bound["seconds"] / batch
        row["bound_gflops"] = bound["flops"] / bound["seconds"] / 1e9
        row["ratio_to_bound"] = row["ms_per_image_step"] / row["bound_ms_per_image_step"]
        row["peak_gflops"] = peak / 1e9
        rows.append(row)
    return rows


def bench_latent_against_pixel(pixel, latent, batch: int = 16, steps: int = 50, repeats: int = 3) -> list[dict]:
    """The same DDIM run (steps, guidance w = 1, batch) by a pixel-space and a latent model: ms per image (the
    latent one's decoding included) and network GFLOP per image, each model's row with its ratio to the pixel one."""
    rows = []
    for name, model in (("pixel", pixel), ("latent", latent)):
        row = bench_ddim(model, batch, steps, guidance=1.0, repeats=repeats)
        rows.append({"space": name, "state": "x".join(map(str, model.state_shape)), "steps": steps, "batch": batch,
                     "ms_per_image": 1000 * row["seconds"] / batch, "gflop_per_image": row["flops"] / batch / 1e9})
    for row in rows:
        row["time_ratio"] = row["ms_per_image"] / rows[0]["ms_per_image"]
        row["flop_ratio"] = row["gflop_per_image"] / rows[0]["gflop_per_image"]
    return rows


def _median_seconds(run, repeats: int) -> float:
    """Median wall time of `run()` over `repeats` runs after one warm-up run."""
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bench_pixelcnn(model, batches: tuple[int, ...] = (1, 16), repeats: int = 3) -> list[dict]:
    """Cached pixel-by-pixel sampling against the naive way (the whole network once per pixel, 784 passes),
    whose time is one measured full pass x 784."""
    rows = []
    for batch in batches:
        labels = torch.arange(batch) % max(model.num_classes, 1) if model.num_classes else None
        x = torch.zeros(batch, 1, 28, 28)
        with torch.inference_mode():
            cached = _median_seconds(lambda b=batch, y=labels: model.sample(b, torch.Generator().manual_seed(0), labels=y),
                                     repeats)
            full_pass = _median_seconds(lambda x=x, y=labels: model.net(x, y), repeats * 3)
        rows.append({"batch": batch, "seconds": cached, "ms_per_pixel": 1000 * cached / 784, "images_per_second": batch / cached,
                     "naive_seconds": 784 * full_pass, "speedup": 784 * full_pass / cached, "full_passes": cached / full_pass})
    return rows


def machine() -> str:
    """What a figure was measured on: CPU capability, threads and dense fp32 matmul rate."""
    return (f"{torch.backends.cpu.get_cpu_capability()}, {torch.get_num_threads()} torch threads, "
            f"fp32 matmul {matmul_flops_per_second() / 1e9:.0f} GFLOP/s")
