"""The ex-post prior: EM finds clusters, a VAE samples from its mixture, and fit-prior refits a checkpoint."""

from dataclasses import asdict

import pytest
import torch

from models.checkpoint import read_card, save_checkpoint
from models.registry import load_model
from models.vae import VAE, VAEConfig
from models.vae.prior import fit_mixture, sample_mixture
from models.vae.train import refit_prior


def test_em_finds_two_separated_clusters():
    g = torch.Generator().manual_seed(0)
    z = torch.cat([torch.randn(500, 2, generator=g) * 0.3 + 5, torch.randn(500, 2, generator=g) * 0.3 - 5])
    mixture = fit_mixture(z, components=2, iterations=50)
    centres = sorted(mixture["means"][:, 0].tolist())
    assert centres == pytest.approx([-5, 5], abs=0.1) and mixture["weights"].tolist() == pytest.approx([0.5, 0.5], abs=0.02)
    draws = sample_mixture(**mixture, n=2000, generator=torch.Generator().manual_seed(1))
    assert (draws[:, 0].abs() > 3).float().mean() > 0.99  # draws fall in the clusters, none in the hole between


def test_refit_prior_saves_a_checkpoint_that_samples_from_the_mixture(tmp_path):
    torch.manual_seed(0)
    config = VAEConfig(latent_dim=2, hidden=16, width=4)
    card = {"id": "tiny", "family": "vae", "title": "tiny", "description": "A tiny VAE.", "config": asdict(config),
            "training": {"history": []}, "metrics": {"frechet_ratio_to_floor": 30.0}}
    save_checkpoint(tmp_path, VAE(config), card)
    refit_prior(tmp_path, "tiny", components=3)
    card = read_card(tmp_path / "tiny.json")
    assert card["config"]["prior_components"] == 3 and "mixture" in card["description"]
    assert card["training"]["prior"]["standard_prior_metrics"] == {"frechet_ratio_to_floor": 30.0}
    vae = load_model(tmp_path / "tiny.json").module
    g = torch.Generator().manual_seed(2)
    assert vae.sampling_prior == "fitted" and vae.prior_means.abs().sum() > 0
    fitted, standard = vae.sample_latents(4, g), vae.sample_latents(4, g, prior="standard")
    assert fitted.shape == standard.shape == (4, 2)
    refit_prior(tmp_path, "tiny", components=3)  # a refit keeps the N(0, I) figures of the first fit
    assert read_card(tmp_path / "tiny.json")["training"]["prior"]["standard_prior_metrics"] == {"frechet_ratio_to_floor": 30.0}


def test_a_conditional_vae_refuses_a_fitted_prior():
    with pytest.raises(ValueError, match="unconditional"):
        VAE(VAEConfig(latent_dim=2, hidden=16, width=4, num_classes=10, prior_components=2)).fit_prior(torch.zeros(4, 1, 28, 28))
