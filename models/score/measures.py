"""What a card and the tests say about a 2-D score model: where its score is right, and what its Langevin
samples look like, each on 1,000 points."""

import torch

from models.data import TOY_DISTRIBUTIONS, TOY_MODE_STD, TOY_MODES
from models.lab.metrics import mmd, mode_coverage
from models.score.network import Score2D
from models.score.reference import smoothed_log_density, smoothed_score

REFERENCE_POINTS = 2000  # data points the reference density is built on
SAMPLES = 1000
HIGH, LOW = 0.9, 0.5  # the most probable tenth of the grid against its less probable half


def reference_data(toy: str, seed: int = 12345) -> torch.Tensor:
    """The points that stand for the toy's distribution in the reference score (fixed: same figure every time)."""
    return TOY_DISTRIBUTIONS[toy](REFERENCE_POINTS, torch.Generator().manual_seed(seed))


def grid_points(k: int, box: float = 3.0) -> torch.Tensor:
    """k x k points over [-box, box]^2, row i = y rising, column j = x (the lab's heat-map order)."""
    axis = torch.linspace(-box, box, k)
    y, x = torch.meshgrid(axis, axis, indexing="ij")
    return torch.stack([x.flatten(), y.flatten()], dim=1)


def score_error(model: Score2D, points: torch.Tensor, data: torch.Tensor, sigma: float) -> torch.Tensor:
    """sigma |s_theta - s_ref| at each point: the error in units of the level's own noise (sigma s is what the
    network predicts, -z, of size about one at every level; an error of one is as large as the answer)."""
    reference = smoothed_score(points, data, sigma)
    with torch.no_grad():
        learned = model.score(points, sigma)
    return sigma * (learned - reference).norm(dim=1)


def error_by_density(model: Score2D, data: torch.Tensor, sigma: float, k: int = 48) -> dict:
    """Mean score_error where p_sigma is high (its top tenth over the grid) and where it is low (its lower
    half): Song & Ermon's point that a score learned from samples is only good where samples fall."""
    points = grid_points(k)
    error = score_error(model, points, data, sigma)
    log_p = smoothed_log_density(points, data, sigma)
    high, low = log_p >= log_p.quantile(HIGH), log_p <= log_p.quantile(LOW)
    return {"sigma": sigma, "high_density": round(float(error[high].mean()), 4),
            "low_density": round(float(error[low].mean()), 4)}


def mode_shares(samples: torch.Tensor, toy: str) -> list[float] | None:
    """The share of samples nearest each mode (within 3 std of it), for the toys with modes."""
    centres = TOY_MODES.get(toy)
    if centres is None or not len(samples):
        return None
    nearest, mode = torch.cdist(samples, centres).min(dim=1)
    counts = torch.bincount(mode[nearest <= 3 * TOY_MODE_STD[toy]], minlength=len(centres))
    return [round(float(c) / len(samples), 4) for c in counts]


def sample_quality(samples: torch.Tensor, toy: str, seed: int = 1) -> dict:
    """MMD to fresh data, and for toys with modes: coverage and the total-variation distance between the
    modes' shares and their equal weights (0: the data's own weights; mass between modes counts as missing)."""
    data = TOY_DISTRIBUTIONS[toy](SAMPLES, torch.Generator().manual_seed(seed))
    finite = samples[torch.isfinite(samples).all(dim=1)]
    out = {"mmd": round(mmd(finite, data), 5) if len(finite) > 1 else None}
    shares = mode_shares(finite, toy)
    if shares is not None:
        fair = 1 / len(shares)
        out["mode_coverage"] = mode_coverage(finite, TOY_MODES[toy], TOY_MODE_STD[toy])
        out["mode_weight_tv"] = round(0.5 * (sum(abs(s - fair) for s in shares) + (1 - sum(shares))), 4)
    return out


def default_step_size(model: Score2D) -> float:
    """NCSN: epsilon = a fifth of the last level's variance, a step that moves a chain by about 0.45 sigma_L.
    EBM: its training's own step, a = sigma^2 (its chains were trained to arrive with it)."""
    return (1.0 if model.is_energy else 0.2) * float(model.sigmas[-1]) ** 2
