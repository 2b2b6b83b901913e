"""The exact score of the data blurred by N(0, sigma^2 I): what a score model at level sigma should learn.

With N data points x_i, the blurred empirical distribution is the mixture p_sigma(x) = 1/N sum_i N(x; x_i,
sigma^2 I), and its score is a weighted pull toward the points (Vincent 2011: the optimum of denoising score
matching at that level):
    grad_x log p_sigma(x) = sum_i w_i(x) (x_i - x) / sigma^2,   w(x) = softmax_i(-|x - x_i|^2 / (2 sigma^2)).
Far from the data p_sigma is tiny, few training samples land there, and a network's score is poor exactly
where this reference is still well defined: the "low-density regions" of Song & Ermon (2019)."""

import math

import torch


def _scaled_distances(x: torch.Tensor, data: torch.Tensor, sigma: float) -> torch.Tensor:
    return -torch.cdist(x, data).pow(2) / (2 * sigma**2)  # (n, N)


def smoothed_log_density(x: torch.Tensor, data: torch.Tensor, sigma: float) -> torch.Tensor:
    """log p_sigma(x), shape (n,): a normalized density of the plane (natural log)."""
    log_kernel = _scaled_distances(x, data, sigma).logsumexp(dim=1)
    return log_kernel - math.log(len(data)) - math.log(2 * math.pi * sigma**2)


def smoothed_score(x: torch.Tensor, data: torch.Tensor, sigma: float) -> torch.Tensor:
    """grad_x log p_sigma(x), shape (n, 2)."""
    weights = _scaled_distances(x, data, sigma).softmax(dim=1)
    return (weights @ data - x) / sigma**2
