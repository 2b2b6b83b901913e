"""Diffusion views: forward noising at any t, the reverse trajectory (JSON and Server-Sent Events),
inpainting, DDIM inversion, and the noise schedules."""

import json
from collections.abc import Iterator
from typing import Annotated

import anyio
import torch
from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import StreamingResponse

from models.diffusion.process import forward_noise
from models.diffusion.sampling import Step, ddim_invert, denoise, inpaint, make_sampler
from models.diffusion.schedules import SCHEDULES, schedule_alpha_bar, snr
from models.registry import LoadedModel
from server.images import image_urls, make_grid, to_data_url, to_png
from server.params import QueryPng, StoreDep, check_batch, images_response, label_tensor, resolve_seed, upload_tensor
from server.schemas import InpaintRequest, InvertRequest, NoiseRequest, TrajectoryRequest
from server.store import ModelStore, ServerBusy

router = APIRouter(tags=["diffusion"])


def _unit(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] model scale -> [0, 1] pixels (noisy x_t is clipped for display only)."""
    return ((x + 1) / 2).clamp(0, 1)


def _grid_url(x: torch.Tensor) -> str:
    return to_data_url(to_png(make_grid(_unit(x))))


def _frame(i: int, step: Step) -> dict:
    """One kept step: t and, for the whole batch, x_t and the predicted x_0 as one grid each."""
    return {"i": i, "t": step.t, "x_t": _grid_url(step.x_t), "x0_pred": _grid_url(step.x0_pred)}


def _check_steps(model: LoadedModel, steps: int) -> None:
    """More sampling steps than training steps would silently repeat timesteps: refuse instead."""
    if steps > model.module.config.timesteps:
        raise HTTPException(422, f"steps = {steps} exceeds this model's T = {model.module.config.timesteps}")


def _steps(store: ModelStore, model: LoadedModel, req: TrajectoryRequest, seed: int, known=None) -> Iterator[Step]:
    """The reverse process a request asks for: plain denoising, or inpainting when `known` is given.
    Without a label a conditional model samples unconditionally (the null class), so guidance is moot."""
    _check_steps(model, req.steps)
    module = model.module
    g = store.generator(seed)
    labels = label_tensor(model, req.label, req.n, store.device, required=False)
    guidance = req.guidance if labels is not None else 0.0
    sampler = make_sampler(req.sampler, module.alpha_bar, req.steps, req.eta)
    if known is None:
        x_T = torch.randn(req.n, 1, 28, 28, generator=g, device=store.device)
        return denoise(module, sampler, x_T, labels, guidance, g)
    image, mask = known
    return inpaint(module, sampler, image.expand(req.n, -1, -1, -1), mask, labels, guidance, g)


def _kept(steps: Iterator[Step], stride: int, total: int) -> Iterator[tuple[int, Step]]:
    """Every stride-th step and always the last one."""
    for i, step in enumerate(steps):
        if i % stride == 0 or i == total - 1:
            yield i, step


def _trajectory(store: StoreDep, model: LoadedModel, req: TrajectoryRequest, known=None) -> dict:
    check_batch(store, req.n)
    seed = resolve_seed(req.seed)
    frames, last = [], None
    with store.inference():
        for i, step in _kept(_steps(store, model, req, seed, known), req.stride(), req.steps):
            frames.append(_frame(i, step))
            last = step
    final = _unit(last.x_t)
    return {"model": model.id, "seed": seed, **req.model_dump(exclude={"seed", "image", "mask"}),
            "frames": frames, "images": image_urls(final), "grid": to_data_url(to_png(make_grid(final)))}


@router.post("/api/models/{model_id}/trajectory")
def run_trajectory(model_id: str, req: TrajectoryRequest, store: StoreDep) -> dict:
    """The reverse process step by step: x_t and predicted x_0 at every kept step, then the images."""
    return _trajectory(store, store.require(model_id, "trajectory"), req)


def _sse(event: str, data: dict) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


@router.get("/api/models/{model_id}/trajectory/stream")
async def stream_trajectory(model_id: str, request: Request, store: StoreDep,
                            req: Annotated[TrajectoryRequest, Query()]) -> StreamingResponse:
    """Server-Sent Events: one `step` event per kept step as it is computed, then `done` with the
    final images. The sampler stops as soon as the client goes away."""
    model = store.require(model_id, "trajectory")
    check_batch(store, req.n)
    seed = resolve_seed(req.seed)
    steps = _kept(_steps(store, model, req, seed), req.stride(), req.steps)
    if not store.limiter.try_acquire():
        raise ServerBusy

    def advance():
        with torch.inference_mode():
            return next(steps, None)

    async def events():
        try:
            yield _sse("start", {"model": model.id, "seed": seed, **req.model_dump(exclude={"seed"})})
            last = None
            while (item := await anyio.to_thread.run_sync(advance)) is not None:
                if await request.is_disconnected():
                    return
                last = item[1]
                yield _sse("step", _frame(*item))
            final = _unit(last.x_t)
            yield _sse("done", {"seed": seed, "images": image_urls(final), "grid": to_data_url(to_png(make_grid(final)))})
        finally:
            store.limiter.release()

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.post("/api/models/{model_id}/inpaint")
def inpaint_image(model_id: str, req: InpaintRequest, store: StoreDep) -> dict:
    """Fill the masked pixels of an image (mask 1 = fill) so they agree with the rest; frames as trajectory."""
    model = store.require(model_id, "inpaint")
    image = upload_tensor(req.image, store.device) * 2 - 1
    mask = torch.tensor(req.mask.pixels, device=store.device).reshape(1, 1, 28, 28).round()
    return _trajectory(store, model, req, known=(image, mask))


@router.post("/api/models/{model_id}/noise")
def noise_image(model_id: str, req: NoiseRequest, store: StoreDep, png: QueryPng):
    """The forward process q(x_t | x_0): the image at noise level t, with alpha_bar_t and SNR."""
    model = store.require(model_id, "noise")
    schedule = req.schedule or model.module.config.schedule
    alpha_bar = schedule_alpha_bar(schedule, model.module.config.timesteps).to(store.device)
    if req.t >= len(alpha_bar):
        raise HTTPException(422, f"t must be below T = {len(alpha_bar)}")
    seed = resolve_seed(req.seed)
    x0 = upload_tensor(req.image, store.device)
    with store.inference():
        x_t = forward_noise(x0, req.t, alpha_bar, store.generator(seed))
    if png or req.format == "png":
        return images_response(_unit(x_t), True)
    ab = alpha_bar[req.t]
    return {"model": model.id, "seed": seed, "t": req.t, "schedule": schedule, "x_0": image_urls(x0)[0],
            "x_t": image_urls(_unit(x_t))[0], "alpha_bar": float(ab), "snr": float(snr(ab))}


@router.post("/api/models/{model_id}/invert")
def invert_image(model_id: str, req: InvertRequest, store: StoreDep) -> dict:
    """DDIM inversion: image -> the noise x_T that deterministic DDIM (eta = 0) maps back to it,
    and that regeneration, to show the sampler is an invertible map."""
    model = store.require(model_id, "invert")
    _check_steps(model, req.steps)
    labels = label_tensor(model, req.label, 1, store.device, required=False)
    x0 = upload_tensor(req.image, store.device) * 2 - 1
    sampler = make_sampler("ddim", model.module.alpha_bar, req.steps, eta=0.0, clip=False)
    with store.inference():
        x_T = ddim_invert(model.module, sampler, x0, labels)
        *_, last = denoise(model.module, sampler, x_T, labels, 0.0, None)
    return {"model": model.id, "steps": req.steps, "input": image_urls(_unit(x0))[0],
            "noise": to_data_url(to_png(((x_T[0] / 3 + 1) / 2).clamp(0, 1))), "noise_std": float(x_T.std()),
            "reconstruction": image_urls(_unit(last.x_t))[0],
            "max_abs_error": float((_unit(last.x_t) - _unit(x0)).abs().max())}


@router.get("/api/diffusion/schedules")
def list_schedules(timesteps: Annotated[int, Query(ge=2, le=1000)] = 1000,
                   points: Annotated[int, Query(ge=2, le=1000)] = 200) -> dict:
    """alpha_bar_t and log10 SNR against t for every schedule, for plotting."""
    idx = torch.linspace(0, timesteps - 1, points).round().long()
    out = {}
    for name in SCHEDULES:
        ab = schedule_alpha_bar(name, timesteps)[idx]
        out[name] = {"t": idx.tolist(), "alpha_bar": ab.tolist(), "log10_snr": snr(ab).log10().tolist()}
    return {"timesteps": timesteps, "schedules": out}
