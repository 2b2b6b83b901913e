"""create_app(): settings, the model store (loaded in the lifespan, never at import), routers, errors."""

import logging
from contextlib import asynccontextmanager

import torch
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from server.config import REPO_ROOT, Settings
from server.execution import Executor, OverBudget
from server.fairness import ServerBusy, TooManyRequests
from server.images import BadImage, ImageTooLarge, configure_pillow
from server.lab import ControlRefused, make_lab
from server.limits import BodySizeLimit
from server.openapi import EVERY_ROUTE
from server.routes import (
    data,
    diffusion,
    docs,
    evaluation,
    flow,
    gan,
    health,
    lab,
    latent,
    likelihood,
    models,
    ncsn,
    nearest,
    pages,
    pixelcnn,
    quiz,
    sample,
    score,
    vqvae,
)
from server.security import add_security
from server.store import ModelStore
from server.tickets import WorkStopped

log = logging.getLogger("genlab")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    configure_pillow()  # Pillow's limits for untrusted uploads; process-wide, so set here and not at import
    executor = Executor(settings)
    store = ModelStore(settings, on_added=executor.measure_one)
    lab_manager = make_lab(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        torch.set_num_threads(settings.torch_threads)
        store.load()
        executor.measure(store.models)
        log.info("loaded %d models on %s; failed: %s", len(store.models), store.device, store.failed)
        await lab_manager.start()
        yield
        executor.shutdown()
        await lab_manager.shutdown()

    app = FastAPI(title="genlab", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None,
                  responses=EVERY_ROUTE,
                  description="See how generative models work: sample, interpolate, reconstruct, score.")
    app.state.store = store
    app.state.executor = executor
    app.state.lab = lab_manager
    app.state.templates = Jinja2Templates(directory=REPO_ROOT / "templates")
    app.mount("/static", StaticFiles(directory=REPO_ROOT / "static"), name="static")
    for module in (health, models, sample, latent, likelihood, diffusion, gan, flow, pixelcnn, score, ncsn, vqvae, lab, data, nearest,
                   quiz, evaluation, pages, docs):
        app.include_router(module.router)
    _add_error_handlers(app, settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    add_security(app, settings)  # last: outermost, so every response gets the headers
    return app


# Refusals of the execution path and of uploads: exception -> (status, whether to say when to retry).
REFUSALS: dict[type[Exception], tuple[int, bool]] = {
    OverBudget: (422, False), TooManyRequests: (429, True), ServerBusy: (503, True), WorkStopped: (503, True),
    ImageTooLarge: (413, False), BadImage: (422, False),  # the subclass first
    ControlRefused: (422, False),  # a lab spec or control that models.lab refused
}


def _add_error_handlers(app: FastAPI, settings: Settings) -> None:
    for exc_type, (status, retry) in REFUSALS.items():
        headers = {"Retry-After": str(settings.retry_after_seconds)} if retry else None

        async def refuse(request: Request, exc: Exception, status=status, headers=headers) -> JSONResponse:
            return JSONResponse({"detail": str(exc)}, status_code=status, headers=headers)

        app.add_exception_handler(exc_type, refuse)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        """Pydantic's errors without the offending input: it may be huge, or NaN that JSON cannot carry."""
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(Exception)
    async def internal(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"detail": "internal error (logged on the server)"}, status_code=500)
