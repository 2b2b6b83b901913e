"""The flow is a bijection with the log-density it claims: inverse within 1e-4, log-dets equal to
autograd's Jacobians, and bits/dim in the dequantized 8-bit convention."""

import math

import pytest
import torch

from models.flow import Flow, FlowConfig
from models.flow.layers import ActNorm, AffineCoupling, InvertibleConv1x1, squeeze, unsqueeze
from models.flow.model import standard_normal_log_density

TINY = FlowConfig(checker_steps=2, checker_hidden=4, steps_per_level=1, hidden=8)


@pytest.fixture(autouse=True)
def seeded():
    """Flow(...) initialises from the global generator: seeded here, each test builds the same flow whatever ran
    before it (CI's order changed once and a tolerance test met another network)."""
    torch.manual_seed(0)


def _scrambled(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Random weights everywhere (zero-initialised couplings would make every test pass trivially)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            p.add_(0.3 * torch.randn(p.shape, generator=g))
    return module.eval()


def _digits(n: int = 4) -> torch.Tensor:
    from models.data import load_digits
    return load_digits("heldout").images[:n]


def test_squeeze_is_a_permutation():
    x = torch.randn(2, 3, 6, 4)
    assert torch.equal(unsqueeze(squeeze(x)), x)
    assert sorted(squeeze(x).flatten().tolist()) == sorted(x.flatten().tolist())


@pytest.mark.parametrize("layer", [
    ActNorm(4), InvertibleConv1x1(4, torch.Generator().manual_seed(0)),
    AffineCoupling(4, 8, "channel"), AffineCoupling(1, 8, "checkerboard", parity=1, size=4)])
def test_each_layer_log_det_matches_the_autograd_jacobian(layer):
    layer = _scrambled(layer.double())
    channels = 1 if getattr(layer, "mask_kind", "") == "checkerboard" else 4
    x = torch.randn(1, channels, 4, 4, dtype=torch.float64)
    jacobian = torch.autograd.functional.jacobian(lambda v: layer(v.view_as(x))[0].flatten(), x.flatten())
    assert layer(x)[1].item() == pytest.approx(torch.linalg.slogdet(jacobian)[1].item(), abs=1e-8)
    assert (layer.inverse(layer(x)[0]) - x).abs().max() < 1e-10


def test_model_log_density_is_the_change_of_variables_formula():
    """log p(y) = log N(T(y); 0, I) + log |det dT/dy| over all 784 dimensions, T including the logit
    pre-transform and the split's standardisation."""
    model = _scrambled(Flow(TINY).double())
    y = model.dequantize(_digits(1).double(), torch.Generator().manual_seed(0))
    z, log_py = model.forward_layers(y)
    jacobian = torch.autograd.functional.jacobian(lambda v: model.forward_layers(v.view_as(y))[0].flatten(), y.flatten())
    expected = standard_normal_log_density(z) + torch.linalg.slogdet(jacobian)[1]
    assert log_py.item() == pytest.approx(expected.item(), rel=1e-9)


def test_inverse_recovers_the_input():
    """The algebra in float64: f^-1(f(y)) = y to 1e-10 on a flow with random weights. In float32 weights this
    large lose 2e-5 to 3e-4 depending on the draw, so the issue's 1e-4 is asserted on the shipped flow and real
    digits (test_shipped_checkpoints: 6e-6); the 8-bit round trip below stays in float32."""
    exact = _scrambled(Flow(TINY)).double()
    out = exact.encode(_digits().double(), torch.Generator().manual_seed(1))
    assert (exact.inverse(out["z"]) - out["y"]).abs().max() <= 1e-10
    model = _scrambled(Flow(TINY))
    out = model.encode(_digits(), torch.Generator().manual_seed(1))
    # floor(256 y) recovers each 8-bit level, unless y sat within the float error of its cell's edge
    changed = model.decode(out["z"]) != _digits()
    assert changed.float().mean() < 0.01
    assert (model.decode(out["z"]) - _digits()).abs().max() <= 1 / 255 + 1e-6


def test_bits_per_dim_convention():
    """-log p(x) / (784 ln 2) on the 256 levels equals -log p(y) / (784 ln 2) + 8 on [0, 1]^784."""
    model = _scrambled(Flow(TINY))
    x = _digits(2)
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    log_py = model.forward_layers(model.dequantize(x, g1))[1]
    nats = -model.log_prob(x, None, g2)
    assert torch.allclose(nats / (784 * math.log(2)), model.bits_per_dim(log_py), atol=1e-5)


def test_sampling_is_seeded_and_temperature_scales_z():
    model = _scrambled(Flow(TINY))
    a = model.sample(3, torch.Generator().manual_seed(5), temperature=0.7)["images"]
    b = model.sample(3, torch.Generator().manual_seed(5), temperature=0.7)["images"]
    c = model.sample(3, torch.Generator().manual_seed(5), temperature=0.0)["images"]
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert torch.equal(c, model.decode(torch.zeros(3, 1, 28, 28)))


def test_layer_view_accounts_for_the_whole_log_density():
    model = _scrambled(Flow(TINY))
    x = _digits(1)
    views = model.layer_view(x, torch.Generator().manual_seed(2))
    log_p = model.encode(x, torch.Generator().manual_seed(2))["log_prob"] + 784 * math.log(256)
    assert sum(v["logdet"] for v in views) == pytest.approx(log_p.item(), rel=1e-5)
    assert all(v["state"].shape == (28, 28) for v in views)
    assert len({v["name"] for v in views}) == len(views)
