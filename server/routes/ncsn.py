"""The NCSN on digits: annealed Langevin dynamics streamed, and its score beside a DDPM's -eps / sigma on
the same noisy digit (the same object). The math is models/ncsn's; this module checks, prices and encodes."""

from collections.abc import Iterator
from typing import Annotated

import torch
from fastapi import APIRouter, HTTPException, Query

from models.ncsn.same_object import score_pairs, spread_levels
from models.registry import LoadedModel
from server.images import image_urls
from server.openapi import MODEL_WORK, event_stream
from server.params import RunnerDep, label_tensor, resolve_seed
from server.schemas import NCSNStreamQuery, SameObjectRequest
from server.streams import EventStreamResponse

router = APIRouter(prefix="/api/ncsn", tags=["ncsn"])
SCORE_RANGE = 3.0  # sigma * s is about -z: shown grey at 0, black at -3, white at +3


def _pixels(x):
    """The [-1, 1] scale (plus noise) -> [0, 1] images, clipped."""
    return image_urls(((x + 1) / 2).clamp(0, 1))


def _scores(x):
    return image_urls((x / SCORE_RANGE + 1).div(2).clamp(0, 1))


@router.post("/{model_id}/same-object", responses=MODEL_WORK)
async def same_object(model_id: str, req: SameObjectRequest, run: RunnerDep):
    """The image noised at a few of the NCSN's levels (one draw of z), and at each the NCSN's score and the
    DDPM's -eps / sigma at its nearest step, both times sigma (images: grey 0, black -3, white +3), their
    cosine, the NCSN's cosine to the true -z, and Tweedie's clean guess x~ + sigma^2 s from each."""
    store = run.store
    model = store.require(model_id, "image_score")
    diffusion = store.require(req.diffusion, "noise")
    if req.levels > model.module.config.levels:
        raise HTTPException(422, f"levels = {req.levels}: {model.id} has {model.module.config.levels} noise levels")
    labels = None if req.label is None else torch.tensor([req.label], device=store.device)  # to the conditional ones
    seed = resolve_seed(req.seed)
    x = await run.image(req.image)
    levels = spread_levels(model.module, req.levels)

    def work():
        pairs = score_pairs(model.module, diffusion.module, x, labels, levels, store.generator(seed))
        rows = [{"level": p.level, "sigma": round(p.sigma, 5), "step": p.step, "step_sigma": round(p.step_sigma, 5),
                 "noisy": _pixels(p.noisy)[0], "ncsn_score": _scores(p.ncsn)[0], "ddpm_score": _scores(p.ddpm)[0],
                 "ncsn_denoised": _pixels(p.ncsn_denoised)[0], "ddpm_denoised": _pixels(p.ddpm_denoised)[0],
                 "cosine": round(float(p.cosine[0]), 4), "cosine_to_noise": round(float(p.cosine_to_noise[0]), 4)}
                for p in pairs]
        return {"model": model.id, "diffusion": diffusion.id, "seed": seed, "label": req.label,
                "score_range": SCORE_RANGE, "rows": rows}

    return await run(run.price(model, "same_object", 1, evaluations=2 * len(levels)), work)


def _langevin_events(model: LoadedModel, seed: int, labels, every: int, steps: Iterator) -> Iterator[tuple[str, dict]]:
    """`start`, a `step` for every every-th Langevin step and the last, then `done` with the samples."""
    total = model.module.langevin_steps_taken
    yield "start", {"model": model.id, "seed": seed, "labels": None if labels is None else labels.tolist(),
                    "levels": model.module.sigmas.tolist(), "steps_per_level": model.module.config.steps_per_level,
                    "steps": total, "every": every}
    last = None
    for item in steps:
        last = item
        if item.step % every == 0 or item.step == total:
            yield "step", {"step": item.step, "level": item.level, "sigma": round(item.sigma, 5),
                           "images": _pixels(item.x)}
    yield "done", {"seed": seed, "images": _pixels(last.x.clamp(-1, 1))}


@router.get("/{model_id}/langevin/stream", response_class=EventStreamResponse, status_code=200, responses=event_stream(
        ["start", "step", "done", "error"],
        "`start` ({model, seed, labels, levels, steps_per_level, steps, every}), a `step` ({step, level, sigma, images}) every `every` "
        "Langevin steps and at the last, then `done` ({seed, images}); `error` ({detail}) at the deadline"))
async def stream_langevin(model_id: str, run: RunnerDep, req: Annotated[NCSNStreamQuery, Query()]):
    """Server-Sent Events: n digits drawn by annealed Langevin dynamics from pure noise, level by level
    (noisiest first), then denoised once. Without a label a conditional model draws one per digit."""
    store = run.store
    model = store.require(model_id, "image_score")
    labels = label_tensor(model, req.label, req.n, store.device, required=False)
    seed = resolve_seed(req.seed)
    g = store.generator(seed)
    if labels is None and "conditional" in model.capabilities:
        labels = model.module.draw_labels(req.n, g)
    steps = model.module.langevin_steps(req.n, g, labels)  # lazy: runs per event
    return await run.stream(run.price(model, "sample", req.n), _langevin_events(model, seed, labels, req.every, steps))
