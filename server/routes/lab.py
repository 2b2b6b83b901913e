"""The live lab over HTTP: create a session, watch its frames (SSE), steer it (POST), end it, take its log.

Handlers only validate and pass messages: the training runs in the session's worker (server/lab/)."""

import asyncio
import csv
import io

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from models.lab import COMMON, DRAWN, FAMILIES, PRESETS
from models.lab.params import validate
from server.execution import client_address
from server.lab import ControlRefused, LabManager, LabSession
from server.lab.schemas import LabControl, LabCreate
from server.lab.worker import describe_params, preset_hp
from server.openapi import INVALID, error_response, event_stream
from server.streams import KEEPALIVE, sse

router = APIRouter(prefix="/api/lab", tags=["lab"])

NO_SESSION = {404: error_response("no lab session has this id (it may have ended and been cleared)")}
BODY = {413: error_response("the body is too large"), **INVALID}
CREATE = {**BODY, 429: error_response("this client already runs its share of lab sessions", retry=True),
          503: error_response("the lab is full (or off): try again later", retry=True)}
CONTROL = {**NO_SESSION, **BODY, 409: error_response("the session has ended"),
           503: error_response("the session's worker did not answer in time", retry=True)}
CSV = {200: {"description": "one row per frame: step, each loss, each figure", "content": {"text/csv": {}}}}


def _lab(request: Request) -> LabManager:
    return request.app.state.lab


def _precheck(req: LabCreate) -> None:
    """Refuse a bad preset or hyper-parameter here, before a worker is spent on it (422)."""
    try:
        hp = dict(preset_hp(req.preset, req.family)) if req.preset else {}
        validate({**COMMON, **FAMILIES[req.family].PARAMS}, {**hp, **req.hp})
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
    return {"families": {name: {"params": describe_params({**COMMON, **kind.PARAMS})} for name, kind in FAMILIES.items()},
            "data": list(LabCreate.model_fields["data"].annotation.__args__),
            "presets": {name: {"about": p.about, "steps": p.steps, "families": list(p.families)} for name, p in PRESETS.items()},
            "limits": limits}


@router.post("/sessions", status_code=201, responses=CREATE)
async def create_session(req: LabCreate, request: Request):
    """Start a session, paused at step 0; the answer holds its id, hyper-parameters and step-0 frame."""
    _precheck(req)
    session = await _lab(request).create(req.model_dump(), client_address(request))
    return {**_state(session), "preset": req.preset, "frame": session.frame}


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


@router.post("/sessions/{session_id}/control", responses=CONTROL)
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


def run_log_csv(rows: list[dict]) -> str:
    losses = sorted({k for row in rows for k in row["losses"]})
    figures = sorted({k for row in rows for k, v in row["metrics"].items() if not isinstance(v, (list, dict))})
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["step", *losses, *figures])
    for row in rows:
        writer.writerow([row["step"], *(row["losses"].get(k) for k in losses), *(row["metrics"].get(k) for k in figures)])
    return out.getvalue()
