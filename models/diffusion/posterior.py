"""The Gaussian algebra of the forward process that the samplers and the variational bound share
(Ho et al. 2020, eqs. 6-7 and 15), for any pair of steps t and an earlier t' with alpha_bar values."""

import torch


def predict_x0(x_t: torch.Tensor, eps: torch.Tensor, ab_t: torch.Tensor) -> torch.Tensor:
    """x_0 implied by a noise estimate: (x_t - sqrt(1 - alpha_bar_t) eps) / sqrt(alpha_bar_t)."""
    return (x_t - (1 - ab_t).sqrt() * eps) / ab_t.sqrt()


def posterior(x0: torch.Tensor, x_t: torch.Tensor, ab_t: torch.Tensor, ab_prev: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of q(x_t' | x_t, x_0), where beta = 1 - alpha_bar_t / alpha_bar_t' is the
    noise added between the two steps (one training step, or a sampler's stride)."""
    beta = 1 - ab_t / ab_prev
    mean = (ab_prev.sqrt() * beta / (1 - ab_t)) * x0 + ((1 - beta).sqrt() * (1 - ab_prev) / (1 - ab_t)) * x_t
    return mean, beta * (1 - ab_prev) / (1 - ab_t)
