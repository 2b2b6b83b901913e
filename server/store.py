"""The loaded models, the device they live on, and the one inference limiter every route shares."""

import contextlib
import threading
from collections.abc import Iterator

import torch
from fastapi import HTTPException

from models.registry import LoadedModel, best_device, load_all
from server.cards import validate_card
from server.config import Settings


class ServerBusy(Exception):
    """All inference slots are taken; answered as 503 + Retry-After."""


class InferenceLimiter:
    """At most `slots` model calls at once; a request that cannot get a slot soon is refused, not queued."""

    def __init__(self, slots: int, wait_seconds: float):
        self._slots = threading.BoundedSemaphore(slots)
        self._wait = wait_seconds

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self._wait):
            raise ServerBusy
        try:
            yield
        finally:
            self._slots.release()

    def try_acquire(self) -> bool:
        """Take a slot without waiting (for streams, whose slot is released when they end)."""
        return self._slots.acquire(blocking=False)

    def release(self) -> None:
        self._slots.release()


class ModelStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.device = best_device() if settings.device == "auto" else settings.device
        self.models: dict[str, LoadedModel] = {}
        self.failed: list[dict] = []
        self.ready = False
        self.limiter = InferenceLimiter(settings.inference_slots, settings.slot_wait_seconds)

    def load(self) -> None:
        self.models, self.failed = load_all(self.settings.checkpoint_dir, self.device, validate=validate_card)
        self.ready = True

    def get(self, model_id: str) -> LoadedModel:
        model = self.models.get(model_id)
        if model is None:
            raise HTTPException(404, f"unknown model {model_id!r}; GET /api/models lists the loaded ones")
        return model

    def require(self, model_id: str, *capabilities: str) -> LoadedModel:
        """The model, if it can do everything asked; else 404 (unknown) or 409 (lacks a capability)."""
        model = self.get(model_id)
        missing = [c for c in capabilities if c not in model.capabilities]
        if missing:
            raise HTTPException(409, f"model {model_id!r} cannot {', '.join(missing)}; "
                                     f"its capabilities: {sorted(model.capabilities)}")
        return model

    def generator(self, seed: int) -> torch.Generator:
        """A fresh generator per request: no RNG is shared between requests."""
        return torch.Generator(device=self.device).manual_seed(seed)

    @contextlib.contextmanager
    def inference(self) -> Iterator[None]:
        with self.limiter.slot(), torch.inference_mode():
            yield
