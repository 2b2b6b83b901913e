"""The lab's flow on MNIST (models/lab/flow_mnist.py): its likelihood is exact over all 784 pixels, its
couplings invert, its axes do not depend on the solver's signs, and a short run visibly learns."""

import math

import pytest
import torch

from models.data import load_digits
from models.lab import Session, preset_fits
from models.lab.export import LAB_ONLY, export_session
from models.lab.flow_mnist import PIXELS, FlowMnist, MaskedCoupling, principal_axes
from models.lab.mnist import load_classifier
from server.cards import validate_card
from server.config import Settings

SMALL = {"components": 12, "layers": 3, "width": 16}


def _perturbed(model: FlowMnist, g: torch.Generator) -> FlowMnist:
    """Couplings start as the identity; give every weight a value so the checks see a real nonlinear map."""
    with torch.no_grad():
        for parameter in [*model.component_scale.parameters(), *model.layers.parameters()]:
            parameter.copy_(0.3 * torch.randn(parameter.shape, generator=g))
    return model


@pytest.fixture(scope="module")
def flow() -> FlowMnist:
    g = torch.Generator().manual_seed(3)
    return _perturbed(FlowMnist(SMALL, g), g)


def test_log_density_is_the_change_of_variables_over_all_784_pixels(flow):
    """log p(x) = log N(f(x); 0, I_784) + log |det df/dx| with f the whole map (couplings on the leading
    components, the rest standardised), the Jacobian taken by autograd rather than by the model's own sum."""
    x = load_digits("heldout").images[0].view(1, PIXELS) * 255 / 256 + 0.5 / 256
    _, _, variance = principal_axes()
    rest_sd = variance[flow.latent_dim:].sqrt().double()

    def whole_map(pixels):
        z, _, rest = flow.latent(pixels.view(1, PIXELS).float())
        return torch.cat([z[0].double(), rest[0].double() / rest_sd])

    jacobian = torch.autograd.functional.jacobian(whole_map, x[0].double())
    _, log_abs_det = torch.linalg.slogdet(jacobian)
    with torch.no_grad():
        u = whole_map(x[0].double())
    expected = -0.5 * (u.pow(2).sum() + PIXELS * math.log(2 * math.pi)) + log_abs_det
    with torch.no_grad():
        log_p, log_top = flow.log_prob(x)
    assert float(log_p[0]) == pytest.approx(float(expected), rel=1e-5, abs=1e-2)
    assert log_top.shape == (1,) and float(log_top[0]) != float(log_p[0])


def test_couplings_invert_exactly():
    g = torch.Generator().manual_seed(0)
    layer = MaskedCoupling((torch.arange(10) % 2).float(), 16, g)
    with torch.no_grad():
        for parameter in layer.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=g))
    x = torch.randn(5, 10, generator=g)
    with torch.no_grad():
        y, log_det = layer(x)
    assert not torch.allclose(y, x) and torch.allclose(layer.inverse(y), x, atol=1e-5)
    assert torch.allclose(y[:, 1::2], x[:, 1::2])  # the masked half (odd indices) passes unchanged
    jacobian = torch.autograd.functional.jacobian(lambda row: layer(row[None])[0][0], x[0])
    assert float(log_det[0]) == pytest.approx(float(jacobian.det().abs().log()), abs=1e-4)


def test_axes_are_orthonormal_by_falling_variance_with_a_fixed_sign():
    mean, axes, variance = principal_axes()
    assert torch.allclose(axes @ axes.T, torch.eye(PIXELS), atol=1e-4)
    assert bool((variance[:-1] >= variance[1:]).all()) and float(variance.min()) > 0
    largest = axes.gather(1, axes.abs().argmax(1, keepdim=True))
    assert bool((largest > 0).all())
    assert 0 < float(mean.min()) and float(mean.max()) < 1


@pytest.fixture(scope="module")
def classifier():
    torch.set_num_threads(1)
    return load_classifier(Settings().checkpoint_dir)


def test_a_short_run_lowers_both_likelihood_figures_and_changes_the_grid(classifier):
    session = Session("flow", "mnist", seed=0, classifier=classifier, grid_every=100)
    start = session.frame()
    early, late = session.step(20), session.step(280)
    assert late["losses"]["component_nll"] < early["losses"]["component_nll"] - 0.1
    assert late["losses"]["bpd"] < early["losses"]["bpd"]
    assert late["grid_step"] == 300 and late["grid_images"] != start["grid_images"]
    assert session.step(1)["grid_images"] == late["grid_images"]  # fixed noise, refreshed every grid_every


def test_same_seed_same_frames_and_a_rebuild_changes_the_latent(classifier):
    def run(seed):
        session = Session("flow", "mnist", seed=seed, classifier=classifier, **SMALL)
        return session, [session.step(3), session.step(4)]

    (session, frames), (_, again) = run(5), run(5)
    assert frames == again and run(6)[1][-1]["grid_images"] != frames[-1]["grid_images"]
    session.change(components=20)
    assert session.model.latent_dim == 20 and session.world.noise.shape == (256, 20)
    assert session.step(1)["step"] == 8  # new networks, the same run's step count


def test_presets_and_export_fit_a_lab_only_model(classifier, tmp_path):
    assert preset_fits("lr-too-high", "flow", "mnist")
    session = Session("flow", "mnist", seed=0, classifier=classifier, **SMALL)
    session.step(2)
    card = export_session(session, tmp_path, "lab-flow-mnist")
    validate_card(card)
    assert card["family"] == LAB_ONLY and card["training"]["lab"]["hp"]["components"] == 12
    assert (tmp_path / "lab-flow-mnist.safetensors").stat().st_size > 0
