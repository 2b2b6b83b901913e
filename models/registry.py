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

from models.autoregressive import AutoregressiveConfig, PixelCNN
from models.checkpoint import CheckpointError, load_weights, read_card
from models.diffusion.process import Diffusion, DiffusionConfig
from models.flow import Flow, FlowConfig
from models.gan import GAN, GANConfig
from models.latent_diffusion import LatentDiffusion, LatentDiffusionConfig
from models.metrics import DigitClassifier
from models.ncsn import NCSN, NCSNConfig
from models.score import Score2D, ScoreConfig
from models.vae import VAE, VAEConfig
from models.vqvae import TokenPrior, TokenPriorConfig

log = logging.getLogger(__name__)


def _vae_capabilities(config: dict) -> set[str]:
    caps = {"sample", "encode", "decode", "log_prob"}
    if config.get("num_classes", 0):
        caps.add("conditional")
    if config["latent_dim"] == 2:
        caps.add("latent_map")
    if config.get("prior_components", 0):
        caps.add("fitted_prior")
    return caps


def _diffusion_capabilities(config: dict) -> set[str]:
    caps = {"sample", "samplers", "trajectory", "noise", "inpaint", "invert", "log_prob", "exact_log_prob"}
    if config["unet"].get("num_classes", 0):
        caps |= {"conditional", "marginal_log_prob"}  # without a label: the bound of the null-class model
    return caps


def _latent_diffusion_capabilities(config: dict) -> set[str]:
    """Sampling by any of the pixel model's samplers, and its trajectory (each step's latent decoded); no
    likelihood (the autoencoder has none to chain), no inpainting or inversion (those are pixel-space)."""
    return {"sample", "samplers", "trajectory"} | ({"conditional"} if config["net"].get("num_classes", 0) else set())


def _gan_capabilities(config: dict) -> set[str]:
    caps = {"sample", "decode", "discriminate", "film", "project"}
    if config.get("num_classes", 0):
        caps.add("conditional")
    return caps


def _flow_capabilities(config: dict) -> set[str]:
    return {"sample", "log_prob", "invertible", "layer_view"}


def _autoregressive_capabilities(config: dict) -> set[str]:
    caps = {"sample", "log_prob", "complete", "pixel_stream", "pixel_log_prob"}
    if config["network"].get("num_classes", 0):
        caps |= {"conditional", "marginal_log_prob"}  # without a label: exactly sum_y p(x | y) p(y)
    return caps


def _score2d_capabilities(config: dict) -> set[str]:
    """A 2-D model: no images, so none of the image capabilities; an energy model also has its energy."""
    return {"score_field", "langevin_2d"} | ({"energy"} if config["kind"] == "ebm" else set())


def _ncsn_capabilities(config: dict) -> set[str]:
    """Sampling by annealed Langevin dynamics, and its score beside a DDPM's (same_object.py)."""
    return {"sample", "image_score"} | ({"conditional"} if config["unet"].get("num_classes", 0) else set())


def _vqvae_capabilities(config: dict) -> set[str]:
    """Sampling token by token, the codebook and an image's tokens; no image likelihood (the prior's is of
    the tokens)."""
    caps = {"sample", "tokens", "token_stream", "codebook"}
    return caps | ({"conditional"} if config["prior"].get("num_classes", 0) else set())


@dataclass(frozen=True)
class Family:
    build: Callable[[dict], nn.Module]
    capabilities: Callable[[dict], set[str]]
    likelihood: str  # "exact", "bound" or "none": what log_prob means for this family
    probe: Callable[[nn.Module, int], object]  # one network evaluation over n blank images, timed to price requests
    # the network a sampler calls at every step, which a compiled twin may run (models/compiled.py); None: the
    # family's pictures cost one cheap pass or run a sampler that compiling has not been measured on
    picture_network: Callable[[nn.Module], nn.Module] | None = None


def _blank(n: int, module: nn.Module) -> torch.Tensor:
    return torch.zeros(n, 1, 28, 28, device=next(module.parameters()).device)


def _labels(n: int, module: nn.Module) -> torch.Tensor | None:
    """Class 0 for a conditional network (it needs a label to run), None otherwise."""
    return torch.zeros(n, dtype=torch.long, device=next(module.parameters()).device) if module.num_classes else None


def _decode_probe(module: nn.Module, n: int):
    z = torch.zeros(n, module.config.latent_dim, device=next(module.parameters()).device)
    return module.decode(z, _labels(n, module))


FAMILIES: dict[str, Family] = {
    "vae": Family(lambda cfg: VAE(VAEConfig(**cfg)), _vae_capabilities, "bound", _decode_probe),
    "gan": Family(lambda cfg: GAN(GANConfig(**{**cfg, "betas": tuple(cfg["betas"])})), _gan_capabilities, "none",
                  _decode_probe),
    "diffusion": Family(lambda cfg: Diffusion(DiffusionConfig(**cfg)), _diffusion_capabilities, "bound",
                        lambda m, n: m.eps(_blank(n, m), 0, _labels(n, m)), picture_network=lambda m: m.ema),
    "flow": Family(lambda cfg: Flow(FlowConfig(**cfg)), _flow_capabilities, "exact",
                   lambda m, n: m.forward_layers(_blank(n, m).add(0.5))),
    "autoregressive": Family(lambda cfg: PixelCNN(AutoregressiveConfig(**cfg)), _autoregressive_capabilities, "exact",
                             lambda m, n: m.net(_blank(n, m), _labels(n, m))),
    "latent_diffusion": Family(lambda cfg: LatentDiffusion(LatentDiffusionConfig(**cfg)), _latent_diffusion_capabilities,
                               "none", lambda m, n: m.eps(torch.zeros(n, *m.state_shape, device=m.alpha_bar.device), 0,
                                                         _labels(n, m)), picture_network=lambda m: m.ema),
    "score2d": Family(lambda cfg: Score2D(ScoreConfig(**{**cfg, "sigmas": tuple(cfg["sigmas"])})), _score2d_capabilities,
                      "none", lambda m, n: m.score(torch.zeros(n, 2, device=m.sigmas.device), float(m.sigmas[-1]))),
    "ncsn": Family(lambda cfg: NCSN(NCSNConfig(**cfg)), _ncsn_capabilities, "none",
                   lambda m, n: m.score(_blank(n, m), 0, _labels(n, m))),
    "vqvae": Family(lambda cfg: TokenPrior(TokenPriorConfig(**cfg)), _vqvae_capabilities, "none",
                    lambda m, n: m.prior(torch.zeros(n, 48, dtype=torch.long, device=m.prior.position.device),
                                         _labels(n, m))),
    "classifier": Family(lambda cfg: DigitClassifier(**cfg), lambda cfg: {"classify"}, "none",
                         lambda m, n: m(_blank(n, m))),
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

    def network_evaluations(self, operation: str) -> int:
        """Network passes per image of an operation; one where a family's every operation is one pass."""
        per_operation = getattr(self.module, "network_evaluations", None)
        return 1 if per_operation is None else per_operation(operation)

    def probe(self, n: int) -> None:
        """One network evaluation over n blank images (what start-up times to price requests)."""
        FAMILIES[self.family].probe(self.module, n)

    def picture_network(self) -> nn.Module | None:
        """The network its sampler calls at every step, the one a compiled twin may run (models/compiled.py)."""
        network = FAMILIES[self.family].picture_network
        return None if network is None else network(self.module)


def best_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(card_file: Path, device: str = "cpu") -> LoadedModel:
    """Rebuild a network from its card alone, load its safetensors weights, put it in eval mode."""
    return build_model(read_card(card_file), card_file.with_suffix(".safetensors"), device)


def build_model(card: dict, weights: Path, device: str = "cpu") -> LoadedModel:
    family = FAMILIES.get(card.get("family"))
    if family is None:
        raise CheckpointError(f"unknown family {card.get('family')!r}")
    module = family.build(card["config"])
    load_weights(module, weights, device)
    module.to(device).eval()
    return LoadedModel(card["id"], card, module, frozenset(family.capabilities(card["config"])))


def load_all(directory: Path, device: str = "cpu",
             validate: Callable[[dict], None] | None = None) -> tuple[dict[str, LoadedModel], list[dict]]:
    """Every checkpoint in `directory`; one that fails is logged and reported with its file, never fatal.

    `validate` (the server's card schema: models/ knows no pydantic) runs on each card before its network
    is built. An id already loaded is refused, naming both cards, so one model never silently shadows another."""
    models: dict[str, LoadedModel] = {}
    loaded_from: dict[str, str] = {}  # model id -> the card file that claimed it first
    failed: list[dict] = []
    directory = Path(directory)
    stems = sorted({p.stem for p in directory.glob("*.json")} | {p.stem for p in directory.glob("*.safetensors")})
    for stem in stems:
        card_file = directory / f"{stem}.json"
        try:
            if not card_file.exists():
                raise CheckpointError(f"not found, so {stem}.safetensors has weights but no model card")
            card = read_card(card_file)
            if validate:
                validate(card)
            if card["id"] in loaded_from:
                raise CheckpointError(f"duplicate id {card['id']!r}: {card_file.name} repeats {loaded_from[card['id']]}")
            models[card["id"]] = build_model(card, card_file.with_suffix(".safetensors"), device)
            loaded_from[card["id"]] = card_file.name
        except Exception as exc:  # noqa: BLE001 - any broken file must leave the others served
            failed.append(load_failure(card_file, exc))
    return models, failed


def load_failure(card_file: Path, exc: Exception) -> dict:
    """How a checkpoint that failed to load is logged and listed (GET /api/models' `failed`)."""
    detail = str(exc) if isinstance(exc, CheckpointError) else f"{type(exc).__name__}: {exc}"
    log.error("checkpoint %s failed to load: %s", card_file.stem, detail)
    return {"id": card_file.stem, "error": f"{card_file.name}: {detail}"[:300]}
