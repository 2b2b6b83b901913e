"""The MNIST digits as lab data: the shipped train split, a fixed-noise sample grid, and the classifier's figures.

Every `grid_every` training steps (and at step 0, and whenever the networks are rebuilt) the session
decodes the same RENDERED latent draws -- fixed noise, so the grids of one run differ only because the
model changed -- keeps the first GRID of them as the frame's sample grid, and runs the digit classifier
on all of them for the frame's metrics:
  class_histogram   the fraction of samples the classifier puts in each class 0-9
  class_entropy     its entropy in bits (log2 10 = 3.32 when every class is equally frequent, 0 when one is)
  mode_coverage     the share of the 10 classes holding at least a fair share of the samples: FAIR_SHARE
                    (metrics.py, as for the 2-D toys) of the 10% the data gives each class, i.e. >= 2.5%
  modes             10; mmd None (no kernel distance between images is computed)
Both are "of the model at grid_step": a frame between two refreshes costs nothing but the copy, while
the classifier's 256 images cost ~0.2 s on one thread, which is spread over grid_every steps instead.

A diffusion model renders RENDERED of its own (64, diffusion_mnist.py: each costs 20 network passes), so
its class figures are over 64 samples. The flow models the digits' leading principal components
(flow_mnist.py says why not pixels); its fixed noise has one number per component."""

from pathlib import Path
from typing import ClassVar

import torch
from torch import nn

from models.checkpoint import card_path
from models.data import NUM_CLASSES, load_digits
from models.lab.diffusion_mnist import DiffusionMnist
from models.lab.flow_mnist import FlowMnist
from models.lab.gan_mnist import GanMnist
from models.lab.metrics import FAIR_SHARE
from models.lab.params import Range, Spec
from models.lab.vae_mnist import VaeMnist

MNIST = "mnist"
FAMILIES = {"gan": GanMnist, "vae": VaeMnist, "flow": FlowMnist, "diffusion": DiffusionMnist}
GRID = 16  # samples in the frame's grid
RENDERED = 256  # fixed latent draws decoded at each refresh (the grid is the first GRID of them)
NOISE_SEED = 104_729  # offsets the session's seed for the fixed noise, away from the training stream's


def load_classifier(checkpoint_dir: str | Path) -> nn.Module:
    """The shipped digit classifier (checkpoints/digit-classifier.*), in eval mode: load it once per worker."""
    from models.registry import load_model

    return load_model(card_path(Path(checkpoint_dir), "digit-classifier")).module


class Digits:
    PARAMS: ClassVar[dict[str, Spec]] = {"grid_every": Range(50, 10, 1000, integer=True)}
    FAMILIES = FAMILIES

    def __init__(self, classifier, seed: int):
        if classifier is None:
            raise ValueError("classifier: an MNIST session needs the digit classifier (models.lab.mnist.load_classifier)")
        self.classifier, self.seed = classifier, seed
        self.images = load_digits("train").images  # (9000, 1, 28, 28) in [0, 1]

    def draw(self, n: int, g: torch.Generator) -> torch.Tensor:
        return self.images[torch.randint(0, len(self.images), (n,), generator=g)]

    def start(self, model, hp: dict, step: int) -> None:
        """Fresh networks: draw their fixed noise (a function of the seed and latent size only) and render."""
        g = torch.Generator().manual_seed(self.seed + NOISE_SEED)
        self.noise = torch.randn(getattr(model, "RENDERED", RENDERED), model.latent_dim, generator=g)
        self._render(model, step)

    def after_step(self, model, hp: dict, step: int) -> None:
        if step % hp["grid_every"] == 0:
            self._render(model, step)

    def frame(self, model, hp: dict, g: torch.Generator) -> dict:
        return {"metrics": dict(self._metrics), "grid_images": self._grid, "grid_step": self._grid_step}

    def _render(self, model, step: int) -> None:
        images = model.images(self.noise)  # (RENDERED, 1, 28, 28)
        finite = bool(torch.isfinite(images).all())
        images = torch.nan_to_num(images, nan=0.0).clamp(0, 1)
        self._grid = images[:GRID, 0].mul(255).round().to(torch.uint8).tolist()  # (GRID, 28, 28) levels
        self._grid_step = step
        self._metrics = class_metrics(self.classifier, images) if finite else _no_metrics()


@torch.no_grad()
def class_metrics(classifier, images: torch.Tensor) -> dict:
    """The classifier's histogram of `images`, its entropy in bits, and the mode coverage (module docstring)."""
    predicted = classifier(images).argmax(1)
    p = torch.bincount(predicted, minlength=NUM_CLASSES).double() / len(predicted)
    entropy = -float((p[p > 0] * p[p > 0].log2()).sum())
    return {"class_histogram": [round(v, 4) for v in p.tolist()], "class_entropy": round(entropy + 0.0, 4),
            "mode_coverage": float((p >= FAIR_SHARE / NUM_CLASSES).double().mean()), "modes": NUM_CLASSES, "mmd": None}


def _no_metrics() -> dict:
    """A model whose samples are no longer numbers has no class figures."""
    return {"class_histogram": None, "class_entropy": None, "mode_coverage": None, "modes": NUM_CLASSES, "mmd": None}


