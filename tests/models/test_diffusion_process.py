import pytest
import torch

from models.diffusion.process import Diffusion, DiffusionConfig
from models.unet import UNet, UNetConfig

TINY_UNET = {"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0}


@pytest.fixture
def diffusion():
    torch.manual_seed(0)
    return Diffusion(DiffusionConfig(unet=TINY_UNET, timesteps=100))


def test_unet_keeps_the_image_shape_and_uses_t_and_label():
    torch.manual_seed(0)
    net = UNet(UNetConfig(**TINY_UNET)).eval()
    x = torch.randn(2, 1, 28, 28)
    out = net(x, torch.tensor([1, 1]), torch.tensor([3, 3]))
    assert out.shape == x.shape
    assert not torch.allclose(out, net(x, torch.tensor([50, 50]), torch.tensor([3, 3])))
    assert not torch.allclose(out, net(x, torch.tensor([1, 1]), torch.tensor([4, 4])))


def test_forward_noising_matches_alpha_bar(diffusion):
    x0 = torch.full((4000, 1, 1, 1), 0.5)
    t = torch.full((4000,), 60)
    x_t = diffusion.q_sample(x0, t, torch.randn_like(x0))
    ab = diffusion.alpha_bar[60].item()
    assert abs(x_t.mean().item() - 0.5 * ab**0.5) < 0.03 and abs(x_t.var().item() - (1 - ab)) < 0.05


def test_loss_is_noise_mse_and_ema_follows_the_net(diffusion):
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 10, (8,))
    loss, logs = diffusion.loss(x, y)
    assert loss.item() == pytest.approx(logs["mse"]) and 0.1 < loss.item() < 10
    with torch.no_grad():
        for p in diffusion.net.parameters():
            p.add_(1.0)
    before = [e.clone() for e in diffusion.ema.parameters()]
    diffusion.after_step()
    moved = [(e - b).abs().sum() for e, b in zip(diffusion.ema.parameters(), before)]
    assert all(m > 0 for m in moved)
    assert diffusion.ema_steps.item() == 1


def test_guidance_formula(diffusion):
    diffusion.eval()
    x, labels = torch.randn(2, 1, 28, 28), torch.tensor([1, 2])
    cond = diffusion.eps(x, 10, labels, guidance=0.0)
    uncond = diffusion.eps(x, 10, torch.full_like(labels, 10), guidance=0.0)
    guided = diffusion.eps(x, 10, labels, guidance=3.0)
    assert torch.allclose(guided, 4 * cond - 3 * uncond, atol=1e-5)


def test_sample_is_seeded_and_in_range(diffusion):
    diffusion.eval()
    a = diffusion.sample(3, torch.Generator().manual_seed(5), steps=4)
    b = diffusion.sample(3, torch.Generator().manual_seed(5), steps=4)
    assert torch.equal(a["images"], b["images"]) and a["images"].shape == (3, 1, 28, 28)
    assert 0 <= a["images"].min() and a["images"].max() <= 1 and len(a["labels"]) == 3


def test_sample_guidance_defaults_to_the_configs(diffusion):
    """The card's headline figures are measured with sample()'s default w, so it must be the config's."""
    diffusion.eval()
    diffusion.config.sample_guidance = 2.0
    labels = torch.tensor([3, 7])
    draw = lambda **w: diffusion.sample(2, torch.Generator().manual_seed(1), labels=labels, steps=3, **w)["images"]
    assert torch.equal(draw(), draw(guidance=2.0))
    assert not torch.allclose(draw(), draw(guidance=0.0))
