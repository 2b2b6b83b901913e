"""Liveness and readiness probes: async, so they never wait behind model work for a thread."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def get_health() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "still loading models"}})
async def get_ready(request: Request) -> JSONResponse:
    """Models are loaded (503 until then); lists checkpoints that failed to load, and slot use."""
    store, executor = request.app.state.store, request.app.state.executor
    body = {"ready": store.ready, "models": len(store.models), "failed": store.failed, "device": store.device,
            "slots": executor.slots(), "results": executor.results.stats(),
            "precision": executor.precisions()}
    return JSONResponse(body, status_code=200 if store.ready else 503)
