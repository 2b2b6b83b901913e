"""One noisy digit, two scores: an NCSN's s(x~, sigma) and a DDPM's -eps(x_t, t) / sigma_t at the step whose
noise level sigma_t = sqrt((1 - alpha_bar_t) / alpha_bar_t) is nearest (x_t = sqrt(alpha_bar_t) x~).

Two networks trained apart, on different noise schedules, asked the same question: if they point the same way
(cosine near 1) and Tweedie's formula x~ + sigma^2 s gives the same clean guess from both, the score network and
the noise predictor are the same object up to the scale -1/sigma (Song et al. 2021 make it exact: both
estimate grad log p_sigma)."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from models.diffusion.continuous import noise_level
from models.diffusion.process import Diffusion
from models.ncsn.model import NCSN


@dataclass(frozen=True)
class ScorePair:
    level: int  # the NCSN's level
    sigma: float  # its noise level, which the digit is noised at
    step: int  # the DDPM step asked
    step_sigma: float  # that step's noise level (nearest to sigma on a log scale)
    noisy: torch.Tensor  # x~ = x0 + sigma z, (n, 1, 28, 28) in the pixels' [-1, 1] scale plus noise
    ncsn: torch.Tensor  # sigma s_ncsn: unitless, about -z where the network is right
    ddpm: torch.Tensor  # sigma s_ddpm = -eps sigma / sigma_t
    ncsn_denoised: torch.Tensor  # x~ + sigma^2 s, Tweedie's guess of x0, in [-1, 1]
    ddpm_denoised: torch.Tensor  # x~ - sigma_t eps, the DDPM's own guess at its own level
    cosine: torch.Tensor  # (n,) between the two scores
    cosine_to_noise: torch.Tensor  # (n,) between the NCSN's score and the true -z (what DSM fits)


def spread_levels(ncsn: NCSN, count: int) -> list[int]:
    """count of the NCSN's levels spread evenly over its ladder (geometric in sigma), noisiest first."""
    last = ncsn.config.levels - 1
    return sorted({round(i * last / max(count - 1, 1)) for i in range(count)})


@torch.no_grad()
def score_pairs(ncsn: NCSN, ddpm: Diffusion, images: torch.Tensor, labels: torch.Tensor | None, levels: list[int],
                generator: torch.Generator) -> list[ScorePair]:
    """For each NCSN level: the images (in [0, 1]) noised with one draw of z, and both models' scores there."""
    x0 = images * 2 - 1
    z = torch.randn(x0.shape, generator=generator, device=x0.device)
    ddpm_sigmas = noise_level(ddpm.alpha_bar)
    pairs = []
    for level in levels:
        sigma = float(ncsn.sigmas[level])
        step = int((ddpm_sigmas.log() - torch.log(torch.tensor(sigma))).abs().argmin())
        noisy = x0 + sigma * z
        ncsn_scaled = sigma * ncsn.score(noisy, level, labels if ncsn.num_classes else None)
        step_sigma = float(ddpm_sigmas[step])
        eps = ddpm.eps(noisy * ddpm.alpha_bar[step].sqrt(), step, labels if ddpm.num_classes else None)
        ddpm_scaled = -eps * sigma / step_sigma  # sigma s_ddpm, s_ddpm = -eps / sigma_t
        pairs.append(ScorePair(
            level, sigma, step, step_sigma, noisy, ncsn_scaled, ddpm_scaled,
            (noisy + sigma * ncsn_scaled).clamp(-1, 1), (noisy - step_sigma * eps).clamp(-1, 1),
            F.cosine_similarity(ncsn_scaled.flatten(1), ddpm_scaled.flatten(1)),
            F.cosine_similarity(ncsn_scaled.flatten(1), -z.flatten(1))))
    return pairs
