"""Noise schedules as pure functions of the number of steps T; each returns betas, shape (T,)."""

import math

import torch


def linear_betas(T: int, start: float = 1e-4, end: float = 0.02) -> torch.Tensor:
    """Ho et al. 2020, sec. 4: betas linear from 1e-4 to 0.02 at T = 1000, endpoints scaled by 1000/T
    (Nichol & Dhariwal 2021) so fewer steps destroy as much signal; for T < 50 the scaled end passes 1,
    so betas are clipped at 0.999 like the cosine schedule's, keeping every alpha_bar_t above 0."""
    scale = 1000 / T
    return torch.linspace(scale * start, scale * end, T, dtype=torch.float64).clamp(max=0.999)


def cosine_betas(T: int, s: float = 0.008) -> torch.Tensor:
    """Nichol & Dhariwal 2021, eq. 17: alpha_bar(t) = cos^2(((t/T + s)/(1 + s)) * pi/2), betas clipped at 0.999."""
    t = torch.arange(T + 1, dtype=torch.float64) / T
    f = torch.cos((t + s) / (1 + s) * math.pi / 2) ** 2
    return (1 - f[1:] / f[:-1]).clamp(max=0.999)


SCHEDULES = {"linear": linear_betas, "cosine": cosine_betas}


def alpha_bars(betas: torch.Tensor) -> torch.Tensor:
    """alpha_bar_t = prod_{s <= t} (1 - beta_s): how much of x_0 survives in x_t."""
    return torch.cumprod(1 - betas, dim=0)


def snr(alpha_bar: torch.Tensor) -> torch.Tensor:
    """Signal-to-noise ratio alpha_bar / (1 - alpha_bar) (Kingma et al. 2021)."""
    return alpha_bar / (1 - alpha_bar)


def schedule_alpha_bar(name: str, T: int) -> torch.Tensor:
    """alpha_bar_t for a named schedule, float32, shape (T,)."""
    return alpha_bars(SCHEDULES[name](T)).float()
