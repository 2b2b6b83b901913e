"""The lab's sessions as the web server sees them: who holds which, their readers, their log, their end.

The server never trains: each session is a channel to a worker (a local process or a Ray actor). A
reader thread per session turns the worker's messages into events on the event loop; readers of the
frame stream each get a small queue, and a reader too slow for the frame rate skips frames rather
than holding anything up. Sessions end on their budget, when nobody has watched them for
`lab_idle_seconds`, on DELETE, and on server shutdown; ending one ends its worker.
"""

import asyncio
import itertools
import logging
import secrets
import threading
import time
from dataclasses import dataclass, field

from fastapi import HTTPException

from server.config import Settings
from server.fairness import ServerBusy, TooManyRequests

log = logging.getLogger("genlab.lab")
READER_QUEUE = 4  # frames a reader may fall behind before it skips the oldest
STATE_KEYS = ("state", "step", "hp", "steps_per_frame", "preset", "controls_applied")  # what a control's reply updates
CONTROL_SECONDS = 30.0  # a worker busy longer than this with one chunk of steps answers 503


class ControlRefused(Exception):
    """The worker refused a control (a value out of range...); answered 422, the session goes on."""


@dataclass
class LabSession:
    id: str
    client: str
    spec: dict
    channel: object
    info: dict = field(default_factory=dict)  # the worker's last reply: state, step, hp, params
    frame: dict | None = None  # the latest frame, given at once to a new reader
    log: list[dict] = field(default_factory=list)  # per frame: step, diverged, losses, metrics (the CSV)
    readers: set = field(default_factory=set)
    ended: dict | None = None  # {"reason", "detail"} once over
    idle_since: float = field(default_factory=time.monotonic)
    pending: dict = field(default_factory=dict)  # control seq -> future of its reply
    opened: asyncio.Future | None = None


def _log_row(frame: dict) -> dict:
    """What the run log keeps of a frame: its figures, not its pictures."""
    return {key: frame[key] for key in ("step", "diverged", "losses", "metrics")}


async def _opened(session: LabSession) -> tuple[str, object]:
    """("ready", info) once the worker has opened the session and sent its step-0 frame, or ("failed", why)."""
    kind, detail = await session.opened
    while kind == "ready" and session.frame is None and session.ended is None:
        await asyncio.sleep(0.02)
    return kind, detail


class LabManager:
    def __init__(self, settings: Settings, make_backend):
        self.settings, self._make_backend = settings, make_backend
        self.backend = None
        self.sessions: dict[str, LabSession] = {}
        self._seq = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sweeper: asyncio.Task | None = None

    async def start(self) -> None:
        """At server start-up (the lifespan): the backend and the idle sweeper. No worker starts before the
        first session (its own start keeps a spare ready for the next one)."""
        if self.settings.lab_sessions == 0:
            return
        self.backend = await asyncio.to_thread(self._make_backend)
        self._sweeper = asyncio.create_task(self.sweep())

    # --- lifecycle --------------------------------------------------------------------------------

    async def create(self, spec: dict, client: str) -> LabSession:
        """Open a session for `client`: 429 past its share, 503 when the lab is full, 422 for a bad spec."""
        if self.backend is None:
            raise ServerBusy("the lab is off on this server (GENLAB_LAB_SESSIONS=0)")
        live = [s for s in self.sessions.values() if s.ended is None]
        if sum(s.client == client for s in live) >= self.settings.lab_client_sessions:
            raise TooManyRequests(f"this client already runs {self.settings.lab_client_sessions} lab sessions "
                                  "(GENLAB_LAB_CLIENT_SESSIONS): end one first (DELETE /api/lab/sessions/{id})")
        if len(live) >= self.settings.lab_sessions:
            raise ServerBusy(f"the lab is full: {self.settings.lab_sessions} sessions run (GENLAB_LAB_SESSIONS)")
        self._loop = asyncio.get_running_loop()
        session = LabSession(secrets.token_urlsafe(12), client, spec, channel=None, opened=self._loop.create_future())
        self.sessions[session.id] = session  # counted from now: a burst of creates cannot overshoot the cap
        try:
            session.channel = await asyncio.to_thread(self.backend.open, spec)
            threading.Thread(target=self._read, args=(session,), daemon=True, name=f"lab-{session.id}").start()
            kind, detail = await asyncio.wait_for(_opened(session), self.settings.lab_start_seconds)
        except TimeoutError:
            await self.end(session, "failed", "the session's worker did not start")
            raise ServerBusy(f"no lab worker started within {self.settings.lab_start_seconds:g} s "
                             "(GENLAB_LAB_START_SECONDS): the machine is busy") from None
        except BaseException:
            await self.end(session, "failed", "the session's worker did not start")
            raise
        if kind == "failed" and session.ended is None:
            await self.end(session, "failed", detail)
            raise ControlRefused(detail)
        if session.ended is not None:
            raise ServerBusy(f"the session ended as it started: {session.ended['detail']}")
        session.info, session.idle_since = detail, time.monotonic()  # idle from now, not from the request
        return session

    def get(self, session_id: str) -> LabSession:
        session = self.sessions.get(session_id)
        if session is None:
            raise HTTPException(404, f"no lab session {session_id!r} (it may have ended and been cleared)")
        return session

    async def end(self, session: LabSession, reason: str, detail: str) -> None:
        """End it (once): readers get an `end` event, the worker is stopped."""
        if session.ended is not None:
            return
        session.ended = {"reason": reason, "detail": detail}
        session.info = {**session.info, "state": "ended"}
        if not session.opened.done():
            session.opened.set_result(("failed", detail))
        self._publish(session, "end", session.ended)
        for future in session.pending.values():
            if not future.done():
                future.set_exception(HTTPException(409, f"the session ended: {detail}"))
        if session.channel is not None:
            await asyncio.to_thread(session.channel.close)
        log.info("lab session %s ended: %s (%s)", session.id, reason, detail)

    async def shutdown(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        await asyncio.gather(*(self.end(s, "closed", "the server is shutting down") for s in self.sessions.values()))
        if self.backend is not None:
            await asyncio.to_thread(self.backend.shutdown)

    async def sweep(self) -> None:
        """Every second: end sessions nobody has watched for lab_idle_seconds; forget ended ones after a while."""
        while True:
            await asyncio.sleep(1.0)
            now = time.monotonic()
            for session in list(self.sessions.values()):
                unwatched = session.opened.done() and not session.readers
                if session.ended is None and unwatched and now - session.idle_since > self.settings.lab_idle_seconds:
                    await self.end(session, "idle", f"nobody watched it for {self.settings.lab_idle_seconds:g} s "
                                                    "(GENLAB_LAB_IDLE_SECONDS)")
                elif session.ended is not None and not session.readers and now - session.idle_since > 600:
                    del self.sessions[session.id]

    # --- controls ---------------------------------------------------------------------------------

    async def control(self, session: LabSession, message: dict) -> dict:
        """Send one control and wait for the worker's reply: its state after the control."""
        if session.ended is not None:
            raise HTTPException(409, f"the session has ended: {session.ended['detail']}")
        seq = next(self._seq)
        future = asyncio.get_running_loop().create_future()
        session.pending[seq] = future
        try:
            await asyncio.to_thread(session.channel.send, {**message, "seq": seq})
            reply = await asyncio.wait_for(future, CONTROL_SECONDS)
        except TimeoutError:
            raise ServerBusy(f"the session's worker did not answer within {CONTROL_SECONDS:g} s") from None
        finally:
            session.pending.pop(seq, None)
        if "error" in reply:
            raise ControlRefused(reply["error"])
        session.info = {**session.info, **{key: reply["ok"][key] for key in STATE_KEYS if key in reply["ok"]}}
        return reply["ok"]

    # --- readers ----------------------------------------------------------------------------------

    def subscribe(self, session: LabSession) -> asyncio.Queue:
        if len(session.readers) >= self.settings.lab_readers:
            raise TooManyRequests(f"this session already has {self.settings.lab_readers} readers (GENLAB_LAB_READERS)")
        queue: asyncio.Queue = asyncio.Queue(READER_QUEUE)
        if session.ended is not None:
            queue.put_nowait(("end", session.ended))
        elif session.frame is not None:
            queue.put_nowait(("frame", session.frame))
        session.readers.add(queue)
        return queue

    def unsubscribe(self, session: LabSession, queue: asyncio.Queue) -> None:
        session.readers.discard(queue)
        if not session.readers:
            session.idle_since = time.monotonic()

    def _publish(self, session: LabSession, kind: str, data: dict) -> None:
        for queue in session.readers:
            if queue.full():
                queue.get_nowait()  # this reader is behind: it skips the oldest frame
            queue.put_nowait((kind, data))

    # --- the worker's messages (read in a thread, handled on the loop) ------------------------------

    def _read(self, session: LabSession) -> None:
        while True:
            try:
                message = session.channel.recv()
            except (EOFError, OSError):
                message = ("end", "failed", "the session's worker stopped")
            try:
                self._loop.call_soon_threadsafe(self._dispatch, session, message)
            except RuntimeError:  # the event loop has closed (the server is gone): nobody is listening
                return
            if message[0] in ("end", "failed"):
                return

    def _dispatch(self, session: LabSession, message: tuple) -> None:
        kind = message[0]
        if kind in ("ready", "failed") and not session.opened.done():
            session.idle_since = time.monotonic()  # a slow start does not count as time unwatched
            session.opened.set_result(message)
        elif kind == "reply":
            future = session.pending.get(message[1])
            if future is not None and not future.done():
                future.set_result(message[2])
        elif kind == "frame":
            session.frame = message[1]
            session.info = {**session.info, "step": message[1]["step"], "state": message[1]["state"]}
            session.log.append(_log_row(message[1]))
            self._publish(session, "frame", message[1])
        elif kind == "end":
            asyncio.ensure_future(self.end(session, message[1], message[2]))
