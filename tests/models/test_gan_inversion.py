"""GAN inversion (models/gan/inversion.py) on tiny seeded generators: a digit G drew from a known z is found
again, far nearer than a random z gets; the same seed gives the same z; G itself is never changed."""

import pytest
import torch

from models.gan import GAN, GANConfig
from models.gan.inversion import PROJECT_RESTARTS, PROJECT_STEPS, project, projection_evaluations
from models.registry import _gan_capabilities

STEPS, RESTARTS = 60, 2


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Networks this small on one thread: a second one only waits at barriers (10x slower on a busy machine)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def tiny_gan(num_classes: int = 0) -> GAN:
    """A seeded untrained G whose last layer is scaled up, so its pictures vary with z as a trained G's do
    (untrained, every z gives about the same grey, and any z would 'recover' it)."""
    torch.manual_seed(0)
    gan = GAN(GANConfig(latent_dim=8, g_width=8, d_width=8, num_classes=num_classes)).eval()
    with torch.no_grad():
        gan.sampling_generator.net[-2].weight.mul_(100)
    return gan


def distance(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return (a - b).pow(2).flatten(1).mean(1)


@pytest.mark.parametrize("num_classes", [0, 10])
def test_projection_finds_a_digit_g_drew_again(num_classes):
    gan = tiny_gan(num_classes)
    g = torch.Generator().manual_seed(5)
    labels = torch.tensor([1, 2, 3, 4]) if num_classes else None
    with torch.no_grad():
        x = gan.decode(gan.sample_latents(4, g), labels)
        elsewhere = gan.decode(gan.sample_latents(4, g), labels)
    with torch.inference_mode():  # as the server calls it: the projection turns gradients back on itself
        out = project(gan, x, labels, torch.Generator().manual_seed(0), STEPS, RESTARTS)
    assert out.latents.shape == (4, 8) and out.images.shape == x.shape
    assert torch.allclose(out.distance, distance(out.images, x))
    assert (out.distance < distance(elsewhere, x) / 5).all(), (out.distance, distance(elsewhere, x))
    assert out.curve_steps[0] == 0 and out.curve_steps[-1] == STEPS and out.loss_curve.shape == (4, len(out.curve_steps))
    assert (out.loss_curve[:, -1] < out.loss_curve[:, 0]).all()
    assert torch.equal(out.loss_curve[:, -1], out.distance)


def test_the_same_seed_places_an_image_at_the_same_z_and_g_is_untouched():
    gan = tiny_gan()
    before = {k: v.clone() for k, v in gan.state_dict().items()}
    with torch.no_grad():
        x = gan.decode(gan.sample_latents(2, torch.Generator().manual_seed(5)))
    runs = [project(gan, x, None, torch.Generator().manual_seed(seed), STEPS, RESTARTS) for seed in (3, 3, 4)]
    assert torch.equal(runs[0].latents, runs[1].latents) and torch.equal(runs[0].images, runs[1].images)
    assert not torch.equal(runs[0].latents, runs[2].latents)
    assert all(torch.equal(v, gan.state_dict()[k]) for k, v in before.items())
    assert all(p.grad is None for p in gan.parameters())


def test_a_projection_is_priced_and_offered():
    gan = tiny_gan()
    assert gan.network_evaluations("project") == projection_evaluations() == PROJECT_STEPS * PROJECT_RESTARTS * 3
    assert gan.network_evaluations("sample") == 1 and projection_evaluations(100, 2) == 600
    assert "project" in _gan_capabilities({"num_classes": 0})
    with pytest.raises(ValueError, match="restarts"):
        project(gan, torch.zeros(1, 1, 28, 28), None, torch.Generator(), STEPS, 0)
