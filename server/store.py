"""The loaded models, the ones that failed with their reasons, and the device they live on."""

import threading
from collections.abc import Callable
from pathlib import Path

import torch
from fastapi import HTTPException

from models.checkpoint import read_card
from models.registry import LoadedModel, best_device, build_model, load_all, load_failure
from server.cards import validate_card
from server.config import Settings


class ModelStore:
    """`models` and `failed` are replaced, never changed in place: a route iterating over them while a lab export
    is added (from a worker thread) sees the old or the new one whole."""

    def __init__(self, settings: Settings, on_added: Callable[[LoadedModel], None] = lambda model: None):
        self.settings = settings
        self.device = best_device() if settings.device == "auto" else settings.device
        self.models: dict[str, LoadedModel] = {}
        self.failed: list[dict] = []
        self.ready = False
        self._on_added = on_added  # the executor measures a new model's cost before it is served
        self._adding = threading.RLock()  # the lab route and pick_up_exports add from worker threads

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
        """One new checkpoint (a lab export), validated like the others, priced, then served from now on."""
        card = read_card(card_file)
        validate_card(card)
        model = build_model(card, card_file.with_suffix(".safetensors"), self.device)
        self._on_added(model)
        with self._adding:
            self.models = {**self.models, model.id: model}
        return model

    def pick_up_exports(self) -> None:
        """Lab exports that another replica wrote to a shared GENLAB_LAB_EXPORT_DIR since this one loaded: served
        from now on (docs/scale-out.md). The model list and card routes call it, in their worker threads; cards
        are written after their weights, atomically, so a card seen here has its weights."""
        with self._adding:
            known = set(self.models) | {f["id"] for f in self.failed}
            for card_file in sorted(self.exported_models.glob("lab-*.json")):
                if card_file.stem in known:
                    continue
                try:
                    self.add(card_file)
                except Exception as exc:  # noqa: BLE001 - a broken export must leave the others served
                    self.failed = [*self.failed, load_failure(card_file, exc)]

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
