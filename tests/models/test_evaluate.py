"""Evaluation on tiny seeded checkpoints: which figures a model gets follows its capabilities."""

import pytest

from models.checkpoint import read_card
from models.evaluate import evaluate_checkpoint


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


def test_gan_gets_no_heldout_likelihood(tiny_copy):
    metrics = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=0)
    assert "frechet_distance" in metrics and "heldout_elbo_nats" not in metrics and "conditional_accuracy" not in metrics


def test_same_seed_same_figures(tiny_copy):
    a = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=1)
    b = evaluate_checkpoint(str(tiny_copy), "tiny-gan", n=250, seed=1)
    assert a["frechet_distance"] == b["frechet_distance"]
