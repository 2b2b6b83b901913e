"""The first stage: a VQ-VAE from a 28 x 28 digit to a 7 x 7 grid of tokens (each a 4 x 4 patch) and back.

Unlike the VAE its latent is discrete and its prior is not fixed: training only learns to reconstruct
(with a uniform prior the KL term is a constant, van den Oord et al. 2017), and a prior over the token
grids is learned afterwards (prior.py)."""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.nets import patch_decoder, patch_encoder
from models.vqvae.quantizer import VectorQuantizer, perplexity

GRID = 7  # tokens per side: 28 / 4


@dataclass
class VQVAEConfig:
    codes: int = 128  # K, the codebook's size
    code_dim: int = 16
    width: int = 32
    beta: float = 0.25  # the commitment weight


class VQVAE(nn.Module):
    def __init__(self, config: VQVAEConfig):
        super().__init__()
        self.config = config
        self.encoder = patch_encoder(config.width, config.code_dim)
        self.quantizer = VectorQuantizer(config.codes, config.code_dim, config.beta)
        self.decoder = patch_decoder(config.width, config.code_dim)

    def tokens(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1], (B, 1, 28, 28) -> token grids (B, 7, 7) of code indices."""
        return self.quantizer.nearest(self.encoder(x))

    def decode_tokens(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, 7, 7) code indices -> images in [0, 1]."""
        return torch.sigmoid(self.decoder(self.quantizer.lookup(tokens)))

    def after_step(self) -> None:
        """Called by the training loop after each optimizer step: revive dead codes."""
        self.quantizer.restart_dead_codes()

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        """Per-pixel binary cross-entropy of the reconstruction plus the codebook and commitment terms; the
        labels are not used (the training loop passes them to every model)."""
        z_q, tokens, vq = self.quantizer(self.encoder(x))
        recon = F.binary_cross_entropy_with_logits(self.decoder(z_q), x)
        return recon + vq, {"recon": recon.item(), "vq": vq.item(),
                            "perplexity": perplexity(tokens, self.config.codes)}
