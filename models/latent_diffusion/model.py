"""The two stages together: the DDPM of models/diffusion (its loss, guidance, samplers and EMA), run over
the autoencoder's latent scaled to unit variance, and decoded once at the end."""

from dataclasses import asdict, dataclass, field

import torch
from torch import nn

from models.diffusion.process import Diffusion, DiffusionConfig
from models.latent_diffusion.autoencoder import AutoencoderConfig, SpatialAutoencoder
from models.latent_diffusion.network import LatentEpsNet, LatentNetConfig


@dataclass
class LatentDiffusionConfig(DiffusionConfig):
    unet: dict = field(default_factory=dict)  # unused: the pixel model's network; this one's is `net`
    net: dict = field(default_factory=lambda: asdict(LatentNetConfig()))
    autoencoder: dict = field(default_factory=lambda: asdict(AutoencoderConfig()))
    latent_scale: float = 1.0  # 1 / std of the training digits' latent means (Rombach et al. 2022, sec. 4.3.2)


class LatentDiffusion(Diffusion):
    clip_x0 = False  # the scaled latent is unbounded: clipping its x_0 guess to [-1, 1] would wreck the samples
    def __init__(self, config: LatentDiffusionConfig):
        super().__init__(config)
        self.autoencoder = SpatialAutoencoder(AutoencoderConfig(**config.autoencoder)).requires_grad_(False)

    @property
    def state_shape(self) -> tuple[int, int, int]:
        return (self.config.autoencoder["latent_channels"], 7, 7)

    def _network(self) -> nn.Module:
        return LatentEpsNet(LatentNetConfig(**self.config.net))

    def to_state(self, x: torch.Tensor) -> torch.Tensor:
        """Images -> the scaled latent mean (the codes are nearly deterministic: the KL weight is tiny)."""
        with torch.no_grad():
            return self.autoencoder.encode(x)[0] * self.config.latent_scale

    def to_images(self, z0: torch.Tensor) -> torch.Tensor:
        return self.autoencoder.decode(z0 / self.config.latent_scale)
