"""A live training session: one small 2-D model, its optimizers and data, stepped by a caller, drawn as frames.

The session owns no thread and no clock: the caller (a CLI loop, a worker process, a Ray actor) calls
step / change / reset and ships the frames. Every random draw comes from the session's own
torch.Generator, so the same seed and the same sequence of calls give the same frames, whatever else
the process does. (Setting torch's thread count for the step is the caller's job.)

A frame is a plain dict of lists, floats and strings, JSON-ready (non-finite numbers become None):
  step, family, data, hp          where the run is and with which hyper-parameters
  losses                          the mean of each loss over the steps of the last step(n) call
  diverged                        whether a loss has become non-finite
  samples                         FRAME_SAMPLES model samples as [x, y]
  metrics                         mode_coverage (toys with discrete modes, else None) and mmd, on
                                  METRIC_SAMPLES samples against as many data points (see metrics.py)
  view                            the square window [low, high]^2 and heat-map size the grids use
  ...                             the family's own pictures (gan2d, vae2d, flow2d, diffusion2d: extras)"""

import math

import torch

from models.data import TOY_DISTRIBUTIONS, TOY_MODE_STD, TOY_MODES, drawn_distribution
from models.lab import metrics
from models.lab.diffusion2d import Diffusion2D
from models.lab.flow2d import Flow2D
from models.lab.gan2d import Gan2D
from models.lab.grid import rounded, view_of
from models.lab.nets import make_optimizer, set_lr
from models.lab.params import COMMON, defaults, validate
from models.lab.presets import PRESETS
from models.lab.vae2d import Vae2D

FAMILIES = {"gan": Gan2D, "vae": Vae2D, "flow": Flow2D, "diffusion": Diffusion2D}
DRAWN = "drawn"  # the data name of a user-drawn distribution
FRAME_SAMPLES = 256
METRIC_SAMPLES = 1000


class Session:
    def __init__(self, family: str, data: str = "8gaussians", seed: int = 0, preset: str | None = None,
                 points=None, **hp):
        """`data` names a toy of models.data, or is "drawn" with `points` (M x [x, y]); `hp` overrides the preset's."""
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise ValueError(f"seed: expected an integer in [0, 2**32 - 1], got {seed!r}")
        if family not in FAMILIES:
            raise ValueError(f"family: {family!r} is not one of {sorted(FAMILIES)}")
        if preset is not None and (preset not in PRESETS or family not in PRESETS[preset].families):
            fitting = sorted(name for name, p in PRESETS.items() if family in p.families)
            raise ValueError(f"preset: {preset!r} is not a preset for {family}; choose from {fitting}")
        self.family, self.data, self.seed, self.preset = family, data, seed, preset
        self._draw_data = _data_sampler(data, points)
        self._kind = FAMILIES[family]
        self.specs = {**COMMON, **self._kind.PARAMS}
        self._initial = {**defaults(self.specs), **(PRESETS[preset].hp[family] if preset else {}),
                         **validate(self.specs, hp)}
        self.reference = self._draw_data(METRIC_SAMPLES, torch.Generator().manual_seed(self.seed + 7919))
        self.view = view_of(self.reference)
        self.reset()

    # --- controls ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to step 0 with the hyper-parameters the session was created with: the same run as a fresh session."""
        self.hp = dict(self._initial)
        self.step_count = 0
        self._losses: dict[str, float] = {}
        self._g = torch.Generator().manual_seed(self.seed)
        self._build_model()

    def change(self, **changes) -> dict:
        """Change hyper-parameters mid-run; out-of-range values raise ValueError and change nothing.

        Learning rates change in place (Adam keeps its moments); a new optimizer starts from scratch; a
        change of shape (latent size, width, layers) builds fresh networks from the session's generator."""
        checked = validate(self.specs, changes)
        self.hp.update(checked)
        if set(checked) & self._kind.REBUILD:
            self._build_model()
        elif "optimizer" in checked:
            self._build_optimizers()
        else:
            for name, (_, lr_key) in self.model.param_groups().items():
                set_lr(self.optimizers[name], self.hp[lr_key])
        return dict(self.hp)

    def step(self, n: int = 1) -> dict:
        """n training steps, then the frame after them."""
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= 100_000:
            raise ValueError(f"n: expected an integer in [1, 100000], got {n!r}")
        totals: dict[str, float] = {}
        for _ in range(n):
            for key, value in self.model.train_step(self._draw, self.hp, self.optimizers, self._g).items():
                totals[key] = totals.get(key, 0.0) + value
            self.step_count += 1
        self._losses = {key: value / n for key, value in totals.items()}
        return self.frame()

    # --- frames -----------------------------------------------------------------------------------

    def frame(self) -> dict:
        """The current state as a JSON-ready dict (see the module docstring); draws nothing from the training stream."""
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.step_count)  # same step, same frame
        samples = self.model.sample(METRIC_SAMPLES, self.hp, g)
        frame = {
            "step": self.step_count, "family": self.family, "data": self.data, "preset": self.preset,
            "hp": dict(self.hp), "losses": dict(self._losses),
            "diverged": not all(math.isfinite(v) for v in self._losses.values()),
            "samples": rounded(samples[:FRAME_SAMPLES]),
            "metrics": self.metrics(samples),
            "view": self.view.describe(),
            **self.model.extras(self.view, self.hp, g, self.reference[:FRAME_SAMPLES]),
        }
        return _json_safe(frame)

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

    # --- internals --------------------------------------------------------------------------------

    def _draw(self, n: int) -> torch.Tensor:
        return self._draw_data(n, self._g)

    def _build_model(self) -> None:
        self.model = self._kind(self.hp, self._g)
        self._build_optimizers()

    def _build_optimizers(self) -> None:
        self.optimizers = {name: make_optimizer(self.hp["optimizer"], params, self.hp[lr_key], self._kind.BETAS)
                           for name, (params, lr_key) in self.model.param_groups().items()}


def _data_sampler(data: str, points):
    if data == DRAWN:
        if points is None:
            raise ValueError("points: a drawn distribution needs the list of [x, y] points")
        return drawn_distribution(points)
    if data not in TOY_DISTRIBUTIONS:
        raise ValueError(f"data: {data!r} is not one of {sorted(TOY_DISTRIBUTIONS) + [DRAWN]}")
    return TOY_DISTRIBUTIONS[data]


def _json_safe(value):
    """Non-finite floats -> None, recursively (JSON has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
