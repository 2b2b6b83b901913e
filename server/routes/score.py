"""2-D score and energy models: the score field at a noise level beside the exact one, and Langevin chains
on it (JSON or streamed). The math is models/score's; this module checks, prices and encodes."""

import math
from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from models.registry import LoadedModel
from models.score.field import chain_steps, langevin_chains, score_field
from models.score.measures import sample_quality
from server.openapi import MODEL_WORK, event_stream
from server.params import Runner, RunnerDep, resolve_seed, to_list
from server.schemas import MAX_CHAIN_STEPS, LangevinQuery, LangevinRequest, ScoreFieldRequest
from server.streams import EventStreamResponse

router = APIRouter(prefix="/api/score2d", tags=["score"], responses=MODEL_WORK)
MAX_FRAMES = 200


def _describe(model: LoadedModel) -> dict:
    config = model.module.config
    return {"model": model.id, "kind": config.kind, "toy": config.toy, "levels": model.module.sigmas.tolist()}


def _level(model: LoadedModel, level: int | None, name: str) -> int:
    levels = len(model.module.sigmas)
    if level is None:
        return levels - 1
    if level >= levels:
        raise HTTPException(422, f"{name} = {level}: {model.id} has {levels} noise level(s), 0..{levels - 1}")
    return level


@router.post("/{model_id}/field")
async def get_field(model_id: str, req: ScoreFieldRequest, run: RunnerDep):
    """The score s(x, sigma) on a grid x grid square of points (row i = y rising), with the exact score of the
    data blurred at that sigma, its log-density, the error sigma |s - s_ref| at each point, the mean error
    where the data is dense and where it is thin, an EBM's energy, and data points to draw behind."""
    model = run.store.require(model_id, "score_field")
    level = _level(model, req.level, "level")

    def work():
        out = score_field(model.module, level, req.grid)
        arrays = {key: to_list(out[key]) for key in ("score", "reference", "log_density", "error", "data")}
        energy = None if out["energy"] is None else to_list(out["energy"])
        return {**_describe(model), "level": level, "sigma": out["sigma"], "grid": req.grid, "box": 3.0, **arrays,
                "energy": energy, "error_by_density": out["error_by_density"]}

    return await run(run.price(model, "field", req.grid**2), work)


def _chains(model: LoadedModel, req: LangevinRequest, run: Runner, seed: int):
    """Check the levels and the length, then the chains' steps (lazily) and their price."""
    first, last = _level(model, req.first_level, "first_level"), _level(model, req.last_level, "last_level")
    if model.module.is_energy:
        first = last = 0
    if first > last:
        raise HTTPException(422, f"first_level = {first} must not come after last_level = {last} (levels run noisiest first)")
    levels = last - first + 1 if req.annealed else 1
    if levels * req.steps_per_level > MAX_CHAIN_STEPS:
        raise HTTPException(422, f"{levels} levels x steps_per_level = {levels * req.steps_per_level} Langevin steps "
                                 f"exceeds the limit of {MAX_CHAIN_STEPS}")
    denoise = req.final_denoise and not model.module.is_energy
    total = chain_steps(levels, req.steps_per_level, denoise)
    every = req.every or math.ceil(total / 100)
    if math.ceil(total / every) > MAX_FRAMES:
        raise HTTPException(422, f"{total} steps / every = {every} keeps more than {MAX_FRAMES} frames; raise 'every'")
    steps = langevin_chains(model.module, req.n, run.store.generator(seed), annealed=req.annealed, first_level=first,
                            last_level=last, steps_per_level=req.steps_per_level, step_size=req.step_size,
                            final_denoise=denoise)
    settings = {"annealed": req.annealed, "first_level": first, "last_level": last, "steps_per_level": req.steps_per_level,
                "step_size": req.step_size, "final_denoise": denoise, "every": every, "steps": total}
    return steps, settings, run.price(model, "langevin", req.n, total)


def _events(model: LoadedModel, seed: int, settings: dict, steps) -> Iterator[tuple[str, dict]]:
    """`start` (the settings), a `step` for every every-th step and the last, then `done` with the samples and
    their quality (MMD to the data; for toys with modes, coverage and the modes' weights)."""
    yield "start", {**_describe(model), "seed": seed, **settings}
    last = None
    for item in steps:
        last = item
        if item.step % settings["every"] == 0 or item.step == settings["steps"]:
            yield "step", {"step": item.step, "level": item.level, "sigma": item.sigma, "points": to_list(item.x, 3)}
    final = last.x
    yield "done", {"seed": seed, "points": to_list(final, 3),
                   "quality": sample_quality(final, model.module.config.toy)}


@router.post("/{model_id}/langevin")
async def run_langevin(model_id: str, req: LangevinRequest, run: RunnerDep):
    """Langevin chains on the model's score, every kept step's particles, then the samples and their quality."""
    model = run.store.require(model_id, "langevin_2d")
    seed = resolve_seed(req.seed)
    steps, settings, cost = _chains(model, req, run, seed)

    def work():
        (_, start), *frames, (_, done) = _events(model, seed, settings, steps)
        return {**start, "frames": [frame for _, frame in frames], **done}

    return await run(cost, work)


@router.get("/{model_id}/langevin/stream", response_class=EventStreamResponse, status_code=200,
            responses=event_stream(["start", "step", "done", "error"],
                                   "`start` (the settings), a `step` ({step, level, sigma, points}) for every kept "
                                   "step, then `done` ({seed, points, quality}); `error` ({detail}) at the deadline"))
async def stream_langevin(model_id: str, run: RunnerDep, req: Annotated[LangevinQuery, Query()]):
    """Server-Sent Events: the particles as the chains move; the chains stop when the client leaves."""
    model = run.store.require(model_id, "langevin_2d")
    seed = resolve_seed(req.seed)
    steps, settings, cost = _chains(model, req, run, seed)
    return await run.stream(cost, _events(model, seed, settings, steps))
