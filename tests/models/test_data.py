import numpy as np
import pytest
import torch

from models.data import DATA_FILE, TOY_DISTRIBUTIONS, load_digits, pick_digits, toy_points


def test_shipped_file_is_the_10000_npm_digits_as_uint8():
    with np.load(DATA_FILE) as data:
        assert data["images"].shape == (10000, 28, 28) and data["images"].dtype == np.uint8
        assert data["labels"].shape == (10000,) and set(np.unique(data["labels"])) == set(range(10))
        assert data["images"].max() == 255 and data["images"].min() == 0


def test_split_is_9000_train_1000_heldout_stratified_and_disjoint():
    train, held = load_digits("train"), load_digits("heldout")
    assert len(train.labels) == 9000 and len(held.labels) == 1000
    assert torch.bincount(held.labels, minlength=10).tolist() == [100] * 10
    flat_train = {bytes((img * 255).round().byte().flatten().tolist()) for img in train.images[:2000]}
    assert not any(bytes((img * 255).round().byte().flatten().tolist()) in flat_train for img in held.images)
    assert train.images.shape[1:] == (1, 28, 28) and 0 <= train.images.min() and train.images.max() <= 1


def test_pick_digits_is_seeded_and_filters_by_label():
    a, b = pick_digits("heldout", 5, seed=3, label=7), pick_digits("heldout", 5, seed=3, label=7)
    assert torch.equal(a.images, b.images) and (a.labels == 7).all()
    assert not torch.equal(a.images, pick_digits("heldout", 5, seed=4, label=7).images)


def test_unknown_split_is_refused():
    with pytest.raises(ValueError):
        load_digits("test")


@pytest.mark.parametrize("name", sorted(TOY_DISTRIBUTIONS))
def test_toy_sets_are_seeded_2d_and_bounded(name):
    a, b = toy_points(name, 500, seed=1), toy_points(name, 500, seed=1)
    assert a.shape == (500, 2) and torch.equal(a, b)
    assert not torch.equal(a, toy_points(name, 500, seed=2))
    assert a.abs().max() < 4


def test_eight_gaussians_sit_on_a_ring_of_radius_two():
    radius = toy_points("8gaussians", 2000, seed=0).norm(dim=1)
    assert abs(radius.mean().item() - 2.0) < 0.05
    angles = torch.atan2(*toy_points("8gaussians", 2000, seed=0).T.flip(0))
    assert len(torch.unique(torch.round(angles / (np.pi / 4)) % 8)) == 8
