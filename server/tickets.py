"""A request's right to keep running, checked between sampler steps."""

import os
import threading
import time
from collections.abc import Callable
from typing import Any

import torch

from models.compiled import compiled_networks
from models.interrupt import interruptible
from models.precision import autocast


class WorkStopped(Exception):
    """Work ended early: its deadline passed or its client left; answered 503 with Retry-After."""


class Ticket:
    """One request's right to keep running: checked between sampler steps (thread-safe)."""

    def __init__(self, deadline_seconds: float, precision: str = "fp32", compiled: bool = False):
        self.deadline_seconds = deadline_seconds
        self.precision = precision
        self.compiled = compiled
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
        """Run `work` in this thread with the check installed at every models.interrupt.checkpoint(), in the
        request's precision (bf16 autocast for a checked model's pictures), with compiled networks where the
        request's model draws with one."""
        yield_to_the_event_loop()
        with (interruptible(self.check), torch.inference_mode(), autocast(self.precision),
              compiled_networks(self.compiled)):
            return work()


WORKER_NICENESS = 10


def yield_to_the_event_loop() -> None:
    """Lower this worker thread's CPU priority (Linux threads have their own nice value; the torch
    threads it starts inherit it). On a machine whose cores are all busy with model work, the event
    loop thread then still gets a core at once: health checks and admission stay fast under overload.
    Raising niceness needs no privilege; it cannot be lowered again, and does not need to be."""
    if hasattr(os, "setpriority") and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < WORKER_NICENESS:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
