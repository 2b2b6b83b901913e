"""Annealed Langevin dynamics (Song & Ermon 2019, Algorithm 1) driven by a trained DDPM's noise prediction.

The score of the noised data at level sigma, in the variance-exploding coordinates x~ = x / sqrt(alpha_bar)
with sigma = sqrt((1 - alpha_bar) / alpha_bar), is grad log p_sigma(x~) = -eps_theta(x, t) / sigma: the
noise-conditional score network of Song & Ermon and the DDPM's eps are the same object, up to that scale.
At each level, from the noisiest down, `steps_per_level` Langevin steps
    x~ <- x~ + (a / 2) score + sqrt(a) z,   a = step_size * sigma^2 / sigma_0^2,
then one last denoising step x~ <- x~ + sigma_L^2 score (Tweedie's formula, as Jolicoeur-Martineau et al.
2021 add): without it the samples keep the last level's noise. The levels run from sigma_1 = sigma_max down
to sigma_L = sigma_min, spaced geometrically, each at the DDPM step whose noise level is nearest; by default
the model's whole range (sigma 158 to 0.01 for ddpm-mnist). A sigma_max well below the data's scale starts
the chains in noise the score never saw at that level (Song & Ermon's first rule: sigma_1 should be as large
as the largest distance between data points); a large sigma_min leaves noise the final step must remove.
sigma_0 in the step size is the model's least noise, not the chosen sigma_min: Song & Ermon's rule scales
epsilon by the last level because theirs is always tiny; with the chosen one, a sigma_min of 0.2 would shrink
every step 400-fold (a = 1e-4 at sigma 0.2) and the chains would not move.

Measured on ddpm-mnist (40 samples, w = 0.5, 1 thread): 50 levels x 2 steps at step_size 1e-4 draw clean
digits, 90% of the asked class; step_size 3e-5 is too small to bridge the levels (the noise stays, the
classifier reads nothing), 3e-4 too large (78%); evenly spaced levels leave noise in the background."""

import math

import torch

from models.diffusion.continuous import noise_level
from models.diffusion.timesteps import StridedTimesteps

STEP_SIZE = 1e-4  # epsilon of Song & Ermon's step-size rule: at the model's least noise a = epsilon
STEPS_PER_LEVEL = 2


class AnnealedLangevinSampler(StridedTimesteps):
    """The levels are the strided timesteps (the DDPM's own noise levels); see the module docstring."""

    def __init__(self, alpha_bar: torch.Tensor, step_size: float = STEP_SIZE, steps_per_level: int = STEPS_PER_LEVEL,
                 sigma_max: float | None = None, sigma_min: float | None = None, final_denoise: bool = True):
        super().__init__(alpha_bar)
        self.step_size, self.steps_per_level, self.final_denoise = step_size, steps_per_level, final_denoise
        self.first, self.last = level_range(alpha_bar, sigma_max, sigma_min)
        self.sigma_0 = noise_range(alpha_bar)[0]

    def set_timesteps(self, n: int) -> None:
        """n levels spaced geometrically in sigma, from sigma_max to sigma_min (the DDPM steps nearest to them);
        where two round to one step, the later moves up one, so there are n distinct steps. Song & Ermon's
        choice: Langevin at each level then bridges only a constant factor of noise to the next (evenly spaced
        DDPM steps leave sigma = 0.18 before the last level, and its noise in the image)."""
        if n > self.first - self.last + 1:
            raise ValueError(f"steps = {n} exceeds the {self.first - self.last + 1} noise levels this model has "
                             "between sigma_min and sigma_max")
        sigmas = noise_level(self.alpha_bar)
        targets = torch.logspace(sigmas[self.last].log10(), sigmas[self.first].log10(), n, dtype=sigmas.dtype)
        levels: list[int] = []  # cleanest first
        for t in (sigmas.log()[None, :] - targets.log()[:, None]).abs().argmin(1).tolist():
            levels.append(t if not levels or t > levels[-1] else levels[-1] + 1)  # n distinct steps
        self.timesteps = [min(t, self.first - i) for i, t in enumerate(levels[::-1])]  # and none past sigma_max

    def step(self, eps_at, t: int, x_t: torch.Tensor, generator: torch.Generator | None):
        """Langevin at level t on x_t (in the DDPM's scale at t); returns the state in the scale of the next
        level, or, after the last level, the denoised image; and the current guess of x_0."""
        ab, ab_next = self.alpha_bar[t], self.alpha_bar_prev(t)
        sigma = noise_level(ab)
        a = self.step_size * sigma**2 / self.sigma_0**2
        x = x_t / ab.sqrt()  # x~: the same variable at every level
        for _ in range(self.steps_per_level):
            eps = eps_at(x * ab.sqrt(), t)
            x = x + a / 2 * (-eps / sigma) + a.sqrt() * torch.randn(x.shape, generator=generator, device=x.device)
        x0 = (x - sigma * eps).clamp(-1, 1)  # Tweedie's guess, with the last evaluation's eps
        if t != self.timesteps[-1]:
            return x * ab_next.sqrt(), x0
        if not self.final_denoise:
            return x, x0  # the last level's sample, its noise sigma_min and all
        eps = eps_at(x * ab.sqrt(), t)
        return x - sigma * eps, x0  # the final denoising step, x~ + sigma^2 score: the image


def noise_range(alpha_bar: torch.Tensor) -> tuple[float, float]:
    """(sigma_min, sigma_max): the least and the most noise among a DDPM's steps, in Langevin's coordinates."""
    sigmas = noise_level(alpha_bar)
    return float(sigmas[0]), float(sigmas[-1])


def level_range(alpha_bar: torch.Tensor, sigma_max: float | None, sigma_min: float | None) -> tuple[int, int]:
    """The DDPM steps (noisiest, cleanest) nearest to sigma_max and sigma_min (None: the model's own ends);
    a ValueError names a bound outside the model's range or a sigma_min not below sigma_max."""
    low, high = noise_range(alpha_bar)
    for name, value in (("sigma_max", sigma_max), ("sigma_min", sigma_min)):
        if value is not None and not low <= value <= high:
            raise ValueError(f"{name} = {value:g} is outside this model's noise levels [{low:.3g}, {high:.4g}]")
    top, bottom = high if sigma_max is None else sigma_max, low if sigma_min is None else sigma_min
    if bottom >= top:
        raise ValueError(f"sigma_min = {bottom:g} must be below sigma_max = {top:g}")
    return _nearest_step(alpha_bar, top), _nearest_step(alpha_bar, bottom)


def _nearest_step(alpha_bar: torch.Tensor, sigma: float) -> int:
    """The DDPM step whose noise level is nearest to sigma, on a log scale (the levels' own spacing)."""
    return int((noise_level(alpha_bar).log() - math.log(sigma)).abs().argmin())
