"""The live lab over HTTP: create a session, watch its frames (SSE), steer it (POST), end it, take its log.

Handlers only validate and pass messages: the training runs in the session's worker (server/lab/)."""

import asyncio
import secrets
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, StreamingResponse

from models.checkpoint import atomic_write, card_path, read_card, weights_path, write_card
from models.lab import DRAWN, FAMILIES, MNIST, PRESETS, initial_hp, preset_fits, session_specs
from models.lab.export import LAB_ONLY, reopen_spec
from models.lab.runlog import run_log_csv
from server.execution import client_address
from server.lab import ControlRefused, LabManager, LabSession
from server.lab.schemas import LabControl, LabCreate, LabExport, LabReopen
from server.lab.worker import describe_params
from server.openapi import INVALID, error_response, event_stream
from server.streams import KEEPALIVE, sse

router = APIRouter(prefix="/api/lab", tags=["lab"])

NO_SESSION = {404: error_response("no lab session has this id (it may have ended and been cleared)")}
BODY = {413: error_response("the body is too large"), **INVALID}
CREATE = {**BODY, 429: error_response("this client already runs its share of lab sessions", retry=True),
          503: error_response("the lab is full (or off): try again later", retry=True)}
# a control and an export are both messages to the session's worker
TO_WORKER = {**NO_SESSION, **BODY, 409: error_response("the session has ended"),
             503: error_response("the session's worker did not answer in time", retry=True)}
EXPORT_ID = r"^lab-[a-z0-9-]{1,48}$"
EXPORT_FILE = r"^lab-[a-z0-9-]{1,48}\.(json|safetensors)$"
NO_EXPORT = {404: error_response("no lab-only export has this id on this server")}
CSV = {200: {"description": "one row per frame: step, each loss, each figure", "content": {"text/csv": {}}}}


def _lab(request: Request) -> LabManager:
    return request.app.state.lab


def _precheck(req: LabCreate) -> None:
    """Refuse a bad preset or hyper-parameter here, before a worker is spent on it (422)."""
    try:
        initial_hp(req.family, req.data, req.preset, req.hp)
    except ValueError as exc:
        raise ControlRefused(str(exc)) from None
    if (req.points is None) == (req.data == DRAWN):
        raise ControlRefused("points: give them exactly when data is 'drawn'")


def _state(session: LabSession) -> dict:
    return {"id": session.id, "family": session.spec["family"], "data": session.spec["data"],
            "seed": session.spec["seed"], "ended": session.ended, **session.info,
            "budget": (session.frame or {}).get("budget")}


@router.get("/options")
async def get_options(request: Request):
    """What a session can be: the families with their hyper-parameters (default and bounds or choices),
    the data sets, the presets (what each breaks or fixes, for which families, in how many steps), and
    this server's limits."""
    s = _lab(request).settings
    limits = {"max_steps": s.lab_max_steps, "max_seconds": s.lab_max_seconds, "idle_seconds": s.lab_idle_seconds,
              "max_fps": s.lab_max_fps, "sessions": s.lab_sessions, "client_sessions": s.lab_client_sessions}
    return {"families": {name: _family_options(name) for name in FAMILIES},
            "data": list(LabCreate.model_fields["data"].annotation.__args__),
            "presets": {name: {"about": p.about, "steps": p.steps, "families": list(p.families), "hp": p.hp,
                               "mnist_families": [f for f in p.families if preset_fits(name, f, MNIST)]}
                        for name, p in PRESETS.items()},
            "limits": limits}


def _family_options(family: str) -> dict:
    """Its hyper-parameters on the 2-D data and on MNIST (each world has its own networks)."""
    return {"params": describe_params(session_specs(family, "8gaussians")),
            "mnist_params": describe_params(session_specs(family, MNIST))}


@router.post("/sessions", status_code=201, responses=CREATE)
async def create_session(req: LabCreate, request: Request):
    """Start a session, paused at step 0; the answer holds its id, hyper-parameters and step-0 frame."""
    _precheck(req)
    session = await _lab(request).create(req.model_dump(), client_address(request))
    return {**_state(session), "preset": req.preset, "frame": session.frame}


@router.post("/exports/{model_id}/session", status_code=201, responses={**CREATE, **NO_EXPORT})
async def reopen_export(model_id: Annotated[str, PathParam(pattern=EXPORT_ID)], req: LabReopen, request: Request):
    """Open a new session on a lab-only export (a 2-D run or an MNIST flow, which no other page shows): its
    family, data, seed and hyper-parameters, its weights at its step, paused. The optimizers start afresh, and
    the step budget counts from the export's step. An export served as a model (an MNIST GAN, VAE or diffusion
    model) opens in its own page instead (422 says which)."""
    directory = _lab(request).settings.lab_exports
    if not card_path(directory / "downloads", model_id).is_file():
        served = card_path(directory / "models", model_id).is_file()
        raise HTTPException(422 if served else 404, f"{model_id!r} is served as a model: open it in its page" if served
                            else f"no lab-only export {model_id!r} on this server")
    try:
        card = await asyncio.to_thread(read_card, card_path(directory / "downloads", model_id))
        spec = reopen_spec(card)
        weights = await asyncio.to_thread(weights_path(directory / "downloads", model_id).read_bytes)
    except (ValueError, OSError) as exc:  # json's errors are ValueErrors
        raise ControlRefused(f"export {model_id!r} cannot be reopened: {exc}") from None
    step = spec.pop("step")
    spec.update(steps_per_frame=req.steps_per_frame, restore={"weights": weights, "step": step})
    session = await _lab(request).create(spec, client_address(request))
    return {**_state(session), "preset": spec["preset"], "frame": session.frame, "export": model_id}


@router.get("/sessions/{session_id}", responses=NO_SESSION)
async def get_session(session_id: str, request: Request):
    """Where the session is: state, step, hyper-parameters, budget left (or why it ended)."""
    return _state(_lab(request).get(session_id))


@router.get("/sessions/{session_id}/events", response_class=StreamingResponse,
            responses=event_stream(["frame", "end"], "a `frame` after every steps_per_frame steps while playing "
                                   "(and after each step or reset), then one `end`"))
async def stream_frames(session_id: str, request: Request):
    """The session's frames as Server-Sent Events (several readers may watch one session)."""
    lab = _lab(request)
    session = lab.get(session_id)
    queue = lab.subscribe(session)
    keepalive = lab.settings.stream_keepalive_seconds

    async def events():
        try:
            while True:
                try:
                    kind, data = await asyncio.wait_for(queue.get(), keepalive)
                except TimeoutError:
                    yield KEEPALIVE
                    continue
                yield sse(kind, data)
                if kind == "end":
                    return
        finally:
            lab.unsubscribe(session, queue)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


@router.post("/sessions/{session_id}/control", responses=TO_WORKER)
async def control_session(session_id: str, req: LabControl, request: Request):
    """Play, pause, step n, reset, change hyper-parameters, apply a preset, or set the frame spacing; answers
    the state once the worker has applied it. A refused control changes nothing."""
    lab = _lab(request)
    return await lab.control(lab.get(session_id), req.model_dump(exclude_none=True))


@router.delete("/sessions/{session_id}", status_code=204, responses=NO_SESSION)
async def delete_session(session_id: str, request: Request):
    """End the session now; its worker stops and its memory is returned."""
    lab = _lab(request)
    await lab.end(lab.get(session_id), "closed", "the session was closed")
    return Response(status_code=204)


@router.get("/sessions/{session_id}/log.csv", response_class=Response, responses={**NO_SESSION, **CSV})
async def download_log(session_id: str, request: Request):
    """The run log: one row per frame so far."""
    session = _lab(request).get(session_id)
    return Response(run_log_csv(session.log), media_type="text/csv",
                    headers={"content-disposition": f'attachment; filename="lab-{session.id}.csv"'})


@router.post("/sessions/{session_id}/export", status_code=201, responses=TO_WORKER)
async def export_model(session_id: str, req: LabExport, request: Request):
    """Save the session's model as a checkpoint: a model card and safetensors weights. An MNIST GAN, VAE or
    diffusion model is served at once like a shipped model (`page` opens it); a 2-D run or an MNIST flow is a
    download (`files`)."""
    lab = _lab(request)
    session = lab.get(session_id)
    model_id = f"lab-{session.spec['family']}-{session.spec['data']}-{secrets.token_hex(3)}"
    exported = (await lab.control(session, {"action": "export", "model_id": model_id, "title": req.title}))["export"]
    card = exported["card"]
    served = card["family"] != LAB_ONLY
    directory = request.app.state.store.exported_models if served else lab.settings.lab_exports / "downloads"
    await asyncio.to_thread(_write_checkpoint, directory, card, exported["weights"])
    page = None
    if served:
        await asyncio.to_thread(request.app.state.store.add, card_path(directory, model_id))
        page = f"/{card['family']}?model={model_id}"
    return {"model_id": model_id, "family": card["family"], "title": card["title"], "page": page,
            "files": {kind: f"/api/lab/exports/{model_id}.{kind}" for kind in ("json", "safetensors")}}


def _write_checkpoint(directory: Path, card: dict, weights: bytes) -> None:
    """Weights first, then the card (both atomic): a card on disk always has its weights."""
    directory.mkdir(parents=True, exist_ok=True)
    atomic_write(weights_path(directory, card["id"]), lambda f: f.write(weights))
    write_card(directory, card)


@router.get("/exports/{name}", response_class=FileResponse, responses={
    **NO_SESSION, 200: {"description": "the card (JSON) or the weights (safetensors)",
                        "content": {"application/json": {}, "application/octet-stream": {}}}})
async def download_export(name: Annotated[str, PathParam(pattern=EXPORT_FILE)], request: Request):
    """A file of an exported lab model: `<model_id>.json` (its card) or `<model_id>.safetensors`."""
    exports = _lab(request).settings.lab_exports
    for folder in ("models", "downloads"):
        path = exports / folder / name
        if path.is_file():
            media = "application/json" if name.endswith(".json") else "application/octet-stream"
            return FileResponse(path, media_type=media, filename=name)
    raise HTTPException(404, f"no exported lab model file {name!r}")
