"""DDIM sampler (Song et al. 2021): eta = 0 is deterministic, eta = 1 matches DDPM's variance; and
DDIM inversion, which runs the eta = 0 update backwards to find the noise that makes an image."""

import torch

from models.diffusion.posterior import predict_x0
from models.diffusion.timesteps import StridedTimesteps


class DDIMSampler(StridedTimesteps):
    def __init__(self, alpha_bar: torch.Tensor, eta: float = 0.0, clip: bool = True):
        super().__init__(alpha_bar)
        self.eta = eta
        self.clip = clip  # clip predicted x_0 to [-1, 1]; off when decoding an inversion exactly

    def step(self, eps_at, t: int, x_t: torch.Tensor, generator: torch.Generator | None) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from x_t; eps_at(x, t) evaluates the network."""
        ab_t, ab_prev = self.alpha_bar[t], self.alpha_bar_prev(t)
        eps = eps_at(x_t, t)
        # 1. predicted x_0 (eq. 12, first term); if clipped, eps is re-derived so the step stays consistent
        x0 = predict_x0(x_t, eps, ab_t)
        if self.clip:
            x0 = x0.clamp(-1, 1)
            eps = (x_t - ab_t.sqrt() * x0) / (1 - ab_t).sqrt()
        # 2. sigma_t(eta) (eq. 16)
        sigma = self.eta * ((1 - ab_prev) / (1 - ab_t) * (1 - ab_t / ab_prev)).sqrt()
        # 3. x_prev = sqrt(ab_prev) x0 + direction to x_t + noise (eq. 12)
        x_prev = ab_prev.sqrt() * x0 + (1 - ab_prev - sigma**2).clamp(min=0).sqrt() * eps
        if self.eta > 0 and t != self.timesteps[-1]:
            x_prev = x_prev + sigma * torch.randn(x_t.shape, generator=generator, device=x_t.device)
        return x_prev, x0

    def invert_step(self, eps: torch.Tensor, t: int, x_prev: torch.Tensor) -> torch.Tensor:
        """The eta = 0 update run backwards, from t's predecessor up to t, with eps = eps_theta(x_prev, t)
        standing in for eps_theta(x_t, t) (Song et al. 2021, sec. 4.3); unclipped so it can round-trip."""
        ab_t, ab_prev = self.alpha_bar[t], self.alpha_bar_prev(t)
        x0 = predict_x0(x_prev, eps, ab_prev)
        return ab_t.sqrt() * x0 + (1 - ab_t).sqrt() * eps
