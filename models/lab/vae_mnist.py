"""A beta-VAE on the MNIST digits for the lab: genlab's own conv VAE (models/vae; Kingma & Welling 2014,
Higgins et al. 2017), small, with its Bernoulli decoder.

The network IS the registry's VAE, so an exported run opens in the regular /vae page. beta is a lab
control: the loss reads it from the hyper-parameters each step, and the exported card records the value in
force. The loss is recon + beta * KL in nats per image, as `genlab train vae` reports it."""

from collections.abc import Callable
from dataclasses import asdict
from typing import ClassVar

import torch
from torch import nn

from models.lab.nets import seeded_init_
from models.lab.params import Range, Spec
from models.lab.vae2d import OBJECTIVE_PARAMS
from models.vae import VAE, VAEConfig

HIDDEN = 256  # the dense layer between the convs and z (VAEConfig's default)


class VaeMnist:
    PARAMS: ClassVar[dict[str, Spec]] = {
        **OBJECTIVE_PARAMS,
        "latent_dim": Range(16, 1, 64, integer=True),
        "width": Range(16, 8, 64, integer=True),
        "batch_size": Range(64, 8, 512, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"latent_dim", "width"}
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)

    def __init__(self, hp: dict, g: torch.Generator):
        self.latent_dim = hp["latent_dim"]
        self.module = seeded_init_(VAE(self._config(hp)), g)

    @staticmethod
    def _config(hp: dict) -> VAEConfig:
        return VAEConfig(latent_dim=hp["latent_dim"], beta=hp["beta"], hidden=HIDDEN, width=hp["width"])

    def param_groups(self) -> dict:
        return {"net": (self.module.parameters(), "lr")}

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        """One step on the beta-weighted negative ELBO; the reparameterisation noise comes from `g`."""
        terms = self.module.elbo_terms(draw(hp["batch_size"]), None, g)
        recon, kl = terms["recon"].mean(), terms["kl"].mean()
        loss = recon + hp["beta"] * kl
        opts["net"].zero_grad(set_to_none=True)
        loss.backward()
        opts["net"].step()
        return {"loss": loss.item(), "recon": recon.item(), "kl": kl.item()}

    @torch.no_grad()
    def images(self, z: torch.Tensor) -> torch.Tensor:
        """The decoder's Bernoulli means p(x|z), (B, 1, 28, 28) in [0, 1]: the picture the /vae page shows."""
        return self.module.decode(z)

    def checkpoint(self, hp: dict) -> tuple[str, dict, nn.Module]:
        """What export saves: the registry family, the card's config, the network."""
        return "vae", asdict(self._config(hp)), self.module
