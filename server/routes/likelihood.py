"""How probable the model finds an image."""

from fastapi import APIRouter

from models.metrics import bits_per_dim
from models.registry import FAMILIES
from server.openapi import MODEL_WORK
from server.params import RunnerDep, resolve_seed
from server.schemas import ImageRequest

router = APIRouter(prefix="/api/models", tags=["likelihood"], responses=MODEL_WORK)


@router.post("/{model_id}/log-prob")
async def log_prob_image(model_id: str, req: ImageRequest, run: RunnerDep):
    """-log p(x) in nats and bits/dim; `exact` says whether it is the likelihood itself or a bound, and
    `data` which data model the figure is in ("8-bit": a distribution over the 256 levels of each pixel;
    "bernoulli": intensities read as coin flips), since only figures in the same one compare."""
    model, labels, x = await run.image_inputs(model_id, req, "log_prob")
    seed = resolve_seed(req.seed)

    def work():
        nats = -float(model.module.log_prob(x, labels, run.store.generator(seed))[0])
        return {"model": model.id, "seed": seed, "nats": nats, "bits_per_dim": bits_per_dim(nats),
                "exact": FAMILIES[model.family].likelihood == "exact", "method": model.module.log_prob_method,
                "data": model.module.log_prob_data}

    return await run(run.price(model, "log_prob", 1), work)
