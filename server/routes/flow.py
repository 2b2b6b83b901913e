"""Normalizing-flow views: an image's z with its exact likelihood and the round trip back, paths
between two z's, and the image layer by layer on its way to z."""

import torch
from fastapi import APIRouter

from models.latent import INTERPOLATIONS
from models.metrics import bits_per_dim
from models.registry import LoadedModel
from server.images import image_urls, rescale, to_data_url, to_png
from server.openapi import MODEL_WORK, PNG_OR_JSON
from server.params import QueryPng, Runner, RunnerDep, images_response, resolve_seed, to_list
from server.schemas import FlowEndpoint, FlowInterpolateRequest, SeededImage

router = APIRouter(prefix="/api/flow", tags=["flow"], responses=MODEL_WORK)

Z_SHOWN = 3.0  # z_image shows z over [-3, 3] standard deviations: grey = z / 6 + 0.5, clamped


def _levels(images: torch.Tensor) -> torch.Tensor:
    """[0, 1] pixels -> their 8-bit levels, the grid on which two images are the same picture."""
    return (images * 255).round()


def _round_trip(model: LoadedModel, x: torch.Tensor, encoded: dict, decoded: torch.Tensor) -> dict:
    """How invertible the map is in practice: float error of y -> z -> y, and pixels that change level."""
    y_back = model.module.inverse(encoded["z"])
    return {"max_abs_error": float((encoded["y"] - y_back).abs().max()),
            "pixels_changed": int((_levels(decoded) != _levels(x)).sum())}


@router.post("/{model_id}/encode")
async def encode_image(model_id: str, req: SeededImage, run: RunnerDep):
    """Image -> z (784 numbers in N(0, I) units) and its exact -log p(x), then z -> image again: the flow
    is one invertible map, so the round trip loses nothing but float error. `z_image` shows z as grey
    z / 6 + 0.5, clamped: mid-grey is 0, black -3 and white +3 standard deviations."""
    model = run.store.require(model_id, "invertible")
    x = await run.image(req.image)
    seed = resolve_seed(req.seed)  # the dequantization noise u: the same seed, the same z

    def work():
        encoded = model.module.encode(x, run.store.generator(seed))
        z, nats = encoded["z"], -float(encoded["log_prob"][0])
        decoded = model.module.decode(z)
        return {"model": model.id, "seed": seed, "z": to_list(z.flatten()),
                "z_image": to_data_url(to_png(rescale(z[0], -Z_SHOWN, Z_SHOWN))),
                "nats": nats, "bits_per_dim": bits_per_dim(nats),
                "round_trip": _round_trip(model, x, encoded, decoded), "reconstruction": image_urls(decoded)[0]}

    return await run(run.price(model, "encode", 1, evaluations=3), work)  # forward, inverse, decode


async def _endpoint_image(run: Runner, end: FlowEndpoint) -> torch.Tensor | None:
    """An image end, decoded in the upload pool before any slot is taken; a seed end needs nothing."""
    return None if end.image is None else await run.image(end.image)


def _endpoint_z(run: Runner, model: LoadedModel, end: FlowEndpoint, image: torch.Tensor | None,
                temperature: float) -> torch.Tensor:
    """A seed's draw z = T * N(0, I) (the noise the flow's own sampler would decode from that seed),
    or an image's z; as (784,)."""
    if image is not None:
        return model.module.encode(image)["z"].flatten()
    g = run.store.generator(end.seed)
    return temperature * torch.randn(1, 1, 28, 28, generator=g, device=run.store.device).flatten()


@router.post("/{model_id}/interpolate", responses=PNG_OR_JSON)
async def interpolate_flow(model_id: str, req: FlowInterpolateRequest, run: RunnerDep, png: QueryPng):
    """Decode a straight (lerp) or great-circle (slerp) path between two z's: seed draws at a temperature,
    or images' z. Every point decodes to an image, since the flow's inverse is defined everywhere."""
    model = run.store.require(model_id, "invertible")
    ends = (req.start, req.end)
    images = [await _endpoint_image(run, end) for end in ends]

    def work():
        a, b = (_endpoint_z(run, model, end, image, req.temperature) for end, image in zip(ends, images))
        path = INTERPOLATIONS[req.method](a, b, req.steps)  # (steps, 784)
        frames = model.module.decode(path.reshape(-1, 1, 28, 28))
        return images_response(frames, png or req.format == "png", model=model.id)

    return await run(run.price(model, "interpolate", req.steps + 2), work)  # the path, and up to two encodes


def _layer(view: dict) -> dict:
    """One layer's output: its log-det and statistics, and its state stretched min-max to show as grey."""
    state = view["state"]
    low, high = float(state.min()), float(state.max())
    return {"name": view["name"], "logdet_nats": view["logdet"],
            "image": to_data_url(to_png(rescale(state, low, high))),
            "min": low, "max": high, "mean": float(state.mean()), "std": float(state.std())}


@router.post("/{model_id}/layers")
async def view_layers(model_id: str, req: SeededImage, run: RunnerDep):
    """The image after every layer on its way to z, each with the log-det it adds to log p(x): where the
    flow spends its likelihood. Squeezed states are shown re-assembled as 28x28."""
    model = run.store.require(model_id, "layer_view")
    x = await run.image(req.image)
    seed = resolve_seed(req.seed)  # the same dequantization noise for the layers and the likelihood

    def work():
        views = model.module.layer_view(x, run.store.generator(seed))
        nats = -float(model.module.log_prob(x, None, run.store.generator(seed))[0])
        return {"model": model.id, "seed": seed, "bits_per_dim": bits_per_dim(nats),
                "layers": [_layer(view) for view in views]}

    return await run(run.price(model, "layer_view", 1, evaluations=2), work)  # the layers, then log p(x)
