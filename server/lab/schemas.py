"""Lab request bodies: strict, bounded, NaN/inf refused; a control is one of a closed set of actions.

Hyper-parameter values are only typed here (a finite number or a short name); their bounds depend on
the family and are checked by models.lab (the message names the field and the allowed range)."""

from typing import Annotated, Literal

from pydantic import Field

from models.data import TOY_DISTRIBUTIONS
from models.lab import DRAWN, FAMILIES, MNIST
from server.schemas import Seed, Strict

Family = Literal[tuple(sorted(FAMILIES))]
DataName = Literal[tuple(sorted(TOY_DISTRIBUTIONS)) + (DRAWN, MNIST)]
Coordinate = Annotated[float, Field(ge=-10, le=10, allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2)]
HpName = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z_0-9]+$")]
HpValue = Annotated[float, Field(allow_inf_nan=False)] | Annotated[str, Field(max_length=32)]
Hyperparameters = Annotated[dict[HpName, HpValue], Field(max_length=32)]
PresetName = Annotated[str, Field(min_length=1, max_length=64)]
StepCount = Annotated[int, Field(ge=1, le=1000)]


class LabCreate(Strict):
    family: Family
    data: DataName = "8gaussians"
    seed: Seed = 0
    preset: PresetName | None = None
    hp: Hyperparameters = Field(default_factory=dict, description="overrides of the preset's or the defaults")
    points: Annotated[list[Point], Field(min_length=1, max_length=2000)] | None = Field(
        None, description="data 'drawn': the points the user drew, each [x, y] in [-10, 10]")
    steps_per_frame: StepCount = 10


class LabReopen(Strict):
    steps_per_frame: StepCount = 10


class Play(Strict):
    action: Literal["play"]


class Pause(Strict):
    action: Literal["pause"]


class Reset(Strict):
    action: Literal["reset"]


class Step(Strict):
    action: Literal["step"]
    n: StepCount = 1


class Change(Strict):
    action: Literal["change"]
    hp: Annotated[dict[HpName, HpValue], Field(min_length=1, max_length=32)]


class ApplyPreset(Strict):
    action: Literal["preset"]
    preset: PresetName


class Speed(Strict):
    action: Literal["speed"]
    steps_per_frame: StepCount


LabControl = Annotated[Play | Pause | Reset | Step | Change | ApplyPreset | Speed, Field(discriminator="action")]


class LabExport(Strict):
    title: Annotated[str, Field(min_length=1, max_length=80)] | None = Field(
        None, description="the exported model's title (default: what trained, on what, how long)")
