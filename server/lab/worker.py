"""One lab session's training loop, as it runs inside its worker (a local process or a Ray actor).

The loop owns a models.lab.Session and talks to the web server only through messages, so the same
code runs behind a pipe (server/lab/local.py) and behind a Ray actor (server/lab/ray_backend.py):

  server -> worker   {"seq": n, "action": "play" | "pause" | "step" | "reset" | "change" | "preset" |
                      "speed", ...}, or None: end the session
  worker -> server   ("ready", info)  ("failed", detail)  ("reply", seq, {"ok": state} | {"error": text})
                     ("frame", frame)  ("end", reason, detail)

Frames come after a fixed number of steps (`steps_per_frame`), never after a fixed time, so the same
seed and the same controls give the same frames on any machine; `min_frame_seconds` only keeps a fast
machine from flooding the reader. The budget (steps, wall clock) is checked between chunks.
"""

import dataclasses
import os
import resource
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

STATE_PLAYING, STATE_PAUSED = "playing", "paused"
MAX_STEPS_PER_CALL = 1000  # one `step` control, or one chunk between frames


@dataclass(frozen=True)
class WorkerLimits:
    max_steps: int
    max_seconds: float
    memory_mb: int
    nice: int  # 10 by default: a request being answered gets ~10x a worker's share of a core
    min_frame_seconds: float
    checkpoint_dir: str  # where the worker finds the digit classifier for MNIST runs


class Inbox(Protocol):
    def poll(self, timeout: float) -> bool: ...
    def recv(self) -> dict: ...


class Outbox(Protocol):
    def send(self, message: tuple) -> None: ...


def confine_process(limits: WorkerLimits, cap_memory: bool = True) -> None:
    """What keeps a worker from slowing the server: a low CPU priority (inference comes first), one
    torch thread, and an address-space cap so a runaway session dies alone (a Ray actor declares its
    memory to Ray instead: Ray's own worker maps more address space than it uses)."""
    import torch

    os.nice(max(0, limits.nice - os.nice(0)))
    if cap_memory:
        cap = limits.memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    torch.set_num_threads(1)


def open_session(spec: dict, limits: WorkerLimits):
    """models.lab.Session from the create request; MNIST sessions get the shipped digit classifier."""
    from models.lab import MNIST, Session

    extra = {}
    if spec["data"] == MNIST:
        from models.lab.mnist import load_classifier

        extra = {"classifier": load_classifier(limits.checkpoint_dir)}
    session = Session(spec["family"], spec["data"], seed=spec["seed"], preset=spec["preset"], points=spec["points"],
                      **extra, **spec["hp"])
    if spec.get("restore"):  # a reopened export: its weights travel as safetensors bytes (an actor may be remote)
        from safetensors import SafetensorError
        from safetensors.torch import load

        try:
            state = load(spec["restore"]["weights"])
        except SafetensorError as exc:
            raise ValueError(f"the export's weights are unreadable: {exc}") from None
        session.restore(state, spec["restore"]["step"])
    return session


class SessionRunner:
    """Applies controls to one session and ships its frames, within its budget."""

    def __init__(self, session, limits: WorkerLimits, outbox: Outbox, steps_per_frame: int):
        self.session, self.limits, self.outbox = session, limits, outbox
        self.steps_per_frame = steps_per_frame
        self.state = STATE_PAUSED
        self.controls_applied = 0  # orders a frame against a control's reply: they reach a page by different roads
        self.started = time.monotonic()
        self.first_step = session.step_count  # a reopened export starts at its step: the budget counts from there
        self.last_frame = 0.0

    # --- controls ---------------------------------------------------------------------------------

    def handle(self, message: dict) -> bool:
        """Apply one control and reply to it; False once the session should end (None)."""
        if message is None:
            return False
        action = message.get("action")
        if action == "export":
            self.outbox.send(("reply", message.get("seq"), self._export(message)))
            return True
        try:
            after = self._apply(action, message)
        except (ValueError, TypeError) as exc:  # a bad control changes nothing: the session goes on
            self.outbox.send(("reply", message.get("seq"), {"error": str(exc)}))
            return True
        self.controls_applied += 1
        self.outbox.send(("reply", message.get("seq"), {"ok": self.describe()}))
        if after:
            after()
        return True

    def _apply(self, action, message: dict):
        """Change the state; returns what to do after the reply (a step's frame), if anything."""
        if action == "play":
            self.state = STATE_PLAYING
        elif action == "pause":
            self.state = STATE_PAUSED
        elif action == "step":
            n = _count(message.get("n"), "n")
            return lambda: self._advance(n)
        elif action == "reset":
            self.session.reset()
            return self._send_frame_now
        elif action == "change":
            self.session.change(**_mapping(message.get("hp"), "hp"))
        elif action == "preset":
            self.session.change(**self.session.preset_hp(message.get("preset")))
        elif action == "speed":
            self.steps_per_frame = _count(message.get("steps_per_frame"), "steps_per_frame")
        else:
            raise ValueError(f"action: {action!r} is not one of play, pause, step, reset, change, preset, speed")
        return None

    def _export(self, message: dict) -> dict:
        """The session's model as a checkpoint: the card and the safetensors bytes (the server writes them:
        a Ray actor may run on another machine)."""
        from models.lab.export import export_session

        with tempfile.TemporaryDirectory() as directory:
            try:
                card = export_session(self.session, directory, message["model_id"], message.get("title"))
            except (ValueError, OSError) as exc:
                return {"error": f"export: {exc}"}
            weights = (Path(directory) / f"{message['model_id']}.safetensors").read_bytes()
        return {"ok": {**self.describe(), "export": {"card": card, "weights": weights}}}

    def describe(self) -> dict:
        return {"state": self.state, "step": self.session.step_count, "hp": dict(self.session.hp),
                "steps_per_frame": self.steps_per_frame, "preset": self.session.preset,
                "controls_applied": self.controls_applied}

    # --- frames -----------------------------------------------------------------------------------

    def budget(self) -> dict:
        return {"steps_left": max(0, self.limits.max_steps - (self.session.step_count - self.first_step)),
                "seconds_left": round(max(0.0, self.limits.max_seconds - (time.monotonic() - self.started)), 1)}

    def exhausted(self) -> str | None:
        left = self.budget()
        if left["steps_left"] == 0:
            return f"the session reached its budget of {self.limits.max_steps} steps (GENLAB_LAB_MAX_STEPS)"
        if left["seconds_left"] == 0:
            return f"the session reached its {self.limits.max_seconds:g} s of wall clock (GENLAB_LAB_MAX_SECONDS)"
        return None

    def _advance(self, n: int) -> None:
        n = min(n, self.budget()["steps_left"])
        if n:
            self._ship(self.session.step(n))

    def _send_frame_now(self) -> None:
        self._ship(self.session.frame())

    def _ship(self, frame: dict) -> None:
        self.outbox.send(("frame", {**_pictures_as_png(frame), "state": self.state, "steps_per_frame": self.steps_per_frame,
                                    "controls_applied": self.controls_applied, "budget": self.budget()}))
        self.last_frame = time.monotonic()

    # --- the loop ---------------------------------------------------------------------------------

    def run(self, inbox: Inbox) -> None:
        """Until closed or out of budget: take controls; while playing, a chunk of steps and a frame."""
        self._send_frame_now()
        while True:
            if (reason := self.exhausted()) is not None:
                self.outbox.send(("end", "budget", reason))
                return
            wait = max(0.0, self.last_frame + self.limits.min_frame_seconds - time.monotonic())
            if inbox.poll(wait if self.state == STATE_PLAYING else 0.5):
                if not self.handle(inbox.recv()):
                    self.outbox.send(("end", "closed", "the session was closed"))
                    return
            elif self.state == STATE_PLAYING:
                self._advance(self.steps_per_frame)


def serve(spec: dict, limits: WorkerLimits, inbox: Inbox, outbox: Outbox) -> None:
    """Open the session (a bad spec is reported, not raised) and run it to its end."""
    try:
        session = open_session(spec, limits)
    except (ValueError, OSError) as exc:
        outbox.send(("failed", str(exc)))
        return
    runner = SessionRunner(session, limits, outbox, spec["steps_per_frame"])
    outbox.send(("ready", {"params": describe_params(session.specs), **runner.describe()}))
    runner.run(inbox)


def describe_params(specs: dict) -> dict:
    """The hyper-parameters a session accepts, as JSON: default and bounds, or default and choices."""
    return {name: {"kind": type(spec).__name__.lower(), **dataclasses.asdict(spec)} for name, spec in specs.items()}


def _pictures_as_png(frame: dict) -> dict:
    """An MNIST frame's sample grid (16 x 28 x 28 levels) -> one PNG data URL, `grid`."""
    if "grid_images" not in frame:
        return frame
    import torch

    from server.images import make_grid, to_data_url, to_png

    images = torch.tensor(frame["grid_images"], dtype=torch.float32)[:, None] / 255
    rest = {key: value for key, value in frame.items() if key != "grid_images"}
    return {**rest, "grid": to_data_url(to_png(make_grid(images)))}


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_STEPS_PER_CALL:
        raise ValueError(f"{name}: expected an integer in [1, {MAX_STEPS_PER_CALL}], got {value!r}")
    return value


def _mapping(value, name: str) -> dict:
    if not isinstance(value, dict) or not value:
        raise ValueError(f"{name}: expected an object of hyper-parameters, e.g. {{\"lr\": 0.001}}")
    return value
