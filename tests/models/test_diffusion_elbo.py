import math

import pytest
import torch

from models.diffusion.elbo import LEVELS, discretized_gaussian_nll, variational_bound
from models.diffusion.process import Diffusion, DiffusionConfig
from models.diffusion.schedules import linear_betas

BETAS = linear_betas(100)
LEVEL_VALUES = torch.arange(LEVELS, dtype=torch.float64) / (LEVELS - 1) * 2 - 1


@pytest.mark.parametrize("mean", [-1.0, -0.3, 0.0, 0.999])
def test_the_decoder_masses_over_all_256_levels_sum_to_one(mean):
    nll = discretized_gaussian_nll(LEVEL_VALUES, torch.full_like(LEVEL_VALUES, mean), std=0.05)
    assert torch.exp(-nll).sum().item() == pytest.approx(1.0, abs=1e-9)


def digit() -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    return (torch.randint(0, LEVELS, (1, 1, 8, 8), generator=g).double() / (LEVELS - 1) * 2 - 1).float()


def oracle(x0):
    """Knows x_0, so it can recover the exact noise from x_t: every per-step KL is zero."""
    ab = torch.cumprod(1 - BETAS, 0)

    def predict(x_t, t):
        a = ab[t].view(-1, 1, 1, 1)
        return ((x_t.double() - a.sqrt() * x0.double()) / (1 - a).sqrt()).float()
    return predict


def test_an_oracle_pays_only_prior_and_decoder_and_a_blind_model_pays_more():
    x0 = digit()
    perfect = variational_bound(oracle(x0), x0, BETAS, torch.Generator().manual_seed(1), chunk=30)
    assert perfect["diffusion"].item() == pytest.approx(0.0, abs=1e-3)
    assert perfect["total"].item() == pytest.approx((perfect["prior"] + perfect["decoder"]).item(), rel=1e-6)
    blind = variational_bound(lambda x_t, t: torch.zeros_like(x_t), x0, BETAS, torch.Generator().manual_seed(1), chunk=30)
    assert blind["total"].item() > 2 * perfect["total"].item()
    assert torch.equal(blind["prior"], perfect["prior"])


def test_the_bound_is_deterministic_by_seed():
    x0 = digit()

    def halve(x_t, t):  # any fixed predictor
        return 0.5 * x_t
    a, b, c = (variational_bound(halve, x0, BETAS, torch.Generator().manual_seed(s), chunk=40)["total"] for s in (2, 2, 3))
    assert torch.equal(a, b) and not torch.equal(a, c) and math.isfinite(a.item())


def test_diffusion_log_prob_is_minus_the_bound_per_image():
    torch.manual_seed(0)
    model = Diffusion(DiffusionConfig(unet={"channels": (8, 16, 16), "emb_dim": 16, "num_classes": 10, "dropout": 0.0}, timesteps=20)).eval()
    x = torch.rand(2, 1, 28, 28)
    lp = model.log_prob(x, torch.tensor([3, 7]), torch.Generator().manual_seed(0))
    terms = model.variational_bound(x, torch.tensor([3, 7]), torch.Generator().manual_seed(0))
    assert lp.shape == (2,) and torch.allclose(lp, -terms["total"])
    assert (terms["total"] > 0).all() and torch.allclose(terms["total"], terms["prior"] + terms["diffusion"] + terms["decoder"])
