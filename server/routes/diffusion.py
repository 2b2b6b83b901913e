"""Diffusion views: forward noising at any t, the reverse trajectory (JSON and Server-Sent Events),
inpainting, DDIM inversion, and the noise schedules."""

from collections.abc import Iterator
from typing import Annotated

import torch
from fastapi import APIRouter, HTTPException, Query

from models.diffusion.process import forward_noise
from models.diffusion.sampling import Step, ddim_invert, denoise, inpaint, make_sampler, ode_encode, sampler_evaluations
from models.diffusion.schedules import SCHEDULES, schedule_alpha_bar, snr
from models.registry import LoadedModel
from server.images import image_urls, make_grid, to_data_url, to_png
from server.openapi import INVALID, MODEL_WORK, PNG_OR_JSON, event_stream
from server.params import (
    QueryPng,
    Runner,
    RunnerDep,
    check_batch,
    check_steps,
    images_response,
    label_tensor,
    resolve_seed,
)
from server.schemas import InpaintRequest, InvertRequest, NoiseRequest, TrajectoryQuery, TrajectoryRequest
from server.store import ModelStore
from server.streams import EventStreamResponse

router = APIRouter(tags=["diffusion"])


def _unit(module, x: torch.Tensor) -> torch.Tensor:
    """A state of the process -> [0, 1] pixels: the image rescaled, or a latent decoded (the model knows which);
    a noisy x_t is clipped for display only."""
    return module.to_images(x).clamp(0, 1)


def _grid_url(module, x: torch.Tensor) -> str:
    return to_data_url(to_png(make_grid(_unit(module, x))))


def _frame(module, i: int, step: Step) -> dict:
    """One kept step: t and, for the whole batch, x_t and the predicted x_0 as one grid each."""
    return {"i": i, "t": step.t, "x_t": _grid_url(module, step.x_t), "x0_pred": _grid_url(module, step.x0_pred)}


LANGEVIN_FIELDS = ("step_size", "steps_per_level", "sigma_max", "sigma_min", "final_denoise")


def _sampler(module, req: TrajectoryRequest):
    """The request's sampler; a Langevin noise range the model does not have is a 422 naming it."""
    try:
        return make_sampler(req.sampler, module.alpha_bar, req.steps, req.eta, clip=module.clip_x0,
                            langevin={name: getattr(req, name) for name in LANGEVIN_FIELDS})
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None


def _steps(store: ModelStore, model: LoadedModel, req: TrajectoryRequest, seed: int, known=None) -> Iterator[Step]:
    """The reverse process a request asks for: plain denoising, or inpainting when `known` is given.
    Without a label a conditional model samples unconditionally (the null class), so guidance is moot."""
    check_steps(model, req.steps)
    module = model.module
    g = store.generator(seed)
    labels = label_tensor(model, req.label, req.n, store.device, required=False)
    guidance = req.guidance if labels is not None else 0.0
    sampler = _sampler(module, req)
    if known is None:
        x_T = torch.randn(req.n, *module.state_shape, generator=g, device=store.device)
        return denoise(module, sampler, x_T, labels, guidance, g)
    image, mask = known
    return inpaint(module, sampler, image.expand(req.n, -1, -1, -1), mask, labels, guidance, g)


def _kept(steps: Iterator[Step], stride: int) -> Iterator[tuple[int, Step]]:
    """Every stride-th step as it comes, and always the last one (a sampler may take fewer steps than asked:
    Langevin's levels that round to one timestep count once)."""
    last = None
    for i, step in enumerate(steps):
        last = (i, step)
        if i % stride == 0:
            yield last
    if last is not None and last[0] % stride != 0:
        yield last


def _trajectory_events(model: LoadedModel, req: TrajectoryRequest, seed: int, steps: Iterator[Step]) -> Iterator[tuple[str, dict]]:
    """The reverse process as events: `start`, one `step` per kept step, then `done` with the images."""
    yield "start", {"model": model.id, "seed": seed, **req.model_dump(exclude={"seed", "image", "mask"})}
    last = None
    for i, step in _kept(steps, req.stride()):
        last = step
        yield "step", _frame(model.module, i, step)
    final = _unit(model.module, last.x_t)
    yield "done", {"seed": seed, "images": image_urls(final), "grid": to_data_url(to_png(make_grid(final)))}


def _price(run: Runner, model: LoadedModel, req: TrajectoryRequest, operation: str):
    """Steps x (two passes with guidance) x n: what a reverse run costs. Called after `_steps`, which has
    already refused a label for a model that is not conditional (409)."""
    guided = req.label is not None and req.guidance > 0
    return run.price(model, operation, req.n, sampler_evaluations(req.sampler, req.steps, guided, req.steps_per_level,
                                                                   req.final_denoise))


async def _trajectory(run: Runner, model: LoadedModel, req: TrajectoryRequest, operation: str, known=None):
    """The whole reverse process as one JSON answer: every kept frame, then the final images."""
    check_batch(run.store, req.n)
    seed = resolve_seed(req.seed)
    events = _trajectory_events(model, req, seed, _steps(run.store, model, req, seed, known))

    def work():
        (_, start), *steps, (_, done) = events
        return {**start, "frames": [frame for _, frame in steps], "images": done["images"], "grid": done["grid"]}

    return await run(_price(run, model, req, operation), work)


@router.post("/api/models/{model_id}/trajectory", responses=MODEL_WORK)
async def run_trajectory(model_id: str, req: TrajectoryRequest, run: RunnerDep):
    """The reverse process step by step: x_t and predicted x_0 at every kept step, then the images."""
    return await _trajectory(run, run.store.require(model_id, "trajectory"), req, "trajectory")


@router.get("/api/models/{model_id}/trajectory/stream", response_class=EventStreamResponse, status_code=200,
            responses=event_stream(["start", "step", "done", "error"],
                                   "`start` (the settings), one `step` per kept step ({i, t, x_t, x0_pred}), then "
                                   "`done` ({seed, images, grid}); `error` ({detail}) if the run stops at its deadline"))
async def stream_trajectory(model_id: str, run: RunnerDep, req: Annotated[TrajectoryQuery, Query()]):
    """Server-Sent Events: one `step` event per kept step as it is computed, then `done` with the final
    images. The sampler stops within one step when the client goes away or stops reading."""
    model = run.store.require(model_id, "trajectory")
    check_batch(run.store, req.n)
    seed = resolve_seed(req.seed)
    events = _trajectory_events(model, req, seed, _steps(run.store, model, req, seed))
    return await run.stream(_price(run, model, req, "trajectory"), events)


@router.post("/api/models/{model_id}/inpaint", responses=MODEL_WORK)
async def inpaint_image(model_id: str, req: InpaintRequest, run: RunnerDep):
    """Fill the masked pixels of an image (mask 1 = fill) so they agree with the rest; frames as trajectory."""
    model = run.store.require(model_id, "inpaint")
    image = await run.image(req.image) * 2 - 1
    mask = torch.tensor(req.mask.pixels, device=run.store.device).reshape(1, 1, 28, 28).round()
    return await _trajectory(run, model, req, "inpaint", known=(image, mask))


@router.post("/api/models/{model_id}/noise", responses={**MODEL_WORK, **PNG_OR_JSON})
async def noise_image(model_id: str, req: NoiseRequest, run: RunnerDep, png: QueryPng):
    """The forward process q(x_t | x_0): the image at noise level t, with alpha_bar_t and SNR."""
    store = run.store
    model = store.require(model_id, "noise")
    schedule = req.schedule or model.module.config.schedule
    alpha_bar = schedule_alpha_bar(schedule, model.module.config.timesteps).to(store.device)
    if req.t >= len(alpha_bar):
        raise HTTPException(422, f"t must be below T = {len(alpha_bar)}")
    seed = resolve_seed(req.seed)
    x0 = await run.image(req.image)

    def work():
        x_t = forward_noise(x0, req.t, alpha_bar, store.generator(seed))
        if png or req.format == "png":
            return images_response(_unit(model.module, x_t), True)
        ab = alpha_bar[req.t]
        return {"model": model.id, "seed": seed, "t": req.t, "schedule": schedule, "x_0": image_urls(x0)[0],
                "x_t": image_urls(_unit(model.module, x_t))[0], "alpha_bar": float(ab), "snr": float(snr(ab))}

    return await run(run.price(model, "noise", 1, evaluations=0), work)  # arithmetic only: no network pass


@router.post("/api/models/{model_id}/invert", responses=MODEL_WORK)
async def invert_image(model_id: str, req: InvertRequest, run: RunnerDep):
    """Inversion: image -> the noise x_T that a deterministic sampler (DDIM with eta = 0, or the probability-flow
    ODE) maps back to it, and that regeneration, to show the sampler is an invertible map."""
    store = run.store
    model = store.require(model_id, "invert")
    check_steps(model, req.steps)
    labels = label_tensor(model, req.label, 1, store.device, required=False)
    x0 = await run.image(req.image) * 2 - 1
    sampler = make_sampler(req.sampler, model.module.alpha_bar, req.steps, eta=0.0, clip=False)
    invert = ddim_invert if req.sampler == "ddim" else ode_encode

    def work():
        x_T = invert(model.module, sampler, x0, labels)
        *_, last = denoise(model.module, sampler, x_T, labels, 0.0, None)
        return {"model": model.id, "steps": req.steps, "sampler": req.sampler, "input": image_urls(_unit(model.module, x0))[0],
                "noise": to_data_url(to_png(((x_T[0] / 3 + 1) / 2).clamp(0, 1))), "noise_std": float(x_T.std()),
                "reconstruction": image_urls(_unit(model.module, last.x_t))[0],
                "max_abs_error": float((_unit(model.module, last.x_t) - _unit(model.module, x0)).abs().max())}

    # inversion then regeneration: two unguided passes over the steps
    return await run(run.price(model, "invert", 1, evaluations=2 * sampler_evaluations(req.sampler, req.steps, False)), work)


@router.get("/api/diffusion/schedules", responses=INVALID)
async def list_schedules(timesteps: Annotated[int, Query(ge=2, le=1000)] = 1000,
                   points: Annotated[int, Query(ge=2, le=1000)] = 200) -> dict:
    """alpha_bar_t and log10 SNR against t for every schedule, for plotting."""
    idx = torch.linspace(0, timesteps - 1, points).round().long()
    out = {}
    for name in SCHEDULES:
        ab = schedule_alpha_bar(name, timesteps)[idx]
        out[name] = {"t": idx.tolist(), "alpha_bar": ab.tolist(), "log10_snr": snr(ab).log10().tolist()}
    return {"timesteps": timesteps, "schedules": out}
