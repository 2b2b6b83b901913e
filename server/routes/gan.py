"""GAN views: what the discriminator thinks of an image, and the training film strip."""

import json

from fastapi import APIRouter, HTTPException
from safetensors import safe_open

from models.checkpoint import film_path
from server.images import make_grid, to_data_url, to_png
from server.params import StoreDep, image_inputs
from server.schemas import ImageRequest

router = APIRouter(prefix="/api/models", tags=["gan"])


@router.post("/{model_id}/discriminate")
def discriminate_image(model_id: str, req: ImageRequest, store: StoreDep) -> dict:
    """D's score of any image: its logit and p(real), or for WGAN-GP the critic's value (no probability)."""
    model, labels, x = image_inputs(store, model_id, req, "discriminate")
    with store.inference():
        verdict = model.module.discriminate(x, labels)
    p_real = verdict["p_real"]
    return {"model": model.id, "score": float(verdict["score"][0]),
            "p_real": None if p_real is None else float(p_real[0]), "kind": verdict["kind"],
            "input": to_data_url(to_png(x[0]))}


@router.get("/{model_id}/film")
def get_film(model_id: str, store: StoreDep) -> dict:
    """The training film strip: the same 64 latents decoded at points through training, with the per-step
    losses, so a page can scrub the loss chart and show the samples of that moment."""
    model = store.require(model_id, "film")
    path = film_path(store.settings.checkpoint_dir, model.id)
    if not path.exists():
        raise HTTPException(404, f"model {model.id!r} was trained without a film strip")
    with safe_open(str(path), framework="pt") as f:
        frames, epochs = f.get_tensor("frames"), json.loads(f.metadata()["epochs"])
    steps_per_epoch = model.card["training"]["steps"] / max(1, model.card["training"]["epochs"])
    return {"model": model.id, "frames": [
        {"epoch": e, "step": round(e * steps_per_epoch), "grid": to_data_url(to_png(make_grid(frame[:, None].float() / 255)))}
        for e, frame in zip(epochs, frames)
    ], "steps_log": model.card["training"].get("steps_log", []), "history": model.card["training"]["history"]}
