"""Latent-space views: encode/decode, reconstruct with the ELBO split, interpolate, traverse, latent map."""

import torch
from fastapi import APIRouter, HTTPException

from models.data import load_digits
from models.latent import INTERPOLATIONS, plane_grid, traverse
from models.registry import LoadedModel
from server.images import image_urls, make_grid, to_data_url, to_png
from server.openapi import MODEL_WORK, PNG_OR_JSON, STORED_ANSWER
from server.params import (
    QueryPng,
    Runner,
    RunnerDep,
    check_latents,
    images_response,
    label_tensor,
    resolve_seed,
    to_list,
)
from server.schemas import (
    PROJECTION_SEED,
    DecodeRequest,
    Endpoint,
    ImageRequest,
    InterpolateRequest,
    LatentMapRequest,
    TraverseRequest,
)

router = APIRouter(prefix="/api/models", tags=["latent"], responses=MODEL_WORK)


async def _endpoint_input(run: Runner, model: LoadedModel, end: Endpoint) -> torch.Tensor | None:
    """An image end, decoded (it needs an encoder, or for a GAN, which has none, a projection: else 409); seed
    and latent ends need nothing."""
    if end.image is None:
        if end.latent is not None:
            check_latents(model, [end.latent])
        return None
    if "project" not in model.capabilities:
        run.store.require(model.id, "encode")
    return await run.image(end.image)


def _endpoint_latent(run: Runner, model: LoadedModel, end: Endpoint, image: torch.Tensor | None, labels) -> torch.Tensor:
    """A prior draw (seed), a given latent, or an image's: its posterior mean, or without an encoder its projection
    (seeded as /project's default, so both routes place an image at the same z), as (D,)."""
    if end.seed is not None:
        return model.module.sample_latents(1, run.store.generator(end.seed))[0]
    if end.latent is not None:
        return torch.tensor(end.latent, device=run.store.device)
    if "encode" in model.capabilities:
        return model.module.encode(image, labels)[0][0]
    return model.module.project(image, labels, run.store.generator(PROJECTION_SEED)).latents[0]


@router.post("/{model_id}/encode")
async def encode_image(model_id: str, req: ImageRequest, run: RunnerDep):
    """Image -> posterior q(z|x): mean and log-variance per latent dimension."""
    model, labels, x = await run.image_inputs(model_id, req, "encode")

    def work():
        mean, logvar = model.module.encode(x, labels)
        return {"model": model.id, "latent_mean": to_list(mean[0]), "latent_logvar": to_list(logvar[0]),
                "input": to_data_url(to_png(x[0]))}

    return await run(run.price(model, "encode", 1), work)


@router.post("/{model_id}/decode", responses=STORED_ANSWER)
async def decode_latents(model_id: str, req: DecodeRequest, run: RunnerDep, png: QueryPng):
    """Latents -> images (the decoder's Bernoulli means)."""
    store = run.store
    model = store.require(model_id, "decode")
    check_latents(model, req.latents)
    labels = label_tensor(model, req.labels[0] if req.labels else None, 1, store.device)  # conditional or not
    if labels is not None:
        if len(req.labels) != len(req.latents):
            raise HTTPException(422, f"{len(req.labels)} labels for {len(req.latents)} latents")
        labels = torch.tensor(req.labels, device=store.device)

    def work():
        images = model.module.decode(torch.tensor(req.latents, device=store.device), labels)
        return images_response(images, png or req.format == "png", model=model.id)

    return await run(run.price(model, "decode", len(req.latents)), work, same_for=req)


@router.post("/{model_id}/reconstruct", responses=STORED_ANSWER)
async def reconstruct_image(model_id: str, req: ImageRequest, run: RunnerDep, png: QueryPng):
    """Image -> reconstruction, posterior and the ELBO split (recon and KL nats) it scores."""
    model, labels, x = await run.image_inputs(model_id, req, "encode", "decode")
    seed = resolve_seed(req.seed)

    def work():
        out = model.module.reconstruct(x, labels, run.store.generator(seed))
        if png or req.format == "png":
            return images_response(out["reconstruction"], True)
        beta = model.card["config"].get("beta", 1.0)
        return {
            "model": model.id, "seed": seed, "input": to_data_url(to_png(x[0])),
            "reconstruction": image_urls(out["reconstruction"])[0],
            "latent_mean": to_list(out["mean"][0]), "latent_logvar": to_list(out["logvar"][0]),
            "elbo": {"recon_nats": float(out["recon"][0]), "kl_nats": float(out["kl"][0]),
                     "elbo_nats": float(out["elbo"][0]), "beta": beta, "objective_nats": float(out["objective"][0])},
        }

    return await run(run.price(model, "reconstruct", 1), work, same_for=req if req.seed is not None else None)


@router.post("/{model_id}/interpolate", responses=STORED_ANSWER)
async def interpolate_latents(model_id: str, req: InterpolateRequest, run: RunnerDep, png: QueryPng):
    """Decode a straight (lerp) or great-circle (slerp) path between two seeds, latents or images."""
    model = run.store.require(model_id, "decode")
    labels = label_tensor(model, req.label, req.steps, run.store.device)
    one = labels[:1] if labels is not None else None
    images = [await _endpoint_input(run, model, end) for end in (req.start, req.end)]

    def work():
        a, b = (_endpoint_latent(run, model, end, image, one) for end, image in zip((req.start, req.end), images))
        path = INTERPOLATIONS[req.method](a, b, req.steps)
        frames = model.module.decode(path, labels)
        return images_response(frames, png or req.format == "png", key="frames", model=model.id,
                               method=req.method, latents=to_list(path))

    projections = 0 if "encode" in model.capabilities else sum(image is not None for image in images)
    if projections:  # thousands of G passes on one image each, beside which the path's decodes are a few more
        return await run(run.price(model, "project", 1, projections * model.network_evaluations("project") + req.steps),
                         work, same_for=req)
    return await run(run.price(model, "decode", req.steps + 2), work, same_for=req)


@router.post("/{model_id}/traverse", responses=STORED_ANSWER)
async def traverse_latent(model_id: str, req: TraverseRequest, run: RunnerDep, png: QueryPng):
    """Sweep one latent coordinate over [-span, span], the others held at a seed's draw or a given latent."""
    model = run.store.require(model_id, "decode")
    if req.dim >= model.latent_dim:
        raise HTTPException(422, f"dim {req.dim} out of range: model {model.id!r} has {model.latent_dim} dims")
    labels = label_tensor(model, req.label, req.steps, run.store.device)
    seed = resolve_seed(req.seed)
    start = Endpoint(latent=req.latent) if req.latent else Endpoint(seed=seed)
    await _endpoint_input(run, model, start)

    def work():
        path = traverse(_endpoint_latent(run, model, start, None, None), req.dim, req.span, req.steps)
        frames = model.module.decode(path, labels)
        return images_response(frames, png or req.format == "png", key="frames", model=model.id, seed=seed,
                               dim=req.dim, latents=to_list(path))

    return await run(run.price(model, "decode", req.steps), work, same_for=req if req.seed is not None else None)


@router.post("/{model_id}/latent-map", responses=PNG_OR_JSON)
async def map_latent_plane(model_id: str, req: LatentMapRequest, run: RunnerDep, png: QueryPng):
    """Decode a grid over the 2-D latent plane and place the held-out digits at their posterior means."""
    store = run.store
    model = store.require(model_id, "latent_map")
    labels = label_tensor(model, req.label, req.grid * req.grid, store.device)
    heldout = load_digits("heldout")

    def work():
        tiles = model.module.decode(plane_grid(req.grid, req.extent, model.latent_dim).to(store.device), labels)
        held_labels = heldout.labels.to(store.device) if labels is not None else None
        means = model.module.encode(heldout.images.to(store.device), held_labels)[0]
        image = make_grid(tiles, per_row=req.grid, gap=0)  # (1, grid*28, grid*28), row 0 = top of the plane
        if png or req.format == "png":
            return images_response(image[None], True)
        points = [{"x": x, "y": y, "label": int(lab)} for (x, y), lab in zip(to_list(means[:, :2], 3), heldout.labels)]
        return {"model": model.id, "grid": req.grid, "extent": req.extent, "image": to_data_url(to_png(image)),
                "points": points}

    return await run(run.price(model, "decode", req.grid * req.grid + len(heldout.labels)), work)
