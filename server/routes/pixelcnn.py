"""Autoregressive views: a digit drawn pixel by pixel as a stream of events, completions of a digit's
top rows, and where an image surprises the model, pixel by pixel and class by class."""

import math
from collections.abc import Iterator
from typing import Annotated

import torch
from fastapi import APIRouter, Query

from models.metrics import bits_per_dim
from models.registry import LoadedModel
from server.images import image_urls, rescale, to_data_url, to_png
from server.openapi import MODEL_WORK, PNG_OR_JSON, event_stream
from server.params import (
    QueryPng,
    RunnerDep,
    check_batch,
    draw_label,
    images_response,
    label_tensor,
    resolve_seed,
    to_list,
)
from server.schemas import CompleteRequest, HeatmapRequest, PixelStreamQuery
from server.streams import EventStreamResponse

router = APIRouter(prefix="/api/pixelcnn", tags=["pixelcnn"])


def _pixel_events(model: LoadedModel, seed: int, label: int | None, steps: Iterator[dict]) -> Iterator[tuple[str, dict]]:
    """`start`, one `pixel` per drawn pixel with the distribution it was drawn from, then `done`."""
    yield "start", {"model": model.id, "seed": seed, "label": label}
    canvas = None
    for step in steps:
        row, col, canvas = step["row"], step["col"], step["canvas"][0]  # (1, 28, 28), mutated by the next step
        yield "pixel", {"row": row, "col": col, "value": int(_level(canvas[0, row, col])),
                        "probs": to_list(step["probs"][0], 5), "canvas": to_data_url(to_png(canvas))}
    yield "done", {"image": to_data_url(to_png(canvas)), "seed": seed, "label": label}


def _level(pixel: torch.Tensor) -> torch.Tensor:
    """A [0, 1] pixel -> its 8-bit level 0..255."""
    return (pixel * 255).round()


@router.get("/{model_id}/stream", response_class=EventStreamResponse, status_code=200,
            responses=event_stream(["start", "pixel", "done", "error"],
                                   "`start` ({model, seed, label}), one `pixel` per drawn pixel in raster order "
                                   "({row, col, value, probs, canvas}), then `done` ({image, seed, label}); "
                                   "`error` ({detail}) if the run stops at its deadline"))
async def stream_pixels(model_id: str, run: RunnerDep, req: Annotated[PixelStreamQuery, Query()]):
    """Server-Sent Events: one digit drawn pixel by pixel in raster order, each pixel with the 256-level
    distribution it was drawn from. The sampler stops within a row when the client goes away."""
    store = run.store
    model = store.require(model_id, "pixel_stream")
    seed = resolve_seed(req.seed)
    g = store.generator(seed)
    label = draw_label(run, model, req.label, g)
    steps = model.module.sample_steps(1, g, label_tensor(model, label, 1, store.device))  # lazy: runs per event
    return await run.stream(run.price(model, "sample", 1), _pixel_events(model, seed, label, steps))


def _blank_below(image: torch.Tensor, keep_rows: int) -> torch.Tensor:
    """The image with rows >= keep_rows set to background: all a completion is given."""
    given = image.clone()
    given[..., keep_rows:, :] = 0
    return given


@router.post("/{model_id}/complete", responses={**MODEL_WORK, **PNG_OR_JSON})
async def complete_image(model_id: str, req: CompleteRequest, run: RunnerDep, png: QueryPng):
    """n completions of an image's top `keep_rows` rows, which are kept exactly (on the 256 levels); the
    rest is drawn pixel by pixel given them. Without a label a conditional model draws one (echoed)."""
    store = run.store
    model = store.require(model_id, "complete")
    check_batch(store, req.n)
    seed = resolve_seed(req.seed)
    g = store.generator(seed)
    label = draw_label(run, model, req.label, g)
    given = _blank_below(await run.image(req.image), req.keep_rows)

    def work():
        images = model.module.complete(given, req.keep_rows, req.n, g, label)
        return images_response(images, png or req.format == "png", model=model.id, seed=seed,
                               keep_rows=req.keep_rows, label=label, given=image_urls(given)[0])

    return await run(run.price(model, "complete", req.n), work)


def _surprise(model: LoadedModel, x: torch.Tensor, label: int | None, device: str) -> dict:
    """-log2 p(x_i | x_<i, y) per pixel, their mean (bits/dim) and a grey map of them, 0 bits black."""
    nats = -model.module.pixel_log_prob(x, label_tensor(model, label, 1, device))[0]  # (28, 28)
    bits = nats / math.log(2)
    top = float(bits.max())
    return {"bits_per_dim": bits_per_dim(float(nats.sum())), "pixel_bits": to_list(bits.flatten(), 3),
            "heatmap": to_data_url(to_png(rescale(bits, 0, top))), "heatmap_max_bits": round(top, 3)}


@router.post("/{model_id}/heatmap", responses=MODEL_WORK)
async def heatmap_image(model_id: str, req: HeatmapRequest, run: RunnerDep):
    """Where an image surprises the model: bits per pixel given a label, and the class posterior
    p(y | x) = softmax_y log p(x | y) (Bayes' rule, uniform prior) that makes the model a classifier.
    The label is the one given, else the most probable class; the map's white is `heatmap_max_bits`."""
    store = run.store
    model = store.require(model_id, "pixel_log_prob")
    label_tensor(model, req.label, 1, store.device, required=False)  # 409 for a model that is not conditional
    x = await run.image(req.image)
    classes = model.num_classes if "conditional" in model.capabilities else 0

    def work():
        posterior = model.module.class_posterior(x)[0] if classes else None
        label = int(posterior.argmax()) if req.label is None and classes else req.label
        return {"model": model.id, "label": label,
                "class_posterior": to_list(posterior, 6) if classes else None,
                **_surprise(model, x, label, store.device)}

    # one pass per class for the posterior, one for the pixels given the label
    return await run(run.price(model, "heatmap", 1, evaluations=classes + 1), work)
