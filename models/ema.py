"""Exponential moving average of a network's weights: the copy that samples are drawn with, because
averaging over the last few thousand steps smooths out the optimiser's noise (diffusion) and the
players' oscillation (GANs; Yazici et al. 2019)."""

import torch
from torch import nn


@torch.no_grad()
def update_ema(ema: nn.Module, live: nn.Module, step: int, decay: float) -> None:
    """Move `ema` towards `live` after optimiser step number `step` (1-based). The warm-up
    min(decay, (1 + step) / (10 + step)) keeps early averages from being stuck at the initial
    weights. Buffers (e.g. batch-norm running statistics) are copied, not averaged."""
    rate = 1 - min(decay, (1 + step) / (10 + step))
    for e, p in zip(ema.parameters(), live.parameters()):
        e.lerp_(p, rate)
    for e, b in zip(ema.buffers(), live.buffers()):
        e.copy_(b)


def frozen_copy(live: nn.Module, factory) -> nn.Module:
    """A gradient-free twin of `live` built by `factory()`, starting from the same weights."""
    twin = factory()
    twin.load_state_dict(live.state_dict())
    return twin.requires_grad_(False)
