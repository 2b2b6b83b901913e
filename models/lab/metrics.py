"""Honest per-frame figures for 2-D toys: mode coverage and an MMD estimate between samples and data."""

import torch

FAIR_SHARE = 0.25  # a mode is covered when it gets at least a quarter of the samples it would get under p_data
MODE_RADIUS = 3.0  # ... counting samples within 3 standard deviations of its centre
MMD_BANDWIDTH = 0.5  # sigma of the RBF kernel, in data units (the toys span about [-2, 2])


def mode_coverage(samples: torch.Tensor, centres: torch.Tensor, std: float) -> float:
    """Share of the K equally weighted modes that receive at least a fair share of the samples.

    Each sample is assigned to its nearest centre, and counts only if it lies within MODE_RADIUS * std of
    it (points between modes count for none). A mode is covered when its count is at least
    FAIR_SHARE * n / K, i.e. a quarter of what the data distribution itself would put there. The result
    is (covered modes) / K in [0, 1]: 1.0 when every mode is reached, 1/K when all samples sit in one."""
    distance = torch.cdist(samples, centres)  # (n, K)
    nearest, mode = distance.min(dim=1)
    counts = torch.bincount(mode[nearest <= MODE_RADIUS * std], minlength=len(centres))
    covered = int((counts >= FAIR_SHARE * len(samples) / len(centres)).sum())
    return covered / len(centres)


def mmd(x: torch.Tensor, y: torch.Tensor, bandwidth: float = MMD_BANDWIDTH) -> float:
    """Unbiased squared MMD (Gretton et al. 2012, eq. 3) with the RBF kernel exp(-|a - b|^2 / (2 bandwidth^2)).

    Near 0 (it can dip slightly below) when x and y come from one distribution; it grows as they part."""
    def kernel(a, b):
        return torch.exp(-torch.cdist(a, b).pow(2) / (2 * bandwidth ** 2))

    m, n = len(x), len(y)
    kxx, kyy, kxy = kernel(x, x), kernel(y, y), kernel(x, y)
    within_x = (kxx.sum() - kxx.diagonal().sum()) / (m * (m - 1))
    within_y = (kyy.sum() - kyy.diagonal().sum()) / (n * (n - 1))
    return (within_x + within_y - 2 * kxy.mean()).item()
