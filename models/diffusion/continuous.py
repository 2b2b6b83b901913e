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
  gives the image back up to the solver's error.
- The ODE's exact likelihood (eq. 39): along the same path from the image to x_T,
      log p_0(x) = log p_T(x_T) + integral of div(eps_theta) dsigma,
  with the divergence (the trace of the network's Jacobian, in x~) estimated by Hutchinson's
  v^T J v over Rademacher probes v (Skilling 1989; Hutchinson 1990; Grathwohl et al. 2019), fixed along the
  path, and p_T = N(0, I) in x, i.e. N(0, (1 + sigma_T^2) I) in x~. Exact in the sense the flows' is: the
  density of this continuous model, not a bound; only the trace is estimated, and the probes' spread says
  by how much."""

import math
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


def noise_level(ab: torch.Tensor) -> torch.Tensor:
    """The noise level of x~ = x / sqrt(alpha_bar): sqrt((1 - alpha_bar) / alpha_bar)."""
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
        d_sigma = noise_level(ab_next) - noise_level(ab)
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
        x = (x0 + noise_level(ab) * eps_at(x0, first)) * ab.sqrt()
        for t, t_next in pairwise(self.timesteps[::-1]):
            checkpoint()
            x = self._heun(eps_at, x, t, eps_at(x, t), t_next, self.alpha_bar[t], self.alpha_bar[t_next])
        return x


def likelihood_timesteps(T: int, n: int) -> list[int]:
    """Up to n of the steps 0..T-1, spaced evenly in log t (every one of the first few): the divergence changes
    fastest near the data. Measured on one held-out digit of ddpm-mnist (bits/dim, one probe): log-spaced
    n = 50, 100, 200, 400, 1000 give 0.47, 1.16, 1.32, 1.36, 1.37; evenly spaced 50, 100, 200 steps give
    -0.65, 0.59, 1.10. At n = 400 (222 distinct steps) it has settled."""
    return (torch.logspace(0, math.log10(T), n).round().long().unique() - 1).tolist()


def ode_log_likelihood(eps_at: EpsAt, alpha_bar: torch.Tensor, x0: torch.Tensor, timesteps: list[int],
                       probes: torch.Tensor) -> torch.Tensor:
    """log p_0 of images x0 (B, C, H, W) in the model's [-1, 1] scale under the probability-flow ODE (module
    docstring), one figure per probe: (P, B) for Rademacher probes of shape (P, B, C, H, W). Heun's steps over
    `timesteps` (ascending, from the data) on the ODE and the log-density together, the first off clean data
    an Euler step as in `ProbabilityFlowSampler.encode`; the network is differentiated, so every evaluation
    costs a backward pass too."""
    n_probes, dims = len(probes), x0[0].numel()
    flat = probes.flatten(0, 1)

    def slope(x: torch.Tensor, t: int) -> tuple[torch.Tensor, torch.Tensor]:
        """eps (the ODE's dx~/dsigma) and its divergence in x~, sqrt(alpha_bar) v^T (d eps / dx) v, per row."""
        with torch.inference_mode(False), torch.enable_grad():  # the server runs models in inference mode
            x = x.detach().clone().requires_grad_(True)  # a clone made here is a tensor autograd may use
            eps = eps_at(x, t)
            (vjp,) = torch.autograd.grad(eps, x, flat.clone())
        return eps.detach(), alpha_bar[t].sqrt() * (vjp * flat).flatten(1).sum(1)

    x = x0.repeat(n_probes, 1, 1, 1)  # every probe follows the same path: only their traces differ
    ab, t = alpha_bar.new_tensor(1.0), None
    log_det = x.new_zeros(len(x))
    for t_next in timesteps:
        checkpoint()
        ab_next = alpha_bar[t_next]
        d_sigma = noise_level(ab_next) - noise_level(ab)
        eps, div = slope(x, t_next if t is None else t)  # from clean data the slope is taken at the first step
        x_euler = (x / ab.sqrt() + d_sigma * eps) * ab_next.sqrt()
        if t is None:
            x, log_det = x_euler, log_det + d_sigma * div
        else:
            eps_next, div_next = slope(x_euler, t_next)
            x = (x / ab.sqrt() + d_sigma * (eps + eps_next) / 2) * ab_next.sqrt()
            log_det = log_det + d_sigma * (div + div_next) / 2
        ab, t = ab_next, t_next
    x_tilde = x / ab.sqrt()
    variance = 1 + noise_level(ab) ** 2
    log_prior = -0.5 * (x_tilde.flatten(1).pow(2).sum(1) / variance + dims * torch.log(2 * torch.pi * variance))
    return (log_prior + log_det).view(n_probes, -1)
