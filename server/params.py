"""Request plumbing shared by routes: the store and execution-path dependencies, seeds, labels,
uploads and the png/json choice."""

import secrets
from typing import Annotated

import torch
from fastapi import Depends, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from models.registry import LoadedModel
from server.execution import Cost, Executor
from server.images import decode_upload, image_urls, make_grid, to_data_url, to_png
from server.schemas import Format, Pixels
from server.store import ModelStore


def get_store(request: Request) -> ModelStore:
    return request.app.state.store


def _query_format(format: Annotated[Format | None, Query(description="png: answer the grid as image/png")] = None) -> bool:
    return format == "png"


StoreDep = Annotated[ModelStore, Depends(get_store)]
QueryPng = Annotated[bool, Depends(_query_format)]


def resolve_seed(seed: int | None) -> int:
    """The request's seed, or a fresh one that the response echoes so the picture can be reproduced."""
    return secrets.randbelow(2**32) if seed is None else seed


def label_tensor(model: LoadedModel, label: int | None, n: int, device: str, required: bool = True) -> torch.Tensor | None:
    """Labels for n items: refused for unconditional models, demanded by conditional ones when `required`."""
    if label is not None and "conditional" not in model.capabilities:
        raise HTTPException(409, f"model {model.id!r} is not class-conditional; drop 'label' "
                                 f"(capabilities: {sorted(model.capabilities)})")
    if label is None:
        if required and "conditional" in model.capabilities:
            raise HTTPException(422, f"model {model.id!r} is class-conditional: give a label 0..9")
        return None
    return torch.full((n,), label, dtype=torch.long, device=device)


def check_latents(model: LoadedModel, latents: list[list[float]]) -> None:
    wrong = [len(z) for z in latents if len(z) != model.latent_dim]
    if wrong:
        raise HTTPException(422, f"model {model.id!r} has latent length {model.latent_dim}, got {wrong[0]}")


def check_batch(store: ModelStore, n: int) -> None:
    if n > store.settings.max_batch:
        raise HTTPException(422, f"n = {n} exceeds this server's limit of {store.settings.max_batch}")


def check_steps(model: LoadedModel, steps: int) -> None:
    """More sampling steps than training steps would silently repeat timesteps: refuse instead."""
    if steps > model.module.config.timesteps:
        raise HTTPException(422, f"steps = {steps} exceeds this model's T = {model.module.config.timesteps}")


def images_response(images: torch.Tensor, png: bool, key: str = "images", **fields) -> dict | Response:
    """JSON with one data URL per image plus the grid, or (png) the grid alone as image/png."""
    grid_png = to_png(make_grid(images))
    if png:
        return Response(grid_png, media_type="image/png")
    return {**fields, key: image_urls(images), "grid": to_data_url(grid_png)}


def to_list(t: torch.Tensor, digits: int = 4) -> list:
    """Tensor -> nested lists of rounded floats, for the raw numbers a client plots."""
    return t.detach().cpu().double().round(decimals=digits).tolist()


class Runner:
    """The execution path bound to one request: price the work, decode its uploads, run or stream it."""

    def __init__(self, request: Request):
        self.request = request
        self.store: ModelStore = request.app.state.store
        self.executor: Executor = request.app.state.executor

    def price(self, model: LoadedModel, operation: str, batch: int, evaluations: int | None = None) -> Cost:
        return self.executor.price(model, operation, batch, evaluations)

    async def __call__(self, cost: Cost, work, same_for: BaseModel | None = None) -> Response:
        """Run `work` priced at `cost`; `same_for`: the parsed request when it alone fixes the answer (its seed
        given, or nothing random), so identical requests are computed once (server.results)."""
        fixed = None if same_for is None else same_for.model_dump_json()
        return await self.executor.run(self.request, cost, work, fixed)

    async def stream(self, cost: Cost, events) -> Response:
        return await self.executor.stream(self.request, cost, events)

    async def image(self, image: str | Pixels) -> torch.Tensor:
        """An API image (data URL or pixels) -> (1, 1, 28, 28) on the model's device, decoded in the
        bounded upload pool before any slot is taken."""
        raw = image if isinstance(image, str) else image.pixels
        return (await self.executor.decode(lambda: decode_upload(raw))).to(self.store.device)

    async def image_inputs(self, model_id: str, req, *capabilities: str) -> tuple[LoadedModel, torch.Tensor | None, torch.Tensor]:
        """For one-image routes: the model (404/409), its label (required by conditional models), the image."""
        model = self.store.require(model_id, *capabilities)
        return model, label_tensor(model, req.label, 1, self.store.device), await self.image(req.image)


RunnerDep = Annotated[Runner, Depends(Runner)]


def draw_label(run: Runner, model: LoadedModel, label: int | None, generator: torch.Generator) -> int | None:
    """The request's label (409 for a model that is not conditional), else for a conditional model one
    drawn uniformly from the seed's generator, as /sample draws it: the same seed, the same digit."""
    label_tensor(model, label, 1, run.store.device, required=False)
    if label is not None or "conditional" not in model.capabilities:
        return label
    return int(torch.randint(0, model.num_classes, (1,), generator=generator, device=run.store.device))
