"""Samplers with analytic "networks": for Gaussian data N(mu, s^2 I) the optimal noise prediction is
known in closed form, so DDPM/DDIM behaviour can be checked without training anything."""

import math

import pytest
import torch

from models.diffusion.continuous import likelihood_timesteps, noise_level, ode_log_likelihood, score
from models.diffusion.ddim import DDIMSampler
from models.diffusion.langevin import AnnealedLangevinSampler, noise_range
from models.diffusion.sampling import ddim_invert, denoise, inpaint, make_sampler, ode_encode, sampler_evaluations
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


@pytest.mark.parametrize("name", ["ddpm", "ddim", "sde", "ode", "langevin"])
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


# --- the continuous-time view: score, reverse SDE, probability-flow ODE ------------------------------------

def test_the_score_from_eps_is_the_closed_form_score_of_the_noised_gaussian():
    """x_t ~ N(sqrt(ab) mu, (ab s^2 + 1 - ab) I), so grad log p_t(x) = -(x - sqrt(ab) mu) / (ab s^2 + 1 - ab):
    -eps / sqrt(1 - ab) from the optimal eps must equal it at every noise level."""
    s = 0.3
    model = GaussianData(MU, s, AB)
    x = torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(8))
    for t in (0, 10, 250, 999):
        ab = AB[t]
        closed_form = -(x - ab.sqrt() * MU) / (ab * s**2 + 1 - ab)
        assert torch.allclose(score(model.eps(x, t), ab), closed_form, atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize("name, steps", [("sde", 500), ("ode", 25)])
def test_sde_and_ode_samples_have_the_data_spread(name, steps):
    model = GaussianData(MU, 0.3, AB)
    g = torch.Generator().manual_seed(3)
    *_, last = denoise(model, make_sampler(name, AB, steps), torch.randn(64, 1, 28, 28, generator=g), None, 0.0, g)
    assert abs((last.x_t - MU).std().item() - 0.3) < 0.03


def test_the_ode_is_deterministic_and_the_sde_is_not():
    model = GaussianData(MU, 0.3, AB)
    x_T = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(1))

    def run(name, seed):
        *_, last = denoise(model, make_sampler(name, AB, 20), x_T, None, 0.0, torch.Generator().manual_seed(seed))
        return last.x_t

    assert torch.equal(run("ode", 1), run("ode", 2))
    assert not torch.allclose(run("sde", 1), run("sde", 2))


class Counted(GaussianData):
    calls = 0

    def eps(self, x_t, t, labels=None, guidance=0.0):
        self.calls += 1
        return super().eps(x_t, t)


@pytest.mark.parametrize(("name", "evaluations"), [("ddpm", 12), ("ddim", 12), ("sde", 12), ("ode", 23), ("langevin", 25)])
def test_each_sampler_evaluates_the_network_as_often_as_it_is_priced(name, evaluations):
    model = Counted(MU, 0.3, AB)
    list(denoise(model, make_sampler(name, AB, 12), torch.randn(1, 1, 28, 28), None, 0.0, torch.Generator()))
    assert model.calls == sampler_evaluations(name, 12, guided=False) == evaluations


def test_ode_encoding_round_trips_an_image_more_closely_than_ddim_at_equal_steps():
    """Heun is second order: at equal steps its round trip (encode, then decode) beats DDIM's Euler inversion
    by far, and it improves faster as the steps grow."""
    model = GaussianData(MU, 0.4, AB)
    image = (MU + 0.4 * torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(4))).clamp(-1, 1)

    def round_trip(name, steps):
        sampler = make_sampler(name, AB, steps, clip=False)
        x_T = (ode_encode if name == "ode" else ddim_invert)(model, sampler, image, None)
        assert x_T.std() > 0.5  # really noise, not the image
        *_, last = denoise(model, sampler, x_T, None, 0.0, None)
        return (last.x_t - image).abs().mean().item()

    ode, ddim = round_trip("ode", 50), round_trip("ddim", 50)
    assert ode < 2e-3 and ode < ddim / 5
    assert round_trip("ode", 100) < 0.4 * ode


def test_the_ode_likelihood_of_gaussian_data_is_its_closed_form_density():
    """The optimal eps of N(mu, s^2 I) data makes the probability-flow ODE an exact transport of that Gaussian,
    so its log-likelihood must be log N(x; mu, s^2 I). Its network Jacobian is a multiple of I, so Hutchinson's
    trace is exact and only the solver errs: within 0.02 bits/dim at the shipped 400-point grid, and falling
    fast (second order) as the grid refines."""
    s = 0.3
    model = GaussianData(MU, s, AB)
    g = torch.Generator().manual_seed(0)
    x = MU + s * torch.randn(3, 1, 28, 28, generator=g)
    probes = torch.randint(0, 2, (2, 3, 1, 28, 28), generator=g).float() * 2 - 1
    closed_form = -0.5 * (((x - MU) ** 2).flatten(1).sum(1) / s**2 + 784 * math.log(2 * math.pi * s**2))

    def error_bits_per_dim(n):
        log_p = ode_log_likelihood(model.eps, AB, x, likelihood_timesteps(1000, n), probes)
        assert torch.allclose(log_p[0], log_p[1])  # the trace of c I is exact for every probe
        return (log_p[0] - closed_form).abs().max().item() / (784 * math.log(2))

    fine, coarse = error_bits_per_dim(400), error_bits_per_dim(100)
    assert fine < 0.02 and fine < coarse / 5


class GaussianMixture2D:
    """eps*(x_t, t) for 2-D data from sum_k w_k N(mu_k, s^2 I): -sqrt(1 - ab) times the score of the noised
    mixture, whose components are N(sqrt(ab) mu_k, (ab s^2 + 1 - ab) I)."""

    def __init__(self, weights, means, s, alpha_bar):
        self.log_w, self.mu, self.s, self.alpha_bar = torch.tensor(weights).log(), torch.tensor(means), s, alpha_bar

    def eps(self, x, t, labels=None, guidance=0.0):
        ab = self.alpha_bar[t]
        var = ab * self.s**2 + 1 - ab
        diff = x[:, None, :] - ab.sqrt() * self.mu[None]  # (n, K, 2)
        responsibility = torch.softmax(self.log_w - diff.pow(2).sum(-1) / (2 * var), dim=1)
        score = -(responsibility[..., None] * diff).sum(1) / var
        return -(1 - ab).sqrt() * score


def _share_near_first_mode(x: torch.Tensor) -> float:
    return (x[:, 0] < 0).float().mean().item()


def test_annealed_langevin_finds_a_mixtures_weights_and_plain_langevin_does_not():
    """Song & Ermon (2019): Langevin dynamics at one small noise level cannot move mass between two separated
    modes, so the weights stay where the chain started; annealing from large noise gets them right
    (n = 10,000; 0.8 / 0.2 at -0.6 and +0.6, s = 0.1, on the DDPM's linear schedule). Small steps, many per
    level: at the image default (step size 1e-4, 2 per level) a step is as large as the level's noise, which
    over-spreads each level's distribution by a third and carries the share down to 0.73; here 0.775."""
    mixture = GaussianMixture2D([0.8, 0.2], [[-0.6, 0.0], [0.6, 0.0]], 0.1, AB)
    g = torch.Generator().manual_seed(0)
    sampler = make_sampler("langevin", AB, 50, langevin={"step_size": 2e-5, "steps_per_level": 20})
    *_, last = denoise(mixture, sampler, torch.randn(10_000, 2, generator=g), None, 0.0, g)
    assert abs(_share_near_first_mode(last.x_t) - 0.8) < 0.05
    assert abs(last.x_t.abs()[:, 0].mean().item() - 0.6) < 0.05  # on the modes, not between them
    plain = AnnealedLangevinSampler(AB, step_size=2e-5, steps_per_level=1000)
    plain.timesteps = [0]  # the cleanest level only, many steps
    start = torch.rand(10_000, 2, generator=g) * 2 - 1  # uniform over both modes: half on each side
    *_, unannealed = denoise(mixture, plain, start, None, 0.0, g)
    assert abs(_share_near_first_mode(unannealed.x_t) - 0.5) < 0.05


def test_langevin_levels_run_geometrically_from_sigma_max_down_to_sigma_min():
    sampler = make_sampler("langevin", AB, 20, langevin={"sigma_max": 10.0, "sigma_min": 0.1})
    sigmas = noise_level(AB[sampler.timesteps])
    assert sampler.timesteps == sorted(sampler.timesteps, reverse=True) and len(set(sampler.timesteps)) == 20
    assert abs(math.log(sigmas[0] / 10.0)) < 0.05 and abs(math.log(sigmas[-1] / 0.1)) < 0.05
    ratios = (sigmas[:-1] / sigmas[1:]).log()
    assert ratios.std() / ratios.mean() < 0.25  # a constant factor from one level to the next


@pytest.mark.parametrize(("settings", "steps", "named"), [
    ({"sigma_max": 500.0}, 10, "sigma_max = 500"),
    ({"sigma_min": 0.001}, 10, "sigma_min = 0.001"),
    ({"sigma_max": 1.0, "sigma_min": 2.0}, 10, "must be below"),
    ({"sigma_max": 1.0, "sigma_min": 0.9}, 50, "steps = 50 exceeds"),
])
def test_langevin_refuses_a_noise_range_the_model_does_not_have(settings, steps, named):
    with pytest.raises(ValueError, match=named):
        make_sampler("langevin", AB, steps, langevin=settings)


def test_the_final_denoising_step_removes_the_last_levels_noise():
    """At sigma_min = 0.5 the last level's samples are the data blurred by that noise (std sqrt(s^2 + sigma^2)
    = 0.51 across the modes' line); Tweedie's step x + sigma^2 score takes them to E[x_0 | x], std ~ s^2 / 0.51.
    Steps of 0.05 at the last level: a fifth of its variance, as in the mixture test above."""
    mixture = GaussianMixture2D([0.5, 0.5], [[-0.6, 0.0], [0.6, 0.0]], 0.1, AB)
    spread = {}
    for final in (False, True):
        g = torch.Generator().manual_seed(0)
        step_size = 0.05 * (noise_range(AB)[0] / 0.5) ** 2  # epsilon is set at the model's least noise
        sampler = make_sampler("langevin", AB, 30, langevin={"step_size": step_size, "steps_per_level": 20,
                                                              "sigma_min": 0.5, "final_denoise": final})
        *_, last = denoise(mixture, sampler, torch.randn(4000, 2, generator=g), None, 0.0, g)
        spread[final] = last.x_t[:, 1].std().item()
    assert 0.4 < spread[False] < 0.62 and spread[True] < 0.1
    assert sampler_evaluations("langevin", 30, False, 20, final_denoise=False) == 600
    assert sampler_evaluations("langevin", 30, False, 20, final_denoise=True) == 601


def test_a_raised_sigma_min_keeps_the_chains_moving():
    """The step size scales with the model's least noise, not the chosen sigma_min: at sigma_min = 0.2 the last
    level's two steps move a chain by about sqrt(2 a), a = 1e-4 (0.2 / sigma_0)^2, not by the 0.014 of a = 1e-4."""
    mixture = GaussianMixture2D([0.5, 0.5], [[-0.6, 0.0], [0.6, 0.0]], 0.1, AB)
    sampler = make_sampler("langevin", AB, 2, langevin={"sigma_min": 0.2, "sigma_max": 0.3, "final_denoise": False})
    g = torch.Generator().manual_seed(0)
    start = torch.zeros(2000, 2)
    *_, last = denoise(mixture, sampler, start, None, 0.0, g)
    expected = (2 * 1e-4 * (0.2 / noise_range(AB)[0]) ** 2) ** 0.5
    assert last.x_t.std().item() > expected / 2 > 0.014 * 5


@pytest.mark.parametrize("name", ["ddpm", "ddim"])
def test_a_state_without_a_range_is_sampled_unclipped(name):
    """Data at mean 3 (as a latent may be): clipping x_0's guess to [-1, 1] pins the samples near 1; without
    the clip (a latent model's setting) they come out at the data's mean."""
    data = GaussianData(torch.full((1, 4, 7, 7), 3.0), 0.1, AB)
    means = {}
    for clip in (True, False):
        g = torch.Generator().manual_seed(0)
        *_, last = denoise(data, make_sampler(name, AB, 50, clip=clip), torch.randn(8, 4, 7, 7, generator=g), None, 0.0, g)
        means[clip] = last.x_t.mean().item()
    assert means[True] < 1.2 and abs(means[False] - 3.0) < 0.1
