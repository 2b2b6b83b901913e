"""Drawing new digits from a model."""

from fastapi import APIRouter

from server.openapi import MODEL_WORK, STORED_ANSWER
from server.params import (
    QueryPng,
    RunnerDep,
    check_batch,
    check_steps,
    images_response,
    label_tensor,
    resolve_seed,
    to_list,
)
from server.schemas import SampleRequest

router = APIRouter(prefix="/api/models", tags=["sample"])


@router.post("/{model_id}/sample", responses={**MODEL_WORK, **STORED_ANSWER})
async def sample_images(model_id: str, req: SampleRequest, run: RunnerDep, png: QueryPng):
    """Draw n digits (optionally of one class, at a temperature); the seed fixes the pixels."""
    store = run.store
    model = store.require(model_id, "sample")
    check_batch(store, req.n)
    labels = label_tensor(model, req.label, req.n, store.device, required=False)
    seed = resolve_seed(req.seed)
    if req.prior is not None:
        store.require(model_id, "fitted_prior")  # 409 for a model with no fitted prior to choose against
    prior = {} if req.prior is None else {"prior": req.prior}
    echoed = {"prior": req.prior or model.module.sampling_prior} if "fitted_prior" in model.capabilities else {}
    reverse, evaluations = {}, None
    if req.sampler is not None or req.steps is not None:
        store.require(model_id, "samplers")  # 409 for a model with no reverse process to choose
        reverse = {"sampler": req.sampler or "ddim", "steps": req.steps or model.module.sample_steps}
        check_steps(model, reverse["steps"])
        evaluations = model.module.sample_evaluations(**reverse)
        echoed |= reverse

    def work():
        out = model.module.sample(req.n, store.generator(seed), labels=labels, temperature=req.temperature,
                                  **prior, **reverse)
        drawn = out.get("labels")
        return images_response(
            out["images"], png or req.format == "png", model=model.id, seed=seed, temperature=req.temperature, **echoed,
            latents=to_list(out["latents"]) if out.get("latents") is not None else None,
            labels=drawn.tolist() if drawn is not None else None,
        )

    return await run(run.price(model, "sample", req.n, evaluations), work, same_for=req if req.seed is not None else None)
