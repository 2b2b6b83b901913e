"""The comparison measures on real features (genlab's shipped classifier): precision and recall separate
realism from coverage, the nearest-neighbour search finds copies, the FD interval brackets the estimate."""

from pathlib import Path

import pytest
import torch

from models.data import load_digits
from models.evaluation.interval import frechet_interval
from models.evaluation.manifold import knn_radii, precision_recall
from models.evaluation.memorization import FEATURES_FILE, ShippedDigits, nearest_training, shipped_digits
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


def test_the_k_nearest_come_nearest_first_with_the_nearest_held_out_digit():
    train, heldout = load_digits("train").images, load_digits("heldout").images
    found = nearest_training(train[[7, 2500]], train, heldout, k=5)
    assert found.indices.shape == found.distances.shape == (2, 5)
    assert found.index.tolist() == [7, 2500] and (found.distances.diff(dim=1) >= 0).all()
    exact = torch.cdist(train[[7]].flatten(1).double(), heldout.flatten(1).double())[0]
    assert int(found.heldout_index[0]) == int(exact.argmin()) and float(found.heldout_distance[0]) == pytest.approx(
        float(exact.min()))


@pytest.fixture(scope="module")
def shipped():
    return shipped_digits(load_model(CHECKPOINTS / "digit-classifier.json").module)


def test_a_training_digit_asked_about_is_its_own_nearest_in_pixels_and_features_and_a_near_copy(shipped):
    assert shipped_digits(shipped.classifier) is shipped  # one per classifier: its 10,000 features computed once
    found = shipped.nearest(load_digits("train").images[[1234]], k=3)
    assert shipped.unclassified == 0
    for space in ("pixels", "features"):
        assert int(found[space].index[0]) == 1234 and float(found[space].distance[0]) < 1e-5, space
        assert bool(found[space].near_copy[0]) and float(found[space].heldout_distance[0]) > 0, space


def test_a_held_out_digit_is_no_copy_of_a_training_digit(shipped):
    found = shipped.nearest(load_digits("heldout").images[[321]], k=3)
    for space in ("pixels", "features"):
        assert int(found[space].heldout_index[0]) == 321 and float(found[space].distance[0]) > 0, space
        assert not bool(found[space].near_copy[0]), space


def test_shipped_features_are_used_only_with_the_weights_they_were_computed_with(tiny_dir, tmp_path):
    """The features file spares a server the 10,000-digit pass on its first question; features of other
    weights would put every digit in the wrong place, so they are ignored."""
    weights = tiny_dir / "digit-classifier.safetensors"
    computed = ShippedDigits(load_model(tiny_dir / "digit-classifier.json").module)
    path = computed.save_features(tmp_path / FEATURES_FILE, weights)
    loaded = ShippedDigits(computed.classifier, path, weights)
    assert loaded.unclassified == 0
    assert all(torch.equal(loaded.spaces()["features"][s], computed.spaces()["features"][s]) for s in ("train", "heldout"))
    other = tmp_path / "other-weights.safetensors"
    other.write_bytes(weights.read_bytes() + b" ")
    assert ShippedDigits(computed.classifier, path, other).unclassified == 10_000
    assert ShippedDigits(computed.classifier, tmp_path / "missing.safetensors", weights).unclassified == 10_000
