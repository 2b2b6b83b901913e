"""Precision: float32 by default; bfloat16 autocast only where this machine runs it faster.

bf16 is 4x float32 on an AMX or AVX512-BF16 CPU and fifty times slower on an AVX2-only one, so it is
never a default: `--precision bf16` (training) measures both rates first and refuses when bf16 would not
win, and the server samples a model in bf16 only where the rates say so and the model's card records a
passed quality check (models/precision_check.py). Weights, optimiser state and every log-probability stay
float32; only the convolutions and matmuls inside the autocast region run in bf16.
"""

import contextlib
import statistics
import time

import torch

PRECISIONS = ("fp32", "bf16")


def matmul_rate(dtype: torch.dtype, size: int = 1024, repeats: int = 6) -> float:
    """Median dense matmul throughput (FLOP/s) in `dtype` on this machine."""
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


# Operations whose answer is pictures: the ones a model may run in bf16 (or with a compiled network,
# models/compiled.py) once its samples pass the check. Likelihoods, scores, ELBOs, /encode's latents and GAN
# inversion (gradients) stay eager float32.
PICTURE_OPERATIONS = frozenset({"sample", "decode", "interpolate", "trajectory", "inpaint", "langevin", "complete"})


def bf16_speed(size: int = 1024, repeats: int = 6) -> tuple[bool, str]:
    """Whether bf16 matmuls run at least 1.2x float32's rate here, and the two measured rates in words."""
    fp32, bf16 = matmul_rate(torch.float32, size, repeats), matmul_rate(torch.bfloat16, size, repeats)
    rates = (f"{torch.backends.cpu.get_cpu_capability()}: bf16 {bf16 / 1e9:.0f} GFLOP/s, "
             f"fp32 {fp32 / 1e9:.0f} GFLOP/s on {torch.get_num_threads()} threads")
    return bf16 > 1.2 * fp32, rates


def require_fast_bf16() -> str:
    """Why bf16 is allowed here (the two measured rates), or SystemExit saying why it is not."""
    faster, rates = bf16_speed()
    if not faster:
        raise SystemExit(f"--precision bf16 would not be faster on this machine ({rates}); train in fp32")
    return rates


def autocast(precision: str):
    """The context a training step runs in: bf16 autocast on the CPU, or nothing."""
    if precision == "bf16":
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()
