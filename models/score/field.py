"""What the 2-D score page draws, computed from one model: the field at a level, and Langevin chains on it."""

from collections.abc import Iterator

import torch

from models.score.langevin import LangevinStep, annealed_langevin
from models.score.measures import default_step_size, error_by_density, grid_points, reference_data, score_error
from models.score.network import Score2D
from models.score.reference import smoothed_log_density, smoothed_score

BOX = 3.0  # the square [-BOX, BOX]^2 the page shows; every toy fits in it
DATA_SHOWN = 300


def score_field(model: Score2D, level: int, k: int) -> dict:
    """The model's score at level `level` on a k x k grid (row i = y rising), beside the exact score of the
    data blurred at that sigma, the blurred density, the error between the two (in units of sigma), the
    energy for an EBM, and the error where the data is dense against where it is thin."""
    sigma = float(model.sigmas[level])
    points, data = grid_points(k, BOX), reference_data(model.config.toy)
    with torch.no_grad():
        learned = model.score(points, sigma)
        energy = model.energy(points) if model.is_energy else None
    return {"sigma": sigma, "points": points, "score": learned, "reference": smoothed_score(points, data, sigma),
            "log_density": smoothed_log_density(points, data, sigma), "error": score_error(model, points, data, sigma),
            "energy": energy, "error_by_density": error_by_density(model, data, sigma), "data": data[:DATA_SHOWN]}


def langevin_chains(model: Score2D, n: int, generator: torch.Generator, *, annealed: bool, first_level: int,
                    last_level: int, steps_per_level: int, step_size: float | None,
                    final_denoise: bool) -> Iterator[LangevinStep]:
    """n chains started uniformly over the shown square, run through levels first_level..last_level (annealed)
    or at last_level alone (plain Langevin). An energy model has one level and no denoising step: its
    Langevin samples exp(-E) itself."""
    sigmas = model.sigmas.tolist()[first_level:last_level + 1] if annealed else [float(model.sigmas[last_level])]
    start = (torch.rand(n, 2, generator=generator) * 2 - 1) * BOX
    return annealed_langevin(model.score, start, sigmas, step_size or default_step_size(model), steps_per_level,
                             generator, final_denoise=final_denoise and not model.is_energy)


def chain_steps(levels: int, steps_per_level: int, final_denoise: bool) -> int:
    """Network evaluations per chain: every Langevin step, and the denoising step."""
    return levels * steps_per_level + int(final_denoise)


def langevin_samples(model: Score2D, n: int, seed: int, annealed: bool = True, steps_per_level: int = 100,
                     step_size: float | None = None) -> torch.Tensor:
    """The card's and the tests' samples: annealed over every level then denoised, or plain Langevin at the
    last level with as many steps in all (Song & Ermon 2019, Fig. 3's comparison)."""
    levels = len(model.sigmas)
    *_, last = langevin_chains(model, n, torch.Generator().manual_seed(seed), annealed=annealed, first_level=0,
                               last_level=levels - 1, steps_per_level=steps_per_level * (1 if annealed else levels),
                               step_size=step_size, final_denoise=annealed)
    return last.x
