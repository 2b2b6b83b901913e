"""The first stage: a convolutional autoencoder from 28 x 28 digits to a 4 x 7 x 7 latent and back.

A spatial latent (a small image of 4 channels), not a vector: the diffusion network then keeps the
convolutional structure, and a latent pixel stands for a 4 x 4 patch. The KL term to N(0, I) is weighted
very lightly (Rombach et al. 2022, "KL-reg"): it only keeps the latent's scale in check, so the codes are
nearly deterministic and the reconstructions sharp; the diffusion model, not the KL, is the prior."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.nets import patch_decoder, patch_encoder


@dataclass
class AutoencoderConfig:
    latent_channels: int = 4
    width: int = 32
    kl_weight: float = 1e-4  # per latent value, against the per-pixel reconstruction loss


class SpatialAutoencoder(nn.Module):
    def __init__(self, config: AutoencoderConfig):
        super().__init__()
        self.config = config
        w, c = config.width, config.latent_channels
        self.encoder = patch_encoder(w, 2 * c)  # mean and log-variance
        self.decoder = patch_decoder(w, c)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Images in [0, 1], (B, 1, 28, 28) -> mean and log-variance, each (B, C, 7, 7)."""
        mean, logvar = self.encoder(x).chunk(2, dim=1)
        return mean, logvar.clamp(-20, 10)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """(B, C, 7, 7) -> images in [0, 1]."""
        return torch.sigmoid(self.decoder(z))

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        """Per-pixel binary cross-entropy of the reconstruction from a sampled code, plus kl_weight times the
        per-value KL(q(z|x) || N(0, I)); the labels are not used (the training loop passes them to every model)."""
        mean, logvar = self.encode(x)
        z = mean + (0.5 * logvar).exp() * torch.randn_like(mean)
        recon = F.binary_cross_entropy_with_logits(self.decoder(z), x)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).mean()
        return recon + self.config.kl_weight * kl, {"recon": recon.item(), "kl": kl.item()}
