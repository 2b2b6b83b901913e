"""DDPM ancestral sampler (Ho et al. 2020, Algorithm 2), on any strided subset of the training steps."""

import torch

from models.diffusion.posterior import posterior, predict_x0
from models.diffusion.timesteps import StridedTimesteps


class DDPMSampler(StridedTimesteps):
    def __init__(self, alpha_bar: torch.Tensor, clip: bool = True):
        super().__init__(alpha_bar)
        self.clip = clip  # clip predicted x_0 to the data range [-1, 1]; off for a latent, which has no range

    def step(self, eps_at, t: int, x_t: torch.Tensor, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
        """One reverse step from x_t; eps_at(x, t) evaluates the network."""
        ab_t, ab_prev = self.alpha_bar[t], self.alpha_bar_prev(t)
        eps = eps_at(x_t, t)
        # 1. predicted x_0 from the noise estimate (eq. 15), clipped to the data range
        x0 = predict_x0(x_t, eps, ab_t)
        if self.clip:
            x0 = x0.clamp(-1, 1)
        # 2. the posterior q(x_prev | x_t, x_0) over this stride (eqs. 6-7)
        mean, var = posterior(x0, x_t, ab_t, ab_prev)
        # 3. add noise except on the last step
        if t == self.timesteps[-1]:
            return mean, x0
        noise = torch.randn(x_t.shape, generator=generator, device=x_t.device)
        return mean + var.sqrt() * noise, x0
