"""How probable the model finds an image."""

from fastapi import APIRouter

from models.metrics import bits_per_dim
from models.registry import FAMILIES
from server.params import StoreDep, image_inputs, resolve_seed
from server.schemas import ImageRequest

router = APIRouter(prefix="/api/models", tags=["likelihood"])


@router.post("/{model_id}/log-prob")
def log_prob_image(model_id: str, req: ImageRequest, store: StoreDep) -> dict:
    """-log p(x) in nats and bits/dim; `exact` says whether it is the likelihood itself or a bound."""
    model, labels, x = image_inputs(store, model_id, req, "log_prob")
    seed = resolve_seed(req.seed)
    with store.inference():
        log_p = model.module.log_prob(x, labels, store.generator(seed))
    nats = -float(log_p[0])
    return {"model": model.id, "seed": seed, "nats": nats, "bits_per_dim": bits_per_dim(nats),
            "exact": FAMILIES[model.family].likelihood == "exact", "method": model.module.log_prob_method}
