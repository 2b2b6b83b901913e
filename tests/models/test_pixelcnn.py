"""The PixelCNN is causal (no pixel sees itself or what follows), its cached sampler computes exactly
what the full network computes, and its probabilities are exact distributions over the 256 levels."""

import math

import pytest
import torch

from models.autoregressive import AutoregressiveConfig, PixelCNN
from models.autoregressive.mixture import level_distribution, log_prob_levels
from models.autoregressive.network import PixelCNNConfig

SMALL = AutoregressiveConfig(network=vars(PixelCNNConfig(channels=8, layers=3, head=8)).copy())


def _scrambled(seed: int = 0, config: AutoregressiveConfig = SMALL) -> PixelCNN:
    torch.manual_seed(seed)
    model = PixelCNN(config)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(0.2 * torch.randn(p.shape, generator=g))
    return model.eval()


def _digits(n: int = 2):
    from models.data import load_digits
    held = load_digits("heldout")
    return held.images[:n], held.labels[:n]


@pytest.mark.parametrize("position", [(0, 0), (0, 27), (5, 3), (13, 14), (27, 27)])
def test_each_output_depends_only_on_earlier_pixels(position):
    """d output(r, c) / d x_j is zero for every pixel j at or after (r, c) in raster order, and not zero
    for the pixels just before (the vertical and horizontal stacks leave no blind spot)."""
    model = _scrambled(config=AutoregressiveConfig())  # the shipped shape: 8 layers, 7x7 then 5x5 kernels
    x = (torch.rand(1, 1, 28, 28, generator=torch.Generator().manual_seed(1)) * 2 - 1).requires_grad_(True)
    r, c = position
    model.net(x, torch.tensor([3]))[0, :, r, c].sum().backward()
    grad = x.grad[0, 0].abs().flatten()
    i = r * 28 + c
    assert grad[i:].max() == 0
    if i > 0:
        assert grad[i - 1] > 0  # the pixel just to the left (or the end of the row above)
    if r > 0:
        assert grad[(r - 1) * 28 + min(c + 1, 27)] > 0  # above and to the right: the blind spot of plain masks


def test_cached_sampler_computes_what_the_full_network_computes():
    model = _scrambled()
    labels = torch.tensor([1, 7, 3])
    events = list(model.sample_steps(3, torch.Generator().manual_seed(4), labels))
    assert [(e["row"], e["col"]) for e in events] == [(r, c) for r in range(28) for c in range(28)]
    final = events[-1]["canvas"] * 2 - 1
    params = model.net(final, labels)
    for e in events[::13]:
        assert torch.allclose(level_distribution(params[:, :, e["row"], e["col"]]), e["probs"], atol=1e-5)


def test_level_distribution_is_a_distribution_and_matches_log_prob():
    params = torch.randn(4, 15)
    probs = level_distribution(params)
    assert torch.allclose(probs.sum(1), torch.ones(4), atol=1e-5)
    levels = torch.linspace(-1, 1, 256)
    direct = log_prob_levels(params[:, :, None, None].expand(4, 15, 1, 256), levels.view(1, 1, 1, 256).expand(4, 1, 1, 256))[:, 0].exp()
    assert direct.sum(1).sub(1).abs().max() < 1e-3  # the bins cover the line: no renormalisation needed


def test_temperature_sharpens_each_pixel_and_zero_takes_the_most_likely_level():
    params = torch.randn(3, 15)
    p = level_distribution(params)
    assert torch.allclose(level_distribution(params, 0.5), p ** 2 / (p ** 2).sum(1, keepdim=True), atol=1e-5)
    assert torch.equal(level_distribution(params, 0.0).argmax(1), p.argmax(1))
    assert torch.equal(level_distribution(params, 0.0).sum(1), torch.ones(3))
    model = _scrambled()
    greedy = [model.sample(1, torch.Generator().manual_seed(s), labels=torch.tensor([2]), temperature=0.0)["images"] for s in (1, 2)]
    assert torch.equal(*greedy)  # no randomness left at T = 0


def test_completion_keeps_the_given_rows():
    model = _scrambled()
    x, y = _digits(1)
    out = model.complete(x, keep_rows=12, n=3, generator=torch.Generator().manual_seed(0), label=int(y))
    assert torch.equal(out[:, :, :12], x.expand(3, -1, -1, -1)[:, :, :12])
    assert not torch.equal(out[0, :, 12:], out[1, :, 12:])


def test_sampling_is_seeded_and_an_image_does_not_depend_on_its_batch():
    model = _scrambled()
    one = model.sample(1, torch.Generator().manual_seed(9), labels=torch.tensor([4]))["images"]
    three = model.sample(3, torch.Generator().manual_seed(9), labels=torch.tensor([4, 4, 4]))["images"]
    assert torch.equal(one[0], three[0]) and not torch.equal(three[0], three[1])


def test_marginal_log_prob_sums_the_classes():
    model = _scrambled()
    x, _ = _digits(2)
    per_class = model.class_log_probs(x)
    assert torch.allclose(model.log_prob(x), torch.logsumexp(per_class, 1) - math.log(10), atol=1e-4)
    assert torch.allclose(per_class[:, 5], model.log_prob(x, torch.tensor([5, 5])))
    assert torch.allclose(model.pixel_log_prob(x, torch.tensor([5, 5])).flatten(1).sum(1), per_class[:, 5], atol=1e-3)


def test_growing_keeps_the_trained_likelihood_exactly_and_refuses_a_misfit():
    """--init-from a shallower PixelCNN (how pixelcnn-mnist went from 8 to 12 layers): the added layers pass
    the horizontal stack through, so before any training the grown network gives the same log-probability
    as the one it grew from; then they train like any other (their output is not stuck at zero)."""
    trained = _scrambled(3)
    deeper = AutoregressiveConfig(network={**SMALL.network, "layers": 5})
    grown = PixelCNN(deeper)
    grown.load_pretrained(trained.state_dict())
    grown.eval()
    x, y = _digits(3)
    assert torch.equal(grown.log_prob(x, y), trained.log_prob(x, y))
    grown.train()
    grown.loss(x, y)[0].backward()
    assert grown.net.layers[4].h_out.weight.grad.abs().sum() > 0
    for misfit in ({"layers": 2}, {"layers": 5, "channels": 16}):
        with pytest.raises((ValueError, RuntimeError)):
            PixelCNN(AutoregressiveConfig(network={**SMALL.network, **misfit})).load_pretrained(trained.state_dict())


def test_dropout_acts_only_while_training():
    """The dropout that regularises training must leave the exact likelihood and sampling deterministic."""
    model = _scrambled(4, AutoregressiveConfig(network={**SMALL.network, "dropout": 0.5}))
    x, y = _digits(2)
    assert torch.equal(model.log_prob(x, y), model.log_prob(x, y))
    model.train()
    torch.manual_seed(0)
    first = model.log_prob(x, y)
    assert not torch.equal(first, model.log_prob(x, y))
