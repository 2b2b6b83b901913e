"""A GAN on the MNIST digits for the lab: genlab's own DCGAN networks (models/gan, Radford et al. 2016), small.

The networks ARE the registry's GAN, so an exported run opens in the regular /gan page; the training step
is the lab's (gan2d.adversarial_step), which adds the hinge loss and the d_steps : g_steps ratio. D has no
batch norm whatever the loss, because the loss can change mid-run and WGAN-GP's gradient penalty needs
per-image gradients (Gulrajani et al. 2017, sec. 4)."""

from collections.abc import Callable
from dataclasses import asdict
from typing import ClassVar

import torch
from torch import nn

from models.gan import GAN, GANConfig
from models.lab.gan2d import GAME_PARAMS, adversarial_step
from models.lab.nets import seeded_init_
from models.lab.params import Range, Spec

# models/gan knows no hinge loss; its `loss` only decides whether D's output reads as p(real) (the BCE
# losses) or as an unbounded critic score (wgan-gp), and a hinge-trained D gives an unbounded score.
REGISTRY_LOSS = {"minimax": "minimax", "nonsaturating": "nonsaturating", "wgan-gp": "wgan-gp", "hinge": "wgan-gp"}


class GanMnist:
    PARAMS: ClassVar[dict[str, Spec]] = {
        **GAME_PARAMS,
        "latent_dim": Range(32, 1, 128, integer=True),
        "gp_weight": Range(10.0, 0.0, 100.0),
        "width": Range(16, 8, 64, integer=True),  # G's and D's channels: 16 trains about 4x faster than 32
        "batch_size": Range(64, 8, 256, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"latent_dim", "width"}
    BETAS: ClassVar[tuple[float, float]] = (0.5, 0.9)

    def __init__(self, hp: dict, g: torch.Generator):
        self.latent_dim = hp["latent_dim"]
        self.module = seeded_init_(GAN(self._config(hp)), g)

    def _config(self, hp: dict) -> GANConfig:
        return GANConfig(latent_dim=hp["latent_dim"], loss=REGISTRY_LOSS[hp["loss"]], g_width=hp["width"],
                         d_width=hp["width"], n_critic=hp["d_steps"], g_steps=hp["g_steps"], gp_weight=hp["gp_weight"],
                         betas=self.BETAS, d_batchnorm=False)

    def param_groups(self) -> dict:
        return {"d": (self.module.discriminator.parameters(), "lr_d"), "g": (self.module.generator.parameters(), "lr_g")}

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        def fake(n: int) -> torch.Tensor:
            return self.module.generator(torch.randn(n, self.latent_dim, generator=g))

        return adversarial_step(fake, self.module.discriminator, draw, hp, opts, g)

    @torch.no_grad()
    def images(self, z: torch.Tensor) -> torch.Tensor:
        """G(z), (B, 1, 28, 28) in [0, 1], with batch norm's running statistics (as the /gan page samples)."""
        self.module.eval()
        try:
            return self.module.decode(z)
        finally:
            self.module.train()

    def checkpoint(self, hp: dict) -> tuple[str, dict, nn.Module]:
        """What export saves: the registry family, the card's config, the network."""
        return "gan", {**asdict(self._config(hp)), "betas": list(self.BETAS)}, self.module
