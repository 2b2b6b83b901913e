"""2-D score and energy models: the exact reference score, the sampler on it, training, and the models' own rules."""

import pytest
import torch

from models.score import Score2D, ScoreConfig
from models.score.langevin import annealed_langevin, geometric_levels
from models.score.reference import smoothed_log_density, smoothed_score
from models.score.train import TrainSettings, train


def test_the_reference_score_is_the_gradient_of_the_reference_log_density():
    data = torch.randn(50, 2, generator=torch.Generator().manual_seed(0))
    x = torch.randn(20, 2, generator=torch.Generator().manual_seed(1)).requires_grad_(True)
    (grad,) = torch.autograd.grad(smoothed_log_density(x, data, 0.3).sum(), x)
    assert torch.allclose(smoothed_score(x.detach(), data, 0.3), grad, atol=1e-4)
    # and the density integrates to one over the plane (a fine grid over a box that holds it)
    axis = torch.linspace(-6, 6, 241)
    grid = torch.cartesian_prod(axis, axis)
    assert smoothed_log_density(grid, data, 0.3).exp().sum().item() * (12 / 240) ** 2 == pytest.approx(1.0, abs=0.01)


def _two_modes(n: int) -> torch.Tensor:
    """0.8 of the points at (-1, 0), 0.2 at (+1, 0), each blurred by 0.05."""
    g = torch.Generator().manual_seed(2)
    left = torch.rand(n, generator=g) < 0.8
    centres = torch.where(left[:, None], torch.tensor([-1.0, 0.0]), torch.tensor([1.0, 0.0]))
    return centres + 0.05 * torch.randn(n, 2, generator=g)


def test_annealed_langevin_on_an_exact_score_finds_the_weights_and_plain_langevin_does_not():
    """Song & Ermon (2019), on the exact score of a 0.8 / 0.2 mixture (n = 10,000 chains from uniform noise):
    annealing from sigma 3 to 0.05 puts 0.8 on the heavy mode within 0.05; Langevin at 0.05 alone, as many
    steps, keeps the half the chains started with on each side."""
    data = _two_modes(60)
    score = lambda x, sigma: smoothed_score(x, data, sigma)
    start = torch.rand(10_000, 2, generator=torch.Generator().manual_seed(3)) * 4 - 2
    levels = geometric_levels(3.0, 0.05, 10)
    *_, annealed = annealed_langevin(score, start, levels, 0.2 * 0.05**2, 30, torch.Generator().manual_seed(4))
    *_, plain = annealed_langevin(score, start, levels[-1:], 0.2 * 0.05**2, 300, torch.Generator().manual_seed(4))
    assert abs((annealed.x[:, 0] < 0).float().mean().item() - 0.8) < 0.05
    assert abs((plain.x[:, 0] < 0).float().mean().item() - 0.5) < 0.05
    assert annealed.level == len(levels) and annealed.step == 10 * 30 + 1  # the denoising step comes last


def test_a_score_network_learns_by_denoising_score_matching():
    """A few seconds of training on 8 Gaussians: the loss falls, and at the largest level, where every point
    of the plane sees data, the score matches the exact one to a fraction of the level's noise."""
    model, record = train("ncsn", "8gaussians", TrainSettings(steps=600, levels=6))
    losses = [h["loss"] for h in record["history"]]
    assert losses[-1] < losses[0]
    from models.score.measures import error_by_density, reference_data

    figures = error_by_density(model, reference_data("8gaussians"), float(model.sigmas[0]))
    assert figures["high_density"] < 0.2 and figures["low_density"] < 0.2


def test_an_energy_models_score_is_minus_its_gradient_also_in_inference_mode():
    model = Score2D(ScoreConfig(kind="ebm", toy="moons", sigmas=(0.1,), hidden=16, depth=2))
    x = torch.randn(5, 2)
    with torch.inference_mode():
        score = model.score(x, 0.1)
    x.requires_grad_(True)
    (grad,) = torch.autograd.grad(model.energy(x).sum(), x)
    assert torch.allclose(score, -grad)


@pytest.mark.parametrize(("config", "named"), [
    ({"kind": "gan", "sigmas": (1.0,)}, "kind"), ({"kind": "ncsn", "sigmas": (0.1, 1.0)}, "noisiest first"),
    ({"kind": "ncsn", "sigmas": (1.0, 0.0)}, "positive"), ({"kind": "ebm", "sigmas": (1.0, 0.1)}, "one level"),
])
def test_a_config_that_makes_no_model_is_refused(config, named):
    with pytest.raises(ValueError, match=named):
        ScoreConfig(toy="moons", **config)
