"""A lower bound on a network's time from its own layer shapes: the arithmetic alone, at this machine's rate.

One big square matmul's rate moved the bench's ratio by ~25 % between runs, and no layer of a small UNet
runs at that rate anyway: a 7x7 feature map with 128 channels is a skinny matrix product. So each
convolution and linear layer of one forward pass is timed as the dense matrix product it amounts to
(im2col: M = batch x output pixels, K = input channels / groups x kernel area, N = output channels per
group), the median of several runs, and the bound is their sum plus whatever FLOPs the layers do not
account for (attention's products, norms) at the square matmul's rate.
"""

import statistics
import time
from collections.abc import Callable

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from models.precision import matmul_rate


def gemm_shapes(forward: Callable[[], None], network: nn.Module) -> list[tuple[int, int, int, int]]:
    """(groups, M, K, N) of every Conv2d and Linear call made by `forward()`."""
    shapes = []

    def record(module, inputs, output):
        if isinstance(module, nn.Conv2d):
            groups = module.groups
            k = module.in_channels // groups * module.kernel_size[0] * module.kernel_size[1]
            shapes.append((groups, output.shape[0] * output.shape[2] * output.shape[3], k, module.out_channels // groups))
        else:
            shapes.append((1, inputs[0].numel() // module.in_features, module.in_features, module.out_features))

    hooks = [m.register_forward_hook(record) for m in network.modules() if isinstance(m, nn.Conv2d | nn.Linear)]
    try:
        with torch.inference_mode():
            forward()
    finally:
        for hook in hooks:
            hook.remove()
    return shapes


def gemm_seconds(m: int, k: int, n: int, repeats: int, dtype: torch.dtype = torch.float32) -> float:
    """Median time of one (m x k) @ (k x n) product in `dtype`, after a warm-up."""
    a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def layer_bound_seconds(forward: Callable[[], None], network: nn.Module, repeats: int = 7,
                        dtype: torch.dtype = torch.float32) -> dict:
    """The bound for one `forward()` with its products in `dtype` (bf16 for a forward under bf16 autocast):
    seconds, its FLOPs, and the share of them the layers' products hold."""
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        forward()
    total = counter.get_total_flops()
    timed: dict[tuple[int, int, int], float] = {}
    seconds, layer_flops = 0.0, 0
    for groups, m, k, n in gemm_shapes(forward, network):
        if (m, k, n) not in timed:
            timed[m, k, n] = gemm_seconds(m, k, n, repeats, dtype)
        seconds += groups * timed[m, k, n]
        layer_flops += 2 * groups * m * k * n
    rest = max(total - layer_flops, 0)
    return {"seconds": seconds + rest / matmul_rate(dtype), "flops": total, "layer_share": layer_flops / total}
