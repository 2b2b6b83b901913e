"""Evaluation on tiny seeded checkpoints: which figures a model gets follows its capabilities."""

import pytest
import torch

from models import evaluate
from models.bench import network_flops
from models.checkpoint import read_card
from models.evaluate import evaluate_checkpoint
from models.registry import load_model


@pytest.fixture(scope="module")
def tiny_copy(tiny_dir, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("evaluate")
    for f in tiny_dir.rglob("*"):
        if f.is_file():
            target = tmp_path / f.relative_to(tiny_dir)
            target.parent.mkdir(exist_ok=True)
            target.write_bytes(f.read_bytes())
    return tmp_path


def test_vae_gets_sample_and_heldout_figures_written_into_its_card(tiny_copy):
    metrics = evaluate_checkpoint(str(tiny_copy), "tiny-cvae", n=250, seed=0)
    assert read_card(tiny_copy / "tiny-cvae.json")["metrics"] == metrics
    assert {"frechet_distance", "real_vs_real_frechet_floor", "class_entropy", "conditional_accuracy",
            "reconstruction_accuracy", "heldout_elbo_nats", "heldout_bits_per_dim"} <= set(metrics)
    assert sum(metrics["class_histogram"]) == 250 and 0 <= metrics["class_entropy"] <= 1
    assert metrics["heldout_iwae64_nats"] >= metrics["heldout_elbo_nats"] - 1
    low, high = metrics["frechet_interval_90"]
    assert low <= high and all(0 <= metrics[k] <= 1 for k in ("precision", "recall", "near_copy_share_pixels",
                                                               "near_copy_share_features"))


def test_gan_gets_no_heldout_likelihood(tiny_copy):
    metrics = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=0)
    assert "frechet_distance" in metrics and "heldout_elbo_nats" not in metrics and "conditional_accuracy" not in metrics


def test_vqvae_gets_sample_figures_and_the_priors_exact_bits_for_the_heldout_tokens(tiny_copy):
    metrics = evaluate_checkpoint(str(tiny_copy), "tiny-vq", n=250, seed=0)
    assert {"frechet_distance", "conditional_accuracy", "reconstruction_accuracy", "heldout_recon_bce"} <= set(metrics)
    assert "heldout_elbo_nats" not in metrics and "heldout_bits_per_dim" not in metrics  # no pixel likelihood
    assert metrics["heldout_token_bits"] == pytest.approx(49 * metrics["heldout_bits_per_token"], rel=1e-3)
    assert 0 < metrics["heldout_bits_per_token"] < 6  # an untrained prior over 8 codes: about log2(8) = 3 bits


def test_same_seed_same_figures(tiny_copy):
    a = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=1)
    b = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=1)
    assert a["frechet_distance"] == b["frechet_distance"]


def test_diffusion_gets_sampler_curves_and_heldout_bits_per_dim(tiny_copy, monkeypatch):
    monkeypatch.setattr(evaluate, "CURVE_STEPS", ((10, 20), (20, 20), (100, 20)))  # small n: a test, not a measurement
    monkeypatch.setattr(evaluate, "CURVE_GUIDANCE", ((0.0, 3.0), 20))
    monkeypatch.setattr(evaluate, "BOUND_DIGITS_PER_CLASS", 2)
    metrics = evaluate_checkpoint(str(tiny_copy), "tiny-ddpm", n=20, seed=0, curves=True)
    assert metrics["conditional_accuracy"] is not None and metrics["heldout_bits_per_dim_n"] == 20
    assert metrics["heldout_bits_per_dim"] > 0
    steps = metrics["curves"]["steps"]
    assert [p["steps"] for p in steps] == [10, 20]  # the tiny model has T = 50: no 100-step point
    assert all(p["guidance"] == 1.0 for p in steps)  # the tiny card's sample_guidance (the default)
    assert [p["guidance"] for p in metrics["curves"]["guidance"]] == [0.0, 3.0]
    assert all(p["n"] == 20 and {"frechet_distance", "floor", "conditional_accuracy"} <= set(p) for p in steps)


def test_sampler_costs_curve_every_sampler_and_keeps_the_cards_other_figures(tiny_copy, monkeypatch):
    monkeypatch.setattr(evaluate, "CURVE_EVALUATIONS", (5, 10))
    before = read_card(tiny_copy / "tiny-ddpm.json")["metrics"]
    points = evaluate.evaluate_sampler_costs(str(tiny_copy), "tiny-ddpm", n=20, seed=0, write=True)
    assert [(p["sampler"], p["evaluations"]) for p in points] == [
        ("ddpm", 5), ("ddpm", 10), ("ddim", 5), ("ddim", 10), ("sde", 5), ("sde", 10), ("ode", 5), ("ode", 9),
        ("langevin", 5), ("langevin", 9)]
    assert [p["steps"] for p in points if p["sampler"] in ("ode", "langevin")] == [3, 5, 2, 4]
    # (the tiny classifier's features are constant, so FD here is 0: the figures are checked on the real model)
    assert all(p["n"] == 20 and {"frechet_distance", "floor", "conditional_accuracy"} <= set(p) for p in points)
    after = read_card(tiny_copy / "tiny-ddpm.json")["metrics"]
    assert after["curves"]["samplers"] == points and after["measured"]["samplers_curve"]["n"] == 20
    gflop = network_flops(load_model(tiny_copy / "tiny-ddpm.json").module, 1, guidance=0) / 1e9
    assert after["measured"]["samplers_curve"]["gflop_per_evaluation"] == pytest.approx(gflop, abs=1e-6) and gflop > 0
    assert {k: v for k, v in after.items() if k not in ("curves", "measured")} == \
        {k: v for k, v in before.items() if k not in ("curves", "measured")}
    with pytest.raises(ValueError, match="no samplers"):
        evaluate.evaluate_sampler_costs(str(tiny_copy), "tiny-gan")


def test_matched_n_floors_draw_from_every_class_of_the_class_sorted_heldout_split():
    features = (torch.arange(1000) // 100).double()[:, None]  # stored class by class, like the split
    subset = evaluate._heldout_subset(features, 200, seed=0)
    assert len(subset) == 200 and len(subset.unique()) == 10
