"""How probable the model finds an image."""

from fastapi import APIRouter

from models.metrics import bits_per_dim
from models.registry import FAMILIES
from server.openapi import MODEL_WORK
from server.params import RunnerDep, label_tensor, resolve_seed
from server.schemas import ImageRequest

router = APIRouter(prefix="/api/models", tags=["likelihood"], responses=MODEL_WORK)


@router.post("/{model_id}/log-prob")
async def log_prob_image(model_id: str, req: ImageRequest, run: RunnerDep):
    """-log p(x) in nats and bits/dim; `exact` says whether it is the likelihood itself or a bound, and
    `data` which data model the figure is in ("8-bit": a distribution over the 256 levels of each pixel;
    "bernoulli": intensities read as coin flips), since only figures in the same one compare. A conditional
    model with the `marginal_log_prob` capability scores an image without a label too: `label` null in the
    answer says which was computed."""
    model = run.store.require(model_id, "log_prob")
    labels = label_tensor(model, req.label, 1, run.store.device, required="marginal_log_prob" not in model.capabilities)
    x = await run.image(req.image)
    seed = resolve_seed(req.seed)

    def work():
        nats = -float(model.module.log_prob(x, labels, run.store.generator(seed))[0])
        return {"model": model.id, "seed": seed, "nats": nats, "bits_per_dim": bits_per_dim(nats),
                "exact": FAMILIES[model.family].likelihood == "exact", "method": model.module.log_prob_method,
                "data": model.module.log_prob_data, "label": req.label}

    return await run(run.price(model, "log_prob", 1), work)
