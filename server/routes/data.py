"""Real digits from the shipped data, for demos and as inputs to the other routes."""

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from models.data import pick_digits
from server.images import image_urls
from server.openapi import INVALID
from server.params import resolve_seed, to_list
from server.schemas import Label, Seed

router = APIRouter(prefix="/api/data", tags=["data"])


@router.get("/digits", responses=INVALID)
def list_digits(split: Literal["train", "heldout"] = "heldout", n: Annotated[int, Query(ge=1, le=64)] = 8,
                seed: Annotated[Seed | None, Query()] = None, label: Annotated[Label | None, Query()] = None) -> dict:
    """n real digits of one split (optionally one class), chosen by seed."""
    seed = resolve_seed(seed)
    digits = pick_digits(split, n, seed, label)
    return {"split": split, "seed": seed, "digits": [
        {"index": int(i), "label": int(lab), "image": url, "pixels": to_list(img.flatten(), 4)}
        for i, lab, url, img in zip(digits.index, digits.labels, image_urls(digits.images), digits.images)
    ]}
