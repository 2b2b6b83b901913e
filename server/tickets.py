"""A request's right to keep running, checked between sampler steps."""

import threading
import time
from collections.abc import Callable
from typing import Any

import torch

from models.interrupt import interruptible


class WorkStopped(Exception):
    """Work ended early: its deadline passed or its client left; answered 503 with Retry-After."""


class Ticket:
    """One request's right to keep running: checked between sampler steps (thread-safe)."""

    def __init__(self, deadline_seconds: float):
        self.deadline_seconds = deadline_seconds
        self._deadline = time.monotonic() + deadline_seconds
        self._client_gone = threading.Event()

    def cancel(self) -> None:
        self._client_gone.set()

    def check(self) -> None:
        if self._client_gone.is_set():
            raise WorkStopped("the client disconnected")
        if time.monotonic() > self._deadline:
            raise WorkStopped(f"stopped at its deadline of {self.deadline_seconds:g} s "
                              "(GENLAB_DEADLINE_SECONDS); ask for fewer images or steps")

    def run(self, work: Callable[[], Any]) -> Any:
        """Run `work` in this thread with the check installed at every models.interrupt.checkpoint()."""
        with interruptible(self.check), torch.inference_mode():
            return work()
