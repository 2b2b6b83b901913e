import pytest
import torch

from models.data import load_digits
from models.vae import VAE, VAEConfig


@pytest.fixture
def vae():
    torch.manual_seed(0)
    return VAE(VAEConfig(latent_dim=4, hidden=32, width=8)).eval()


def test_shapes_and_bernoulli_means(vae):
    x = load_digits("heldout").images[:6]
    mean, logvar = vae.encode(x)
    assert mean.shape == logvar.shape == (6, 4)
    images = vae.decode(mean)
    assert images.shape == (6, 1, 28, 28) and 0 <= images.min() and images.max() <= 1


def test_elbo_split_adds_up_and_kl_is_non_negative(vae):
    terms = vae.elbo_terms(load_digits("heldout").images[:8], generator=torch.Generator().manual_seed(0))
    assert torch.allclose(terms["elbo"], -(terms["recon"] + terms["kl"]))
    assert (terms["kl"] >= 0).all() and (terms["recon"] > 0).all()


def test_same_generator_seed_gives_same_samples(vae):
    a = vae.sample(5, torch.Generator().manual_seed(42))["images"]
    b = vae.sample(5, torch.Generator().manual_seed(42))["images"]
    c = vae.sample(5, torch.Generator().manual_seed(43))["images"]
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_temperature_zero_decodes_the_prior_mean(vae):
    z = vae.sample(3, torch.Generator().manual_seed(1), temperature=0.0)["latents"]
    assert torch.count_nonzero(z) == 0


def test_training_steps_lower_the_objective(vae):
    x, y = load_digits("train").images[:64], load_digits("train").labels[:64]
    optimizer = torch.optim.Adam(vae.parameters(), lr=3e-3)
    vae.train()
    first = vae.loss(x, y)[0].item()
    for _ in range(30):
        loss, _ = vae.loss(x, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert vae.loss(x, y)[0].item() < 0.8 * first


def test_beta_weights_the_kl_term():
    torch.manual_seed(0)
    x, y = load_digits("train").images[:16], load_digits("train").labels[:16]
    plain = VAE(VAEConfig(latent_dim=4, hidden=32, width=8, beta=1.0))
    heavy = VAE(VAEConfig(latent_dim=4, hidden=32, width=8, beta=4.0))
    heavy.load_state_dict(plain.state_dict())
    torch.manual_seed(5)
    loss1, logs = plain.loss(x, y)
    torch.manual_seed(5)
    loss4, _ = heavy.loss(x, y)
    assert loss4.item() == pytest.approx(loss1.item() + 3 * logs["kl"], rel=1e-4)


def test_conditional_model_needs_a_label_and_uses_it():
    torch.manual_seed(0)
    cvae = VAE(VAEConfig(latent_dim=4, hidden=32, width=8, num_classes=10)).eval()
    z = torch.randn(1, 4)
    with pytest.raises(ValueError):
        cvae.decode(z)
    assert not torch.equal(cvae.decode(z, torch.tensor([1])), cvae.decode(z, torch.tensor([7])))


def test_importance_bound_is_at_least_the_elbo(vae):
    x = load_digits("heldout").images[:16]
    g = torch.Generator().manual_seed(0)
    elbo = vae.elbo_terms(x, generator=g, samples=64)["elbo"].mean()
    iw = vae.importance_log_prob(x, generator=g, samples=64).mean()
    assert iw >= elbo - 0.5
