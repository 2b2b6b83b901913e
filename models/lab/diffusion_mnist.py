"""Diffusion on the MNIST digits for the lab: genlab's own DDPM (models/diffusion, Ho et al. 2020), tiny.

The network IS the registry's (a UNet, here 16/32/32 channels and unconditional), so an exported run opens
in the regular /diffusion page, and so is its loss, given the session's generator for t and the noise;
the EMA the samples are drawn with is updated after every step. The grid decodes the world's fixed noise
as x_T by deterministic DDIM (eta = 0) in GRID_STEPS steps (all T when T is fewer), so two grids of one
run differ only because the model changed. A grid costs RENDERED x GRID_STEPS network passes, so it
renders 64 images, not 256."""

from collections.abc import Callable
from dataclasses import asdict
from typing import ClassVar

import torch
from torch import nn

from models.diffusion.process import Diffusion, DiffusionConfig
from models.diffusion.sampling import denoise, make_sampler
from models.diffusion.schedules import SCHEDULES
from models.lab.params import Choice, Range, Spec
from models.unet import UNetConfig

GRID_STEPS = 20  # DDIM steps per grid: at 20 the samples are close to the full chain's (models/diffusion)
EMA_DECAY = 0.99  # a lab run is minutes long: the shipped model's 0.999 would still average step-0 weights


class DiffusionMnist:
    PARAMS: ClassVar[dict[str, Spec]] = {
        "lr": Range(2e-3, 1e-5, 0.1),
        "timesteps": Range(200, 2, 1000, integer=True),
        "schedule": Choice("cosine", tuple(SCHEDULES)),
        "width": Range(16, 8, 32, integer=True),  # the UNet's channels at 28x28; 2x that at 14x14 and 7x7
        "batch_size": Range(64, 8, 256, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"timesteps", "schedule", "width"}  # the UNet reads integer t: a new T needs new weights
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)
    RENDERED: ClassVar[int] = 64  # fixed x_T draws decoded per grid (mnist.py renders 256 for the others)
    latent_dim = 28 * 28  # x_T is the latent: one number per pixel

    def __init__(self, hp: dict, g: torch.Generator):
        self.config = self._config(hp)
        with torch.random.fork_rng():  # the registry's layers initialise from the global RNG: seed it from g
            torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=g)))
            self.module = Diffusion(self.config)

    @staticmethod
    def _config(hp: dict) -> DiffusionConfig:
        width = hp["width"]
        unet = UNetConfig(channels=(width, 2 * width, 2 * width), emb_dim=2 * width, num_classes=0, dropout=0.0)
        return DiffusionConfig(unet=asdict(unet), schedule=hp["schedule"], timesteps=hp["timesteps"], ema_decay=EMA_DECAY)

    def param_groups(self) -> dict:
        return {"net": (self.module.net.parameters(), "lr")}

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        """The registry's L_simple (Ho et al. 2020, Algorithm 1) with the session's generator, then the EMA."""
        loss, logs = self.module.loss(draw(hp["batch_size"]), None, generator=g)
        opts["net"].zero_grad(set_to_none=True)
        loss.backward()
        opts["net"].step()
        self.module.after_step()
        return logs

    @torch.no_grad()
    def images(self, z: torch.Tensor) -> torch.Tensor:
        """Deterministic DDIM from x_T = z, (B, 1, 28, 28) in [0, 1], with the EMA weights."""
        sampler = make_sampler("ddim", self.module.alpha_bar, min(GRID_STEPS, self.module.config.timesteps))
        *_, last = denoise(self.module, sampler, z.view(-1, 1, 28, 28), None, 0.0, None)
        return (last.x_t + 1) / 2

    def checkpoint(self, hp: dict) -> tuple[str, dict, nn.Module]:
        """What export saves: the registry family, the card's config, the network (with its EMA)."""
        return "diffusion", asdict(self.config), self.module
