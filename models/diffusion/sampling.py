"""Progressive sampling: every sampler is driven by one generator that yields each step, so the final
image, SSE streams, progress bars and animations all consume the same loop (as improved-diffusion's
p_sample_loop_progressive)."""

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from models.diffusion.continuous import ProbabilityFlowSampler, ReverseSDESampler
from models.diffusion.ddim import DDIMSampler
from models.diffusion.ddpm import DDPMSampler
from models.diffusion.langevin import STEPS_PER_LEVEL, AnnealedLangevinSampler
from models.interrupt import checkpoint


@dataclass
class Step:
    t: int
    x_t: torch.Tensor  # (B, 1, 28, 28) in [-1, 1]: the state after this step
    x0_pred: torch.Tensor  # (B, 1, 28, 28): the network's current guess of the clean image


SAMPLERS = {  # name -> what it is, for the API's and the page's choices
    "ddpm": "DDPM ancestral sampling (Ho et al. 2020)",
    "ddim": "DDIM (Song et al. 2021); eta = 0 is deterministic",
    "sde": "reverse SDE by Euler-Maruyama (Song et al. 2021)",
    "ode": "probability-flow ODE by Heun's method (Song et al. 2021; Karras et al. 2022)",
    "langevin": "annealed Langevin dynamics on the score -eps / sigma (Song & Ermon 2019)",
}


def make_sampler(name: str, alpha_bar: torch.Tensor, steps: int, eta: float = 0.0, clip: bool = True,
                 langevin: dict | None = None):
    """A fresh sampler per request (samplers hold per-run state; none is shared). `steps` is the number of
    noise levels for Langevin; `langevin` its other settings (AnnealedLangevinSampler's keywords: step_size,
    steps_per_level, sigma_max, sigma_min, final_denoise). A ValueError names a setting the model cannot take."""
    if name not in SAMPLERS:
        raise ValueError(f"sampler: {name!r} is not one of {list(SAMPLERS)}")
    sampler = {"ddpm": lambda: DDPMSampler(alpha_bar, clip), "ddim": lambda: DDIMSampler(alpha_bar, eta, clip),
               "sde": lambda: ReverseSDESampler(alpha_bar), "ode": lambda: ProbabilityFlowSampler(alpha_bar),
               "langevin": lambda: AnnealedLangevinSampler(alpha_bar, **(langevin or {}))}[name]()
    sampler.set_timesteps(steps)
    return sampler


def sampler_evaluations(name: str, steps: int, guided: bool, steps_per_level: int = STEPS_PER_LEVEL,
                        final_denoise: bool = True) -> int:
    """Network passes per image of a reverse run of `steps` steps: one per step (two for the ODE's Heun steps
    but the last; Langevin's steps_per_level per level and one to denoise), doubled by classifier-free guidance."""
    per_run = {"ode": 2 * steps - 1, "langevin": steps * steps_per_level + int(final_denoise)}.get(name, steps)
    return per_run * (2 if guided else 1)


def denoise(model, sampler, x_T: torch.Tensor, labels, guidance: float,
            generator: torch.Generator | None) -> Iterator[Step]:
    """Run the reverse process from x_T, yielding after every step."""
    x = x_T
    for t in sampler.timesteps:
        checkpoint()
        x, x0 = sampler.step(_eps_at(model, labels, guidance), t, x, generator)
        yield Step(t, x, x0)


def _eps_at(model, labels, guidance: float):
    """The network as a sampler calls it, eps_at(x_t, t), with the request's labels and guidance."""
    return lambda x, t: model.eps(x, t, labels, guidance)


def ddim_invert(model, sampler: DDIMSampler, x0: torch.Tensor, labels) -> torch.Tensor:
    """Image (in [-1, 1]) -> the x_T from which deterministic DDIM (eta = 0) regenerates it."""
    x = x0
    for t in reversed(sampler.timesteps):
        checkpoint()
        x = sampler.invert_step(model.eps(x, t, labels), t, x)
    return x


def ode_encode(model, sampler: ProbabilityFlowSampler, x0: torch.Tensor, labels) -> torch.Tensor:
    """Image (in [-1, 1]) -> the x_T from which the probability-flow ODE regenerates it (continuous.py)."""
    return sampler.encode(_eps_at(model, labels, 0.0), x0)


def inpaint(model, sampler, known: torch.Tensor, mask: torch.Tensor, labels, guidance: float,
            generator: torch.Generator) -> Iterator[Step]:
    """Fill the pixels where mask = 1, keeping the rest of `known` (in [-1, 1]).

    Replacement method (Song et al. 2021, app. I; RePaint's base step, Lugmayr et al. 2022): after
    every reverse step the known pixels are overwritten by the known image noised to the level the
    sample is now at, so the network always sees a consistent x_t and fills the hole to match."""
    x = torch.randn(known.shape, generator=generator, device=known.device)
    for t in sampler.timesteps:
        checkpoint()
        x, x0 = sampler.step(_eps_at(model, labels, guidance), t, x, generator)
        ab_prev = sampler.alpha_bar_prev(t)
        noise = torch.randn(known.shape, generator=generator, device=known.device)
        x = mask * x + (1 - mask) * (ab_prev.sqrt() * known + (1 - ab_prev).sqrt() * noise)
        yield Step(t, x, mask * x0 + (1 - mask) * known)
