"""The NCSN on digits: its sampler on a score known in closed form, and its score beside a DDPM's on the same
noisy digit (the same object when both are exact)."""

import pytest
import torch

from models.diffusion.continuous import noise_level
from models.diffusion.process import Diffusion, DiffusionConfig
from models.ncsn import NCSN, NCSNConfig
from models.ncsn.same_object import score_pairs, spread_levels

DATA_STD = 0.3  # the closed-form case: every pixel x0 ~ N(0, 0.3^2) in the [-1, 1] scale
TINY_UNET = {"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0}


def exact_eps(sigma, x):
    """eps = -sigma * grad log p_sigma(x~) for x~ ~ N(0, (DATA_STD^2 + sigma^2) I)."""
    return sigma * x / (DATA_STD**2 + sigma**2)


def gaussian_ncsn(**config) -> NCSN:
    torch.manual_seed(0)
    model = NCSN(NCSNConfig(unet=TINY_UNET, **config)).eval()
    model._eps = lambda net, x, level, labels: exact_eps(model.sigmas[level].view(-1, 1, 1, 1), x)
    return model


def test_annealed_langevin_on_an_exact_score_draws_the_data_distribution():
    model = gaussian_ncsn(levels=12, sigma_max=10.0, sigma_min=0.05, steps_per_level=10, step_size=2e-3)
    x = model.sample(100, torch.Generator().manual_seed(0))["images"] * 2 - 1  # back to [-1, 1]
    assert x.mean().item() == pytest.approx(0, abs=0.02)
    assert x.std().item() == pytest.approx(DATA_STD, rel=0.1)


def test_the_score_is_minus_eps_over_sigma_and_guidance_mixes_the_null_class():
    torch.manual_seed(0)
    model = NCSN(NCSNConfig(unet=TINY_UNET, levels=4, sigma_max=5.0, sigma_min=0.1)).eval()
    x, labels = torch.randn(2, 1, 28, 28), torch.tensor([3, 7])
    levels = torch.full((2,), 2)
    eps = model._eps(model.ema, x, levels, labels)
    assert torch.allclose(model.score(x, 2, labels), -eps / model.sigmas[2])
    null = model._eps(model.ema, x, levels, torch.full_like(labels, 10))
    assert torch.allclose(model.score(x, 2, labels, guidance=1.5), -(2.5 * eps - 1.5 * null) / model.sigmas[2], atol=1e-6)


def test_sampling_is_fixed_by_the_seed_and_priced_per_langevin_step():
    torch.manual_seed(0)
    model = NCSN(NCSNConfig(unet=TINY_UNET, levels=3, steps_per_level=2)).eval()
    a = model.sample(2, torch.Generator().manual_seed(1))
    b = model.sample(2, torch.Generator().manual_seed(1))
    assert torch.equal(a["images"], b["images"]) and torch.equal(a["labels"], b["labels"])
    assert model.network_evaluations("sample") == 3 * 2 + 1 == len(list(model.langevin_steps(1, torch.Generator())))
    guided = NCSN(NCSNConfig(unet=TINY_UNET, levels=3, steps_per_level=2, sample_guidance=1.0))
    assert guided.network_evaluations("sample") == 2 * (3 * 2 + 1) and guided.langevin_steps_taken == 3 * 2 + 1


def test_levels_are_spread_over_the_ladder_noisiest_first():
    model = NCSN(NCSNConfig(unet=TINY_UNET, levels=50))
    assert spread_levels(model, 5) == [0, 12, 24, 37, 49] or spread_levels(model, 5) == [0, 12, 25, 37, 49]
    assert spread_levels(model, 1) == [0]


def test_exact_score_network_and_exact_noise_predictor_agree_on_a_noisy_digit():
    ncsn = gaussian_ncsn(levels=10, sigma_max=20.0, sigma_min=0.01)
    torch.manual_seed(1)
    ddpm = Diffusion(DiffusionConfig(unet=TINY_UNET)).eval()  # T = 1000, linear: steps fine enough to match any level
    ddpm_sigmas = noise_level(ddpm.alpha_bar)

    def eps(x_t, t, labels, guidance=0.0):
        return exact_eps(ddpm_sigmas[t], x_t / ddpm.alpha_bar[t].sqrt())

    ddpm.eps = eps
    images = (torch.randn(3, 1, 28, 28, generator=torch.Generator().manual_seed(2)) * DATA_STD + 1) / 2
    pairs = score_pairs(ncsn, ddpm, images, None, spread_levels(ncsn, 4), torch.Generator().manual_seed(3))
    assert [p.level for p in pairs] == [0, 3, 6, 9]
    for p in pairs:
        assert p.step_sigma == pytest.approx(p.sigma, rel=0.05)
        assert torch.allclose(p.cosine, torch.ones(3), atol=1e-5)
        assert torch.allclose(p.ncsn, p.ddpm, rtol=0.1, atol=1e-3)
        assert torch.allclose(p.ncsn_denoised, p.ddpm_denoised, atol=0.05)


def test_a_label_goes_only_to_a_conditional_model():
    torch.manual_seed(0)
    ncsn = NCSN(NCSNConfig(unet=TINY_UNET, levels=3)).eval()
    ddpm = Diffusion(DiffusionConfig(unet={**TINY_UNET, "num_classes": 0}, timesteps=50)).eval()
    heard = {}
    ncsn_eps, ddpm_eps = ncsn._eps, ddpm.eps

    def ncsn_listening(net, x, level, labels):
        heard["ncsn"] = labels
        return ncsn_eps(net, x, level, labels)

    def ddpm_listening(x_t, t, labels, guidance=0.0):
        heard["ddpm"] = labels
        return ddpm_eps(x_t, t, labels, guidance)

    ncsn._eps, ddpm.eps = ncsn_listening, ddpm_listening
    score_pairs(ncsn, ddpm, torch.rand(1, 1, 28, 28), torch.tensor([4]), [1], torch.Generator().manual_seed(0))
    assert heard["ncsn"].tolist() == [4] and heard["ddpm"] is None
