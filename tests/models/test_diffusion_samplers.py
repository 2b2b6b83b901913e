"""Samplers with analytic "networks": for Gaussian data N(mu, s^2 I) the optimal noise prediction is
known in closed form, so DDPM/DDIM behaviour can be checked without training anything."""

import pytest
import torch

from models.diffusion.ddim import DDIMSampler
from models.diffusion.sampling import ddim_invert, denoise, inpaint, make_sampler
from models.diffusion.schedules import SCHEDULES, alpha_bars, snr


class GaussianData:
    """eps*(x_t, t) = E[eps | x_t] when x_0 ~ N(mu, s^2 I)."""

    def __init__(self, mu: torch.Tensor, s: float, alpha_bar: torch.Tensor):
        self.mu, self.s, self.alpha_bar = mu, s, alpha_bar

    def eps(self, x_t, t, labels=None, guidance=0.0):
        ab = self.alpha_bar[t]
        return (1 - ab).sqrt() * (x_t - ab.sqrt() * self.mu) / (ab * self.s**2 + 1 - ab)


AB = alpha_bars(SCHEDULES["linear"](1000)).float()
MU = torch.linspace(-0.5, 0.5, 784).reshape(1, 1, 28, 28)


@pytest.mark.parametrize("n", [2, 10, 50, 1000])
def test_timesteps_run_from_T_minus_1_down_to_0(n):
    sampler = make_sampler("ddim", AB, n)
    assert len(sampler.timesteps) == n and sampler.timesteps[0] == 999 and sampler.timesteps[-1] == 0
    assert all(a > b for a, b in zip(sampler.timesteps, sampler.timesteps[1:]))


@pytest.mark.parametrize("name", ["ddpm", "ddim"])
def test_point_mass_data_is_recovered_from_any_noise(name):
    model = GaussianData(MU, 0.0, AB)
    g = torch.Generator().manual_seed(0)
    steps = list(denoise(model, make_sampler(name, AB, 20, eta=1.0), torch.randn(2, 1, 28, 28, generator=g), None, 0.0, g))
    assert len(steps) == 20 and [s.t for s in steps][-1] == 0
    assert torch.allclose(steps[-1].x_t, MU.expand(2, -1, -1, -1), atol=1e-3)


def test_ddim_eta_0_is_deterministic_and_eta_1_is_not():
    model = GaussianData(MU, 0.3, AB)
    x_T = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(1))

    def run(eta, seed):
        *_, last = denoise(model, make_sampler("ddim", AB, 25, eta), x_T, None, 0.0, torch.Generator().manual_seed(seed))
        return last.x_t

    assert torch.equal(run(0.0, 1), run(0.0, 2))
    assert not torch.allclose(run(1.0, 1), run(1.0, 2))


def test_samples_have_the_data_spread():
    model = GaussianData(MU, 0.3, AB)
    g = torch.Generator().manual_seed(3)
    *_, last = denoise(model, make_sampler("ddpm", AB, 200), torch.randn(64, 1, 28, 28, generator=g), None, 0.0, g)
    assert abs((last.x_t - MU).std().item() - 0.3) < 0.03


def test_ddim_inversion_round_trips_an_image_and_converges_with_steps():
    model = GaussianData(MU, 0.4, AB)
    image = (MU + 0.4 * torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(4))).clamp(-1, 1)
    errors = []
    for steps in (100, 200):
        sampler = DDIMSampler(AB, eta=0.0, clip=False)
        sampler.set_timesteps(steps)
        x_T = ddim_invert(model, sampler, image, None)
        assert x_T.std() > 0.5  # really noise, not the image
        *_, last = denoise(model, sampler, x_T, None, 0.0, None)
        errors.append((last.x_t - image).abs().mean().item())
    assert errors[0] < 0.02 and errors[1] < 0.6 * errors[0]  # first-order: halving the step halves the error


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_decay_monotonically_within_bounds(name):
    betas = SCHEDULES[name](1000)
    ab = alpha_bars(betas)
    assert ((0 < betas) & (betas < 1)).all() and (ab[1:] < ab[:-1]).all()
    assert ab[0] > 0.99 and ab[-1] < 0.01
    assert (snr(ab)[1:] < snr(ab)[:-1]).all()


def test_linear_schedule_matches_ddpm_paper():
    betas = SCHEDULES["linear"](1000)
    assert betas[0].item() == pytest.approx(1e-4) and betas[-1].item() == pytest.approx(0.02)


def test_inpainting_keeps_known_pixels_and_fills_the_hole_from_the_model():
    model = GaussianData(MU, 0.0, AB)  # the "model" only knows the image MU
    known = -MU  # a different image
    mask = torch.zeros(1, 1, 28, 28)
    mask[..., 10:18, 10:18] = 1
    g = torch.Generator().manual_seed(6)
    *_, last = inpaint(model, make_sampler("ddim", AB, 30), known, mask, None, 0.0, g)
    hole = mask.bool()
    assert torch.allclose(last.x_t[~hole], known[~hole], atol=1e-4)
    assert (last.x_t[hole] - MU[hole]).abs().mean() < 0.2 * (known[hole] - MU[hole]).abs().mean()
