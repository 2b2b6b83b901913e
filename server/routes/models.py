"""What is loaded: model list and model cards."""

from fastapi import APIRouter, Request

from models.data import IMAGE_SHAPE
from models.registry import FAMILIES, LoadedModel
from server.execution import Executor
from server.openapi import UNKNOWN_MODEL
from server.params import StoreDep

router = APIRouter(prefix="/api/models", tags=["models"])


def describe(model: LoadedModel, full_card: bool, executor: Executor) -> dict:
    """The model as listed, with how this server draws its pictures: `precision` (bf16 where checked and faster)
    and `compiled` (GENLAB_COMPILE=checked and a passed check): docs/execution.md."""
    card = model.card
    if not full_card:
        card = {**card, "training": {k: v for k, v in card["training"].items() if k != "history"}}
    return {
        "id": model.id, "family": model.family, "title": card["title"], "description": card.get("description", ""),
        "capabilities": sorted(model.capabilities), "latent_dim": model.latent_dim,
        "num_classes": model.num_classes, "image_shape": list(IMAGE_SHAPE),
        "likelihood": FAMILIES[model.family].likelihood, "precision": executor.precision(model.id, "sample"),
        "compiled": executor.compiled(model.id, "sample"), "card": card,
    }


@router.get("")
def list_models(store: StoreDep, request: Request) -> dict:
    """Every loaded model with its capabilities and the precision it draws in (bf16 where checked and faster:
    docs/execution.md); checkpoints that failed to load are listed apart."""
    store.pick_up_exports()
    executor = request.app.state.executor
    return {"models": [describe(m, False, executor) for m in store.models.values()],
            "failed": store.failed}


@router.get("/{model_id}", responses=UNKNOWN_MODEL)
def get_model(model_id: str, store: StoreDep, request: Request) -> dict:
    """One model with its full card: config, data, training history, metrics."""
    store.pick_up_exports()
    return describe(store.get(model_id), True, request.app.state.executor)
