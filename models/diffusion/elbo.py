"""The variational bound on -log p(x_0) of a DDPM (Ho et al. 2020, eq. 5; Sohl-Dickstein et al. 2015):
a prior term, one Gaussian KL per step, and a discretised-Gaussian decoder over the 256 pixel levels.

It needs one network call per timestep and image (T = 1000), so it is computed exactly over all
steps with one noise draw each, batched over t. Posterior variances are the "fixed small" choice
beta~_t of the same paper, which gives the tighter bound.
"""

import math
from collections.abc import Callable

import torch

from models.diffusion.posterior import posterior, predict_x0
from models.diffusion.schedules import alpha_bars
from models.interrupt import checkpoint

LEVELS = 256  # 8-bit pixels: the decoder puts a probability mass on each of 256 bins of width 2/255


def _normal_kl(mean_q, var_q, mean_p, var_p) -> torch.Tensor:
    """KL(N(mean_q, var_q) || N(mean_p, var_p)) per element, in nats."""
    return 0.5 * (torch.log(var_p / var_q) + (var_q + (mean_q - mean_p) ** 2) / var_p - 1)


def _std_normal_cdf(x: torch.Tensor) -> torch.Tensor:
    return 0.5 * (1 + torch.erf(x / math.sqrt(2)))


def discretized_gaussian_nll(x0: torch.Tensor, mean: torch.Tensor, std: float) -> torch.Tensor:
    """-log of the probability mass N(mean, std^2) puts on x0's pixel bin; x0 on the 256 levels of
    [-1, 1]. The two edge bins extend to -inf and +inf, so the masses sum to one."""
    half = 1 / (LEVELS - 1)
    upper = torch.where(x0 > 1 - 1e-3, torch.ones_like(x0), _std_normal_cdf((x0 + half - mean) / std))
    lower = torch.where(x0 < -1 + 1e-3, torch.zeros_like(x0), _std_normal_cdf((x0 - half - mean) / std))
    return -torch.log((upper - lower).clamp(min=1e-12))


@torch.no_grad()
def variational_bound(predict_eps: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], x0: torch.Tensor,
                      betas: torch.Tensor, generator: torch.Generator, chunk: int = 250) -> dict[str, torch.Tensor]:
    """Per image (nats): prior KL(q(x_T|x_0) || N(0, I)), the sum over t >= 1 of
    KL(q(x_{t-1}|x_t, x_0) || p(x_{t-1}|x_t)), and the decoder -log p(x_0|x_1). `x0` is one image
    (1, C, H, W) in [-1, 1]; `predict_eps(x_t, t)` takes a batch of noisy copies and their timesteps."""
    betas = betas.double()
    alpha_bar = alpha_bars(betas)
    alpha_bar_prev = torch.cat([torch.ones(1, dtype=betas.dtype), alpha_bar[:-1]])
    T = len(betas)
    dims = tuple(range(1, x0.dim()))
    prior = _normal_kl(alpha_bar[-1].sqrt() * x0.double(), 1 - alpha_bar[-1], torch.zeros(()), torch.ones(()))
    kl_sum = torch.zeros(len(x0), dtype=torch.float64)
    decoder = torch.zeros(len(x0), dtype=torch.float64)
    for start in range(0, T, chunk):
        checkpoint()
        t = torch.arange(start, min(T, start + chunk))
        ab, ab_prev = (v[t].view(-1, *[1] * (x0.dim() - 1)) for v in (alpha_bar, alpha_bar_prev))
        noise = torch.randn((len(t), *x0.shape[1:]), generator=generator, device=x0.device).double()
        x_t = ab.sqrt() * x0.double() + (1 - ab).sqrt() * noise
        eps = predict_eps(x_t.float(), t.to(x0.device)).double()
        model_mean, _ = posterior(predict_x0(x_t, eps, ab), x_t, ab, ab_prev)  # p(x_{t-1} | x_t): the posterior at x_0's estimate
        if start == 0:  # t = 0: the decoder term (its mean is the model's x_0 prediction)
            decoder += discretized_gaussian_nll(x0.double(), model_mean[:1], betas[0].sqrt().item()).sum(dims)
            x_t, model_mean, ab, ab_prev = x_t[1:], model_mean[1:], ab[1:], ab_prev[1:]
        post_mean, post_var = posterior(x0.double(), x_t, ab, ab_prev)
        kl_sum += _normal_kl(post_mean, post_var, model_mean, post_var).sum(dims).sum(0)
    prior = prior.sum(dims)
    return {"prior": prior, "diffusion": kl_sum, "decoder": decoder, "total": prior + kl_sum + decoder}
