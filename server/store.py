"""The loaded models, the ones that failed with their reasons, and the device they live on."""

from pathlib import Path

import torch
from fastapi import HTTPException

from models.checkpoint import read_card
from models.registry import LoadedModel, best_device, build_model, load_all
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
        """The shipped checkpoints, then the models exported from the lab (a clash of ids keeps the shipped one)."""
        self.models, self.failed = load_all(self.settings.checkpoint_dir, self.device, validate=validate_card)
        exported, failed = load_all(self.exported_models, self.device, validate=validate_card)
        for model_id, model in exported.items():
            if model_id in self.models:
                failed.append({"id": model_id, "error": f"lab export {model_id!r} repeats a shipped model's id"})
            else:
                self.models[model_id] = model
        self.failed += failed
        self.ready = True

    @property
    def exported_models(self) -> Path:
        return self.settings.lab_exports / "models"

    def add(self, card_file: Path) -> LoadedModel:
        """One new checkpoint (a lab export), validated like the others, served from now on."""
        card = read_card(card_file)
        validate_card(card)
        model = build_model(card, card_file.with_suffix(".safetensors"), self.device)
        self.models[model.id] = model
        return model

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
