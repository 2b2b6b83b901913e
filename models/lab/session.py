"""A live training session: one small model, its optimizers and data, stepped by a caller, drawn as frames.

The session owns no thread and no clock: the caller (a CLI loop, a worker process, a Ray actor) calls
step / change / reset and ships the frames. Every random draw comes from the session's own
torch.Generator, so the same seed and the same sequence of calls give the same frames, whatever else
the process does. (Setting torch's thread count for the step is the caller's job.)

The data is a "world" (toys.py: 2-D toys or drawn points; mnist.py: the digits) that offers the
families, its own hyper-parameters and the data's part of each frame. A frame is a plain dict of lists,
floats and strings, JSON-ready (non-finite numbers become None):
  step, family, data, preset, hp  where the run is and with which hyper-parameters
  losses                          the mean of each loss over the steps of the last step(n) call
  diverged                        whether a loss has become non-finite
  metrics                         2-D: mode_coverage, modes, mmd (toys.py); MNIST: the classifier's figures (mnist.py)
  2-D                             samples, view and the family's own pictures (gan2d, vae2d, flow2d, diffusion2d: extras)
  MNIST                           grid_images (16 x 28 x 28 levels 0-255 from fixed noise) and grid_step"""

import math

import torch

from models.lab import mnist
from models.lab.nets import make_optimizer, set_lr, trained_networks
from models.lab.params import COMMON, defaults, validate
from models.lab.presets import PRESETS
from models.lab.toys import DRAWN, FAMILIES, Toys

__all__ = ["DRAWN", "FAMILIES", "Session"]


def session_specs(family: str, data: str) -> dict:
    """The hyper-parameters a session of `family` on `data` accepts (name -> Range or Choice); ValueError
    for an unknown family. Cheap: the server checks a request with it before any worker starts."""
    if family not in FAMILIES:
        raise ValueError(f"family: {family!r} is not one of {sorted(FAMILIES)}")
    world = mnist.Digits if data == mnist.MNIST else Toys
    return {**COMMON, **world.FAMILIES[family].PARAMS, **world.PARAMS}


def preset_fits(preset: str, family: str, data: str) -> bool:
    """Whether `preset` has a recipe for `family` whose every setting a session on `data` has and accepts (the
    stabilizers and the mixture decoder exist on 2-D toys only); False for an unknown family."""
    try:
        specs = session_specs(family, data)
    except ValueError:
        return False
    if family not in PRESETS[preset].families:
        return False
    try:
        validate(specs, PRESETS[preset].hp[family])
    except ValueError:
        return False
    return True


def preset_hp(preset: str, family: str, data: str) -> dict:
    """The hyper-parameters a preset sets for `family` on `data`; ValueError if it does not fit."""
    if preset not in PRESETS or not preset_fits(preset, family, data):
        fitting = sorted(name for name in PRESETS if preset_fits(name, family, data))
        raise ValueError(f"preset: {preset!r} is not a preset for {family} on {data}; choose from {fitting}")
    return dict(PRESETS[preset].hp[family])


def initial_hp(family: str, data: str, preset: str | None, hp: dict) -> dict:
    """Defaults, then the preset's values, then the caller's, all checked (ValueError names the field)."""
    specs = session_specs(family, data)
    return {**defaults(specs), **(preset_hp(preset, family, data) if preset else {}), **validate(specs, hp)}


class Session:
    def __init__(self, family: str, data: str = "8gaussians", seed: int = 0, preset: str | None = None,
                 points=None, classifier=None, **hp):
        """`data` names a toy of models.data, "drawn" with `points` (M x [x, y]), or "mnist" with `classifier`
        (the digit classifier, e.g. mnist.load_classifier(dir): any callable images -> 10 logits); `hp`
        overrides the preset's."""
        if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**32:
            raise ValueError(f"seed: expected an integer in [0, 2**32 - 1], got {seed!r}")
        self.specs = session_specs(family, data)
        self.family, self.data, self.seed, self.preset, self.points = family, data, seed, preset, points
        self._restored: tuple[dict, int] | None = None  # an export's weights and step (restore)
        self.world = mnist.Digits(classifier, seed) if data == mnist.MNIST else Toys(data, points, seed)
        self._kind = self.world.FAMILIES[family]
        self._initial = initial_hp(family, data, preset, hp)
        self.reset()

    def preset_hp(self, preset: str) -> dict:
        return preset_hp(preset, self.family, self.data)

    # --- controls ---------------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to where the session began, with the hyper-parameters it was created with: step 0, the same run
        as a fresh session; or, for a reopened export, its weights at its step."""
        self.hp = dict(self._initial)
        self.step_count = 0
        self._losses: dict[str, float] = {}
        self._g = torch.Generator().manual_seed(self.seed)
        self._build_model()
        if self._restored is not None:
            state, self.step_count = self._restored
            try:
                trained_networks(self.model).load_state_dict(state)
            except RuntimeError as exc:  # a missing, unexpected or misshapen tensor
                raise ValueError(f"the weights do not fit a {self.family} with these hyper-parameters: {exc}") from None
            self.world.start(self.model, self.hp, self.step_count)

    def restore(self, state: dict[str, torch.Tensor], step: int) -> None:
        """Continue a lab-only export (models/lab/export.py): its networks' weights at its step count. The
        optimizers start afresh (an export keeps no Adam moments), and the training draws go on from this
        session's seed, so the run from here is reproducible but not the one the export came from."""
        self._restored = ({k: v.float() for k, v in state.items()}, step)
        try:
            self.reset()
        except ValueError:
            self._restored = None
            raise

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
            self.world.after_step(self.model, self.hp, self.step_count)
        self._losses = {key: value / n for key, value in totals.items()}
        return self.frame()

    # --- frames -----------------------------------------------------------------------------------

    def frame(self) -> dict:
        """The current state as a JSON-ready dict (see the module docstring); draws nothing from the training stream."""
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + self.step_count)  # same step, same frame
        frame = {
            "step": self.step_count, "family": self.family, "data": self.data, "preset": self.preset,
            "hp": dict(self.hp), "losses": dict(self._losses),
            "diverged": not all(math.isfinite(v) for v in self._losses.values()),
            **self.world.frame(self.model, self.hp, g),
        }
        return _json_safe(frame)

    # --- internals --------------------------------------------------------------------------------

    def _draw(self, n: int) -> torch.Tensor:
        return self.world.draw(n, self._g)

    def _build_model(self) -> None:
        self.model = self._kind(self.hp, self._g)
        self._build_optimizers()
        self.world.start(self.model, self.hp, self.step_count)

    def _build_optimizers(self) -> None:
        self.optimizers = {name: make_optimizer(self.hp["optimizer"], params, self.hp[lr_key], self._kind.BETAS)
                           for name, (params, lr_key) in self.model.param_groups().items()}


def _json_safe(value):
    """Non-finite floats -> None, recursively (JSON has no NaN or infinity)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(v) for key, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value
