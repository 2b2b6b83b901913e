"""Liveness and readiness probes."""

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from server.params import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def get_health() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
def get_ready(store: StoreDep) -> JSONResponse:
    """Models are loaded (503 until then); lists checkpoints that failed to load."""
    body = {"ready": store.ready, "models": len(store.models), "failed": store.failed, "device": store.device}
    return JSONResponse(body, status_code=200 if store.ready else 503)
