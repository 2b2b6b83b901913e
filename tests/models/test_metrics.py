import math

import torch

from models.metrics import accuracy, bits_per_dim, class_entropy, frechet_distance


def test_frechet_distance_of_a_set_with_itself_is_zero():
    a = torch.randn(500, 6, generator=torch.Generator().manual_seed(0))
    assert abs(frechet_distance(a, a)) < 1e-6


def test_frechet_distance_matches_the_closed_form_for_shifted_gaussians():
    g = torch.Generator().manual_seed(1)
    a = torch.randn(20000, 3, generator=g)
    b = torch.randn(20000, 3, generator=g) * 2 + torch.tensor([1.0, 0.0, 0.0])
    # |mu|^2 + tr(I + 4I - 2*2I) = 1 + 3
    assert abs(frechet_distance(a, b) - 4.0) < 0.15


def test_class_entropy_is_one_for_uniform_and_zero_for_collapse():
    assert abs(class_entropy(torch.arange(1000) % 10) - 1.0) < 1e-9
    assert str(class_entropy(torch.full((100,), 3))) == "0.0"  # not "-0.0" on a card
    assert 0 < class_entropy(torch.tensor([0, 0, 0, 1])) < 0.5


def test_accuracy_and_bits_per_dim():
    assert accuracy(torch.tensor([1, 2, 3]), torch.tensor([1, 0, 3])) == 2 / 3
    assert math.isclose(bits_per_dim(784 * math.log(2)), 1.0)
