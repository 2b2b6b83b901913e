"""The continuous-time view of a trained DDPM (Song et al. 2021, "Score-based generative modeling through
stochastic differential equations"): the reverse SDE and the probability-flow ODE, as samplers beside DDPM
and DDIM on the same strided timesteps.

DDPM's forward process discretises the variance-preserving SDE dx = -1/2 beta(t) x dt + sqrt(beta(t)) dw,
whose marginals are those of q(x_t | x_0): alpha_bar(t) = exp(-integral of beta). The network's noise
prediction is a score: grad log p_t(x) = -eps_theta(x, t) / sqrt(1 - alpha_bar_t) (`score`).

- Reverse SDE, Euler-Maruyama (Song et al. 2021, eq. 6):
      x_prev = x + (x / 2 + score) B + sqrt(B) z,   B = log alpha_bar_prev - log alpha_bar_t,
  B being the integral of beta over the stride, exactly; no noise on the last step. At small step counts it
  is the crudest sampler: first order, and noise is added at every step.
- Probability-flow ODE (eq. 13), the deterministic process with the same marginals. In the variables
  x~ = x / sqrt(alpha_bar), sigma = sqrt((1 - alpha_bar) / alpha_bar) it reads dx~ / dsigma = eps_theta
  (Karras et al. 2022, eq. 4 with s(t) = sqrt(alpha_bar)), solved by Heun's method: an Euler step, then
  the average of the slopes at both ends (two network evaluations per step; the step that lands on clean
  data, sigma = 0, stays Euler, as Karras et al. do). An Euler step of the same equation is DDIM (eta = 0).
  Being an ODE it runs both ways: `encode` integrates from an image up to x_T, and decoding that x_T
  gives the image back up to the solver's error."""

from collections.abc import Callable
from itertools import pairwise

import torch

from models.diffusion.posterior import predict_x0
from models.diffusion.timesteps import StridedTimesteps
from models.interrupt import checkpoint

EpsAt = Callable[[torch.Tensor, int], torch.Tensor]  # (x_t, t) -> eps_theta(x_t, t)


def score(eps: torch.Tensor, ab_t: torch.Tensor) -> torch.Tensor:
    """grad_x log p_t(x) from the noise prediction: -eps / sqrt(1 - alpha_bar_t)."""
    return -eps / (1 - ab_t).sqrt()


class ReverseSDESampler(StridedTimesteps):
    """Euler-Maruyama on the reverse VP SDE (module docstring); one network evaluation per step."""

    def step(self, eps_at: EpsAt, t: int, x_t: torch.Tensor, generator: torch.Generator | None):
        ab_t, ab_prev = self.alpha_bar[t], self.alpha_bar_prev(t)
        eps = eps_at(x_t, t)
        b = ab_prev.log() - ab_t.log()
        x_prev = x_t + (x_t / 2 + score(eps, ab_t)) * b
        if t != self.timesteps[-1]:
            x_prev = x_prev + b.sqrt() * torch.randn(x_t.shape, generator=generator, device=x_t.device)
        return x_prev, predict_x0(x_t, eps, ab_t).clamp(-1, 1)


def _sigma(ab: torch.Tensor) -> torch.Tensor:
    return ((1 - ab) / ab).sqrt()


class ProbabilityFlowSampler(StridedTimesteps):
    """Heun's method on the probability-flow ODE (module docstring); two evaluations per step but the last."""

    def step(self, eps_at: EpsAt, t: int, x_t: torch.Tensor, generator: torch.Generator | None = None):
        ab_t, ab_prev = self.alpha_bar[t], self.alpha_bar_prev(t)
        eps = eps_at(x_t, t)
        x0 = predict_x0(x_t, eps, ab_t).clamp(-1, 1)
        i = self.timesteps.index(t)
        t_prev = self.timesteps[i + 1] if i + 1 < len(self.timesteps) else None
        return self._heun(eps_at, x_t, t, eps, t_prev, ab_t, ab_prev), x0

    def _heun(self, eps_at: EpsAt, x: torch.Tensor, t: int, eps: torch.Tensor, t_next: int | None,
              ab: torch.Tensor, ab_next: torch.Tensor) -> torch.Tensor:
        """From x at step t to step t_next (None: clean data, alpha_bar = 1), in either direction."""
        d_sigma = _sigma(ab_next) - _sigma(ab)
        x_next = (x / ab.sqrt() + d_sigma * eps) * ab_next.sqrt()  # Euler in x~, mapped back to x
        if t_next is None:
            return x_next
        eps_next = eps_at(x_next, t_next)
        return (x / ab.sqrt() + d_sigma * (eps + eps_next) / 2) * ab_next.sqrt()

    def encode(self, eps_at: EpsAt, x0: torch.Tensor) -> torch.Tensor:
        """An image x_0 (in [-1, 1]) -> the x_T the ODE decodes back to it: the decoder's steps run backwards,
        the Euler step onto clean data first (its slope taken at the image), then Heun up to the first timestep."""
        first = self.timesteps[-1]
        ab = self.alpha_bar[first]
        x = (x0 + _sigma(ab) * eps_at(x0, first)) * ab.sqrt()
        for t, t_next in pairwise(self.timesteps[::-1]):
            checkpoint()
            x = self._heun(eps_at, x, t, eps_at(x, t), t_next, self.alpha_bar[t], self.alpha_bar[t_next])
        return x
