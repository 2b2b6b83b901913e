"""The loaded models, the ones that failed with their reasons, and the device they live on."""

import torch
from fastapi import HTTPException

from models.registry import LoadedModel, best_device, load_all
from server.cards import validate_card
from server.config import Settings


class ModelStore:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.device = best_device() if settings.device == "auto" else settings.device
        self.models: dict[str, LoadedModel] = {}
        self.failed: list[dict] = []
        self.ready = False

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
