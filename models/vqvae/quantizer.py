"""The codebook of a VQ-VAE: each encoder output is replaced by its nearest code.

Lookups compare l2-normalized vectors (cosine similarity), as in ViT-VQGAN (Yu et al. 2022): without it
an encoder's outputs drift away from most randomly placed codes and those codes never win a lookup ("dead
codes"); on the unit sphere every code stays within reach. The gradient passes the non-differentiable
lookup straight through (Bengio et al. 2013), and two losses tie the codebook and the encoder together
(van den Oord et al. 2017, eq. 3): the codebook term pulls codes toward the encoder outputs that chose
them, the commitment term (weight beta) keeps the encoder from wandering away from its codes.

Codes still die when the encoder's outputs crowd into a few regions; as in Jukebox (Dhariwal et al. 2020),
a code that wins less than once per batch on average during training is restarted at a random encoder
output of the last batch, where it can be useful."""

import torch
import torch.nn.functional as F
from torch import nn

USAGE_DECAY = 0.99


class VectorQuantizer(nn.Module):
    def __init__(self, codes: int, dim: int, beta: float = 0.25):
        super().__init__()
        self.beta = beta
        self.codebook = nn.Embedding(codes, dim)
        nn.init.normal_(self.codebook.weight)
        self.register_buffer("usage", torch.ones(codes), persistent=False)  # training-time EMA of wins per batch
        self.recent: torch.Tensor | None = None  # the last training batch's outputs, (N, D): where restarts go

    @property
    def codes(self) -> torch.Tensor:
        """(K, D), each code on the unit sphere: what the decoder is given."""
        return F.normalize(self.codebook.weight, dim=1)

    def nearest(self, z_e: torch.Tensor) -> torch.Tensor:
        """(B, D, H, W) encoder outputs -> (B, H, W) indices of the most similar codes."""
        flat = F.normalize(z_e, dim=1).permute(0, 2, 3, 1)  # (B, H, W, D)
        return (flat @ self.codes.T).argmax(dim=-1)

    def lookup(self, tokens: torch.Tensor) -> torch.Tensor:
        """(B, H, W) indices -> (B, D, H, W) codes."""
        return self.codes[tokens].permute(0, 3, 1, 2)

    def forward(self, z_e: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Quantized outputs (with the straight-through gradient), the indices, and the codebook plus
        commitment loss (mean squared distances on the sphere)."""
        z = F.normalize(z_e, dim=1)
        tokens = self.nearest(z_e)
        z_q = self.lookup(tokens)
        loss = F.mse_loss(z_q, z.detach()) + self.beta * F.mse_loss(z, z_q.detach())
        if self.training:
            wins = torch.bincount(tokens.flatten(), minlength=len(self.usage)).float()
            self.usage.mul_(USAGE_DECAY).add_((1 - USAGE_DECAY) * wins)
            self.recent = z.detach().permute(0, 2, 3, 1).reshape(-1, z.shape[1])
        return z + (z_q - z).detach(), tokens, loss


    @torch.no_grad()
    def restart_dead_codes(self) -> int:
        """Move every code that wins less than once per batch to a random recent encoder output; returns
        how many moved."""
        dead = (self.usage < 1.0).nonzero()[:, 0]
        if self.recent is None or not len(dead):
            return 0
        picks = torch.randint(0, len(self.recent), (len(dead),), device=self.recent.device)
        self.codebook.weight[dead] = self.recent[picks]
        self.usage[dead] = 1.0 + USAGE_DECAY  # a grace period before it may be judged again
        return len(dead)


def perplexity(tokens: torch.Tensor, codes: int) -> float:
    """exp(entropy) of the code histogram: how many codes are in effective use (codes if all equally)."""
    return usage_perplexity(torch.bincount(tokens.flatten(), minlength=codes))


def usage_perplexity(counts: torch.Tensor) -> float:
    """The same from the counts per code."""
    p = counts.double() / counts.sum()
    return float(torch.exp(-(p[p > 0] * p[p > 0].log()).sum()))
