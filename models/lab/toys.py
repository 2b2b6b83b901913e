"""The 2-D data a lab session can train on: a toy of models.data or a drawn distribution, and its frame parts.

A "world" gives the Session its data (draw), the families it offers, its own hyper-parameters, and the
data-specific part of each frame; toys.py is the 2-D one, mnist.py the digits."""

from typing import ClassVar

import torch

from models.data import TOY_DISTRIBUTIONS, TOY_MODE_STD, TOY_MODES, drawn_distribution
from models.lab import metrics
from models.lab.diffusion2d import Diffusion2D
from models.lab.flow2d import Flow2D
from models.lab.gan2d import Gan2D
from models.lab.grid import rounded, view_of
from models.lab.params import Spec
from models.lab.vae2d import Vae2D

FAMILIES = {"gan": Gan2D, "vae": Vae2D, "flow": Flow2D, "diffusion": Diffusion2D}
DRAWN = "drawn"  # the data name of a user-drawn distribution
FRAME_SAMPLES = 256
METRIC_SAMPLES = 1000


class Toys:
    PARAMS: ClassVar[dict[str, Spec]] = {}
    FAMILIES = FAMILIES

    def __init__(self, data: str, points, seed: int):
        self.data = data
        self.draw = _data_sampler(data, points)
        self.reference = self.draw(METRIC_SAMPLES, torch.Generator().manual_seed(seed + 7919))
        self.view = view_of(self.reference)

    def start(self, model, hp: dict, step: int) -> None:
        """Nothing to keep between frames: a 2-D frame is drawn afresh each time."""

    def after_step(self, model, hp: dict, step: int) -> None:
        """Nothing to refresh between frames."""

    def frame(self, model, hp: dict, g: torch.Generator) -> dict:
        """samples, the data points they are drawn over, metrics, view and the family's own pictures."""
        samples = model.sample(METRIC_SAMPLES, hp, g)
        return {"samples": rounded(samples[:FRAME_SAMPLES]), "data_points": rounded(self.reference[:FRAME_SAMPLES]),
                "metrics": self.metrics(samples),
                "view": self.view.describe(), **model.extras(self.view, hp, g, self.reference[:FRAME_SAMPLES])}

    def metrics(self, samples: torch.Tensor) -> dict:
        """mode_coverage (None for toys without discrete modes) and mmd (None once samples are non-finite)."""
        finite = bool(torch.isfinite(samples).all())
        modes = TOY_MODES.get(self.data)
        coverage = None
        if modes is not None:  # a non-finite sample is moved far away, where it counts for no mode
            far = torch.where(torch.isfinite(samples), samples, torch.full_like(samples, 1e6))
            coverage = metrics.mode_coverage(far, modes, TOY_MODE_STD[self.data])
        return {"mode_coverage": coverage, "modes": None if modes is None else len(modes),
                "mmd": metrics.mmd(samples, self.reference) if finite else None, "mmd_bandwidth": metrics.MMD_BANDWIDTH}


def _data_sampler(data: str, points):
    if data == DRAWN:
        if points is None:
            raise ValueError("points: a drawn distribution needs the list of [x, y] points")
        return drawn_distribution(points)
    if data not in TOY_DISTRIBUTIONS:
        raise ValueError(f"data: {data!r} is not one of {sorted(TOY_DISTRIBUTIONS) + [DRAWN, 'mnist']}")
    return TOY_DISTRIBUTIONS[data]
