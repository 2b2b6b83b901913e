"""The comparison measures on real features (genlab's shipped classifier): precision and recall separate
realism from coverage, the nearest-neighbour search finds copies, the FD interval brackets the estimate."""

from pathlib import Path

import pytest
import torch

from models.data import load_digits
from models.evaluation.interval import frechet_interval
from models.evaluation.manifold import knn_radii, precision_recall
from models.evaluation.memorization import nearest_training
from models.metrics import classify, frechet_distance
from models.registry import load_model

CHECKPOINTS = Path(__file__).resolve().parents[2] / "checkpoints"


@pytest.fixture(scope="module")
def features():
    classifier = load_model(CHECKPOINTS / "digit-classifier.json").module
    train = load_digits("train").images[torch.randperm(9000, generator=torch.Generator().manual_seed(0))[:1000]]
    heldout = load_digits("heldout").images  # both splits are sorted by class: a prefix would be 0s and 1s
    noise = torch.rand(1000, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    with torch.inference_mode():
        return {name: classify(classifier, x)[0] for name, x in
                {"train": train, "heldout": heldout, "noise": noise}.items()}


def test_knn_radius_is_the_distance_to_the_kth_other_point():
    points = torch.tensor([[0.0], [1.0], [3.0], [6.0]])
    assert knn_radii(points, k=1).tolist() == [1.0, 1.0, 2.0, 3.0]
    assert knn_radii(points, k=2).tolist() == [3.0, 2.0, 3.0, 5.0]


def test_real_digits_against_real_digits_are_both_precise_and_covering(features):
    pr = precision_recall(features["train"], features["heldout"])
    assert pr["precision"] > 0.7 and pr["recall"] > 0.7


def test_a_collapsed_model_is_precise_but_covers_nothing(features):
    one_digit = features["heldout"][:1].repeat(1000, 1) + 1e-3 * torch.randn(1000, features["heldout"].shape[1])
    pr = precision_recall(features["train"], one_digit)
    assert pr["precision"] > 0.9 and pr["recall"] < 0.05


def test_noise_is_neither_precise_nor_covering(features):
    pr = precision_recall(features["train"], features["noise"])
    assert pr["precision"] < 0.05 and pr["recall"] < 0.05


def test_a_training_digit_is_found_as_its_own_nearest_neighbour_and_counted_a_copy():
    train, heldout = load_digits("train").images, load_digits("heldout").images
    picked = torch.tensor([5, 123, 4000, 8999])
    copies = nearest_training(train[picked], train, heldout)
    assert copies.index.tolist() == picked.tolist() and copies.distance.max() < 1e-5
    assert copies.near_copy_share == 1.0
    order = torch.randperm(1000, generator=torch.Generator().manual_seed(0))
    fresh = nearest_training(heldout[order[:200]], train, heldout[order[200:]])  # real digits the model never saw
    assert fresh.near_copy_share < 0.05 and (fresh.distance > 0).all()


def test_the_frechet_interval_brackets_the_estimate(features):
    fd = frechet_distance(features["heldout"], features["train"])
    low, high = frechet_interval(features["heldout"], features["train"], rounds=30)
    assert low < fd < high and high - low < fd  # around the estimate, the resampling's own bias removed
    noisy_low, _ = frechet_interval(features["noise"], features["train"], rounds=10)
    assert noisy_low > high  # noise is told apart from real digits at this n
