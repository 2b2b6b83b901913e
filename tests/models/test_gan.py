import math

import pytest
import torch
from torch import nn

from models.data import load_digits
from models.gan import GAN, LOSSES, GANConfig


class LinearCritic(nn.Module):
    """D(x) = <w, x>: its gradient is w everywhere, so the penalty is (||w|| - 1)^2 exactly."""

    def __init__(self, norm: float):
        super().__init__()
        self.w = nn.Parameter(torch.ones(784) * norm / 28)

    def forward(self, x, labels=None):
        return x.flatten(1) @ self.w


def tiny(**kw) -> GAN:
    torch.manual_seed(0)
    return GAN(GANConfig(latent_dim=8, g_width=8, d_width=8, **kw))


def test_shapes_and_range():
    gan = tiny(num_classes=10).eval()
    out = gan.sample(5, torch.Generator().manual_seed(0))
    assert out["images"].shape == (5, 1, 28, 28) and out["latents"].shape == (5, 8) and len(out["labels"]) == 5
    assert 0 <= out["images"].min() and out["images"].max() <= 1
    verdict = gan.discriminate(out["images"], out["labels"])
    assert verdict["score"].shape == (5,) and torch.allclose(verdict["p_real"], torch.sigmoid(verdict["score"]))
    assert tiny(loss="wgan-gp").discriminate(out["images"])["p_real"] is None


def test_gradient_penalty_of_a_linear_critic_is_known():
    gan = tiny(loss="wgan-gp")
    gan.discriminator = LinearCritic(norm=3.0)
    real, fake = torch.rand(16, 1, 28, 28), torch.rand(16, 1, 28, 28)
    assert gan._gradient_penalty(real, fake, None).item() == pytest.approx(4.0, rel=1e-4)
    gan.discriminator = LinearCritic(norm=1.0)
    assert gan._gradient_penalty(real, fake, None).item() == pytest.approx(0.0, abs=1e-6)


def test_same_seed_same_samples():
    gan = tiny().eval()
    a = gan.sample(4, torch.Generator().manual_seed(3))["images"]
    assert torch.equal(a, gan.sample(4, torch.Generator().manual_seed(3))["images"])
    assert not torch.equal(a, gan.sample(4, torch.Generator().manual_seed(4))["images"])


def test_label_changes_the_conditional_sample():
    gan = tiny(num_classes=10).eval()
    z = gan.sample_latents(1, torch.Generator().manual_seed(1))
    assert not torch.equal(gan.decode(z, torch.tensor([1])), gan.decode(z, torch.tensor([8])))


def test_minimax_generator_loss_saturates_where_nonsaturating_does_not():
    """When D confidently rejects fakes, log(1 - D) is flat: the reason for the non-saturating loss."""
    fake = torch.rand(8, 1, 28, 28, requires_grad=True)
    grads = {}
    for loss in ("minimax", "nonsaturating"):
        gan = tiny(loss=loss)
        gan.discriminator = LinearCritic(norm=1.0)
        with torch.no_grad():
            gan.discriminator.w.fill_(-1.0)  # D(fake) = logit ~ -400: "surely fake"
        fake.grad = None
        gan.g_loss(fake, None).backward()
        grads[loss] = fake.grad.abs().sum().item()
    assert grads["minimax"] < 1e-6 < grads["nonsaturating"]


@pytest.mark.parametrize("loss", LOSSES)
def test_a_training_step_updates_both_players(loss):
    gan = tiny(loss=loss, n_critic=2)
    opts = gan.configure_optimizers(1e-3)
    before_g = [p.clone() for p in gan.generator.parameters()]
    before_d = [p.clone() for p in gan.discriminator.parameters()]
    data = load_digits("train")
    logs = gan.training_step(data.images[:16], data.labels[:16], opts)
    assert {"d_loss", "g_loss"} <= set(logs) and all(math.isfinite(v) for v in logs.values())
    assert any(not torch.equal(a, b) for a, b in zip(before_g, gan.generator.parameters()))
    assert any(not torch.equal(a, b) for a, b in zip(before_d, gan.discriminator.parameters()))
    if loss == "wgan-gp":
        assert "wasserstein" in logs and "gp" in logs


def test_over_strong_discriminator_setting_scales_its_learning_rate():
    d_opt, g_opt = tiny(d_lr_scale=5.0).configure_optimizers(1e-3)
    assert d_opt.param_groups[0]["lr"] == pytest.approx(5e-3) and g_opt.param_groups[0]["lr"] == pytest.approx(1e-3)


def test_g_steps_and_n_critic_set_how_often_each_player_moves():
    gan = tiny(g_steps=3, n_critic=2)
    d_opt, g_opt = gan.configure_optimizers(1e-3)
    data = load_digits("train")
    gan.training_step(data.images[:8], data.labels[:8], [d_opt, g_opt])
    assert adam_steps(d_opt) == 2 and adam_steps(g_opt) == 3


def adam_steps(opt) -> int:
    """Adam's per-parameter update counter."""
    return int(next(iter(opt.state.values()))["step"])


def test_samples_come_from_the_ema_generator_which_trails_g():
    gan = tiny(ema_decay=0.9)
    opts = gan.configure_optimizers(1e-2)
    data = load_digits("train")
    for i in range(3):
        gan.training_step(data.images[16 * i:16 * (i + 1)], data.labels[:16], opts)
        gan.after_step()
    live, ema = gan.generator.state_dict(), gan.generator_ema.state_dict()
    weights = [k for k in live if k.endswith("weight")]
    assert all(not torch.equal(live[k], ema[k]) for k in weights)  # averaged, not copied
    assert torch.equal(live["net.1.running_mean"], ema["net.1.running_mean"])  # batch-norm statistics copied
    gan.eval()
    z = gan.sample_latents(2, torch.Generator().manual_seed(0))
    assert torch.equal(gan.decode(z), gan.generator_ema(z)) and not torch.equal(gan.decode(z), gan.generator(z))


def test_load_pretrained_takes_g_and_d_and_restarts_the_ema():
    source, target = tiny(), tiny(ema_decay=0.999)
    with torch.no_grad():
        for p in source.parameters():
            p.add_(1.0)
    target.load_pretrained(source.state_dict())
    assert torch.equal(target.generator.net[0].weight, source.generator.net[0].weight)
    assert torch.equal(target.generator_ema.net[0].weight, source.generator.net[0].weight)
    tiny().load_pretrained(target.state_dict())  # and back: the EMA copy is simply not wanted
    with pytest.raises(ValueError, match="do not fit"):
        tiny(num_classes=10).load_pretrained(source.state_dict())


def test_without_batch_norm_d_judges_each_image_on_its_own():
    """With batch norm, D's training-mode score of an image depends on the rest of its batch (which is
    how D can see a batch of look-alike fakes); without it, the score is the image's alone."""
    x = load_digits("heldout").images[:8]
    for d_batchnorm, batch_matters in ((True, True), (False, False)):
        d = tiny(d_batchnorm=d_batchnorm).discriminator.train()
        alone, in_batch = d(x[:2])[0], d(x)[0]
        assert torch.allclose(alone, in_batch, atol=1e-6) is not batch_matters
