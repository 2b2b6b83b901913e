"""Langevin dynamics on a 2-D score, annealed or not (Song & Ermon 2019, Algorithm 1).

At each level sigma_i, noisiest first, `steps_per_level` steps
    x <- x + (a_i / 2) s(x, sigma_i) + sqrt(a_i) z,   a_i = step_size * sigma_i^2 / sigma_L^2,
then, if asked, one denoising step x <- x + sigma_L^2 s(x, sigma_L) (Tweedie's formula). One level is plain
Langevin dynamics: at a small sigma it mixes badly between separated modes (the chains keep the weights
they started with) and is pushed by poor scores wherever the data is thin. An energy model has one level.
The same code as the diffusion model's sampler (models/diffusion/langevin.py) in the variables of a
network that takes sigma itself, rather than a DDPM step."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch

from models.interrupt import checkpoint

Score = Callable[[torch.Tensor, float], torch.Tensor]


@dataclass(frozen=True)
class LangevinStep:
    level: int  # index into the levels run, 0 = the noisiest; len(levels) for the final denoising step
    step: int  # steps taken so far, over all levels (the final denoising step counts one)
    sigma: float
    x: torch.Tensor


def annealed_langevin(score: Score, x: torch.Tensor, sigmas: list[float], step_size: float, steps_per_level: int,
                      generator: torch.Generator | None, final_denoise: bool = True) -> Iterator[LangevinStep]:
    """Yield the particles after every step (and after the final denoising step), with a checkpoint() before
    each step (where a server stops a run whose client left)."""
    last, taken = sigmas[-1], 0
    for i, sigma in enumerate(sigmas):
        a = step_size * sigma**2 / last**2
        for _ in range(steps_per_level):
            checkpoint()
            z = torch.randn(x.shape, generator=generator, device=x.device)
            x = x + a / 2 * score(x, sigma) + a**0.5 * z
            taken += 1
            yield LangevinStep(i, taken, sigma, x)
    if final_denoise:
        yield LangevinStep(len(sigmas), taken + 1, last, x + last**2 * score(x, last))


def geometric_levels(sigma_max: float, sigma_min: float, n: int) -> list[float]:
    """n levels from sigma_max down to sigma_min, a constant factor apart (one level: sigma_min alone)."""
    if n == 1:
        return [sigma_min]
    return torch.logspace(torch.tensor(sigma_max).log10(), torch.tensor(sigma_min).log10(), n).tolist()
