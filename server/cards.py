"""The model card schema, checked at start-up before any network is built.

A card the routes and pages cannot read (no title, no training record, a string where a number goes)
would otherwise answer 500 for every model on GET /api/models; refused here, only its own model is
listed as failed, with the reason. models/ stays free of pydantic: the store hands `validate_card` to
models.registry.load_all. Strict: the routes read the card as written, so "10" is not a number here.
"""

import json
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, NonNegativeFloat, ValidationError

from models.checkpoint import CheckpointError

Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")]  # safe in a URL path and a file name


class Card(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")  # cards carry more than the server reads


class Training(Card):
    """The parts of a training record that the routes and pages read."""

    history: list[dict]  # one record per epoch: {"epoch", "train", "heldout"}
    epochs: NonNegativeFloat | None = None
    steps: NonNegativeFloat | None = None
    seconds: NonNegativeFloat | None = None
    steps_log: list[dict] | None = None  # {"step", <loss>: value, ...} every log_every steps
    previous_runs: list[dict] | None = None  # earlier runs that this checkpoint continued
    whole_history: bool | None = None  # history, step log and film cover previous_runs too (models/run_history.py)


class PrecisionCheck(Card):
    """A model's samples drawn in float32 and in bf16, read by the digit classifier (models/precision_check.py)."""

    agreement: float = Field(ge=0, le=1)
    passed: bool
    n: int = Field(ge=1)


class CompiledCheck(Card):
    """A diffusion model's samples drawn by its compiled network (models/compiled.py) in float32 and in bf16, each
    against eager float32."""

    passed: bool
    fp32: PrecisionCheck
    bf16: PrecisionCheck


class InferenceChecks(Card):
    bf16: PrecisionCheck | None = None
    compiled: CompiledCheck | None = None


class ModelCard(Card):
    id: Slug
    family: str
    title: str = Field(min_length=1)
    description: str = ""
    config: dict  # the family's dataclass says what it accepts, when the network is built
    training: Training
    metrics: dict = Field(default_factory=dict)
    inference: InferenceChecks | None = None  # checks that let the server run the model faster


def validate_card(card: dict) -> None:
    """Raise CheckpointError naming the first wrong field: the reason /readyz and GET /api/models show."""
    try:
        ModelCard.model_validate(card)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "card"
        raise CheckpointError(f"invalid card: {where}: {first['msg']}") from None
    try:
        json.dumps(card, allow_nan=False)
    except ValueError:  # json.loads reads NaN, but no JSON response can carry it
        raise CheckpointError("invalid card: NaN or Infinity, which no JSON response can carry") from None
