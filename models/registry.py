"""Which families exist, how to rebuild each from its model card, and what each loaded model can do.

Routes ask for a capability ("sample", "encode", ...) instead of testing family names, so a new
family only has to register here.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn

from models.checkpoint import load_weights, read_card
from models.diffusion.process import Diffusion, DiffusionConfig
from models.gan import GAN, GANConfig
from models.metrics import DigitClassifier
from models.vae import VAE, VAEConfig

log = logging.getLogger(__name__)


def _vae_capabilities(config: dict) -> set[str]:
    caps = {"sample", "encode", "decode", "log_prob"}
    if config.get("num_classes", 0):
        caps.add("conditional")
    if config["latent_dim"] == 2:
        caps.add("latent_map")
    return caps


def _diffusion_capabilities(config: dict) -> set[str]:
    caps = {"sample", "trajectory", "noise", "inpaint", "invert", "log_prob"}
    if config["unet"].get("num_classes", 0):
        caps.add("conditional")
    return caps


def _gan_capabilities(config: dict) -> set[str]:
    caps = {"sample", "decode", "discriminate", "film"}
    if config.get("num_classes", 0):
        caps.add("conditional")
    return caps


@dataclass(frozen=True)
class Family:
    build: Callable[[dict], nn.Module]
    capabilities: Callable[[dict], set[str]]
    likelihood: str  # "exact", "bound" or "none": what log_prob means for this family


FAMILIES: dict[str, Family] = {
    "vae": Family(lambda cfg: VAE(VAEConfig(**cfg)), _vae_capabilities, "bound"),
    "gan": Family(lambda cfg: GAN(GANConfig(**{**cfg, "betas": tuple(cfg["betas"])})), _gan_capabilities, "none"),
    "diffusion": Family(lambda cfg: Diffusion(DiffusionConfig(**cfg)), _diffusion_capabilities, "bound"),
    "classifier": Family(lambda cfg: DigitClassifier(**cfg), lambda cfg: {"classify"}, "none"),
}


@dataclass
class LoadedModel:
    id: str
    card: dict
    module: nn.Module
    capabilities: frozenset[str]

    @property
    def family(self) -> str:
        return self.card["family"]

    @property
    def latent_dim(self) -> int | None:
        return self.card["config"].get("latent_dim")

    @property
    def num_classes(self) -> int:
        return getattr(self.module, "num_classes", 0)


def best_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(card_file: Path, device: str = "cpu") -> LoadedModel:
    """Rebuild a network from its card alone, load its safetensors weights, put it in eval mode."""
    card = read_card(card_file)
    family = FAMILIES.get(card.get("family"))
    if family is None:
        raise ValueError(f"unknown family {card.get('family')!r}")
    module = family.build(card["config"])
    load_weights(module, card_file.with_suffix(".safetensors"), device)
    module.to(device).eval()
    return LoadedModel(card["id"], card, module, frozenset(family.capabilities(card["config"])))


def load_all(directory: Path, device: str = "cpu") -> tuple[dict[str, LoadedModel], list[dict]]:
    """Every checkpoint in `directory`; one that fails is logged and reported, never fatal."""
    models: dict[str, LoadedModel] = {}
    failed: list[dict] = []
    stems = sorted({p.stem for p in Path(directory).glob("*.json")} | {p.stem for p in Path(directory).glob("*.safetensors")})
    for stem in stems:
        card_file = Path(directory) / f"{stem}.json"
        try:
            if not card_file.exists():
                raise FileNotFoundError("weights without a model card")
            model = load_model(card_file, device)
            models[model.id] = model
        except Exception as exc:  # noqa: BLE001 - any broken file must leave the others served
            log.error("checkpoint %s failed to load: %s", stem, exc)
            failed.append({"id": stem, "error": f"{type(exc).__name__}: {exc}"[:300]})
    return models, failed
