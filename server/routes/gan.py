"""GAN views: what the discriminator thinks of an image, an image's place in G's latent space, and the
training film strip."""

from fastapi import APIRouter, HTTPException

from models.checkpoint import CheckpointError, film_path, read_film
from models.gan.inversion import projection_evaluations
from server.images import make_grid, to_data_url, to_png
from server.openapi import MODEL_WORK, UNKNOWN_MODEL, error_response
from server.params import RunnerDep, StoreDep, to_list
from server.schemas import ImageRequest, ProjectRequest

router = APIRouter(prefix="/api/models", tags=["gan"])
FILM_UNREADABLE = error_response("the film file is corrupt or truncated (the message says why)")


@router.post("/{model_id}/discriminate", responses=MODEL_WORK)
async def discriminate_image(model_id: str, req: ImageRequest, run: RunnerDep):
    """D's score of any image: its logit and p(real), or for WGAN-GP the critic's value (no probability)."""
    model, labels, x = await run.image_inputs(model_id, req, "discriminate")

    def work():
        verdict = model.module.discriminate(x, labels)
        p_real = verdict["p_real"]
        return {"model": model.id, "score": float(verdict["score"][0]),
                "p_real": None if p_real is None else float(p_real[0]), "kind": verdict["kind"],
                "input": to_data_url(to_png(x[0]))}

    return await run(run.price(model, "discriminate", 1), work)


@router.post("/{model_id}/project", responses=MODEL_WORK)
async def project_image(model_id: str, req: ProjectRequest, run: RunnerDep):
    """Image -> the z whose G(z) is nearest it, by Adam on z from several seeded starts (a GAN has no encoder),
    with G(z), its per-pixel squared distance to the image and that distance along the way."""
    model, labels, x = await run.image_inputs(model_id, req, "project")

    def work():
        out = model.module.project(x, labels, run.store.generator(req.seed), req.steps, req.restarts)
        curve = [{"step": step, "distance": d} for step, d in zip(out.curve_steps, to_list(out.loss_curve[0], 5))]
        return {"model": model.id, "seed": req.seed, "latent": to_list(out.latents[0]),
                "image": to_data_url(to_png(out.images[0])), "input": to_data_url(to_png(x[0])),
                "distance": float(out.distance[0]), "loss_curve": curve, "steps": req.steps, "restarts": req.restarts}

    return await run(run.price(model, "project", 1, projection_evaluations(req.steps, req.restarts)), work)


@router.get("/{model_id}/film", responses={**UNKNOWN_MODEL, 409: MODEL_WORK[409], 503: FILM_UNREADABLE})
def get_film(model_id: str, store: StoreDep) -> dict:
    """The training film strip: the same 64 latents decoded at points through training, with the per-step
    losses, so a page can scrub the loss chart and show the samples of that moment. A corrupt film file
    answers 503 for the film alone; the model's other routes keep working."""
    model = store.require(model_id, "film")
    try:
        frames, epochs = read_film(film_path(store.settings.checkpoint_dir, model.id))
    except FileNotFoundError:
        raise HTTPException(404, f"model {model.id!r} was trained without a film strip") from None
    except CheckpointError as exc:
        raise HTTPException(503, f"film of {model.id!r} is unreadable: {exc}") from None
    training = model.card["training"]
    steps, epochs_run = training.get("steps"), training.get("epochs")  # both optional in a card
    per_epoch = steps / max(1, epochs_run) if steps is not None and epochs_run is not None else None
    return {"model": model.id, "frames": [
        {"epoch": e, "step": None if per_epoch is None else round(e * per_epoch),
         "grid": to_data_url(to_png(make_grid(frame[:, None].float() / 255)))}
        for e, frame in zip(epochs, frames)
    ], "steps_log": training.get("steps_log") or [], "history": training["history"]}
