"""How probable the model finds an image."""

from fastapi import APIRouter

from models.metrics import bits_per_dim
from models.registry import FAMILIES
from server.openapi import MODEL_WORK
from server.params import RunnerDep, label_tensor, resolve_seed
from server.schemas import LogProbRequest

router = APIRouter(prefix="/api/models", tags=["likelihood"], responses=MODEL_WORK)


@router.post("/{model_id}/log-prob")
async def log_prob_image(model_id: str, req: LogProbRequest, run: RunnerDep):
    """-log p(x) in nats and bits/dim; `exact` says whether it is the likelihood itself or a bound, and
    `data` which data model the figure is in ("8-bit": a distribution over the 256 levels of each pixel;
    "bernoulli": intensities read as coin flips), since only figures in the same one compare. A conditional
    model with the `marginal_log_prob` capability scores an image without a label too: `label` null in the
    answer says which was computed. `exact: true` asks a model whose own figure is a bound for its exact
    likelihood where it has one (a diffusion model's probability-flow ODE: `stderr_nats` is the spread of
    its trace estimate); a model with neither is a 409."""
    model = run.store.require(model_id, "log_prob")
    by_ode = req.exact and FAMILIES[model.family].likelihood != "exact"
    if by_ode:
        run.store.require(model_id, "exact_log_prob")
    labels = label_tensor(model, req.label, 1, run.store.device, required="marginal_log_prob" not in model.capabilities)
    x = await run.image(req.image)
    seed = resolve_seed(req.seed)

    def work():
        generator = run.store.generator(seed)
        answer = {"model": model.id, "seed": seed, "data": model.module.log_prob_data, "label": req.label}
        if by_ode:
            log_p, stderr = model.module.exact_log_prob(x, labels, generator)
            nats = -float(log_p[0])
            return {**answer, "nats": nats, "bits_per_dim": bits_per_dim(nats), "exact": True,
                    "method": model.module.exact_log_prob_method, "stderr_nats": float(stderr[0])}
        nats = -float(model.module.log_prob(x, labels, generator)[0])
        return {**answer, "nats": nats, "bits_per_dim": bits_per_dim(nats),
                "exact": FAMILIES[model.family].likelihood == "exact", "method": model.module.log_prob_method}

    return await run(run.price(model, "exact_log_prob" if by_ode else "log_prob", 1), work)
