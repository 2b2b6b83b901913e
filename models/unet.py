"""A small UNet for 28x28 digits (Ronneberger et al. 2015, as used by Ho et al. 2020): ResBlocks with
a timestep embedding, self-attention at 7x7, and a class embedding whose extra index is the null
class that classifier-free guidance (Ho & Salimans 2022) drops labels to."""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class UNetConfig:
    channels: tuple[int, int, int] = (32, 64, 128)  # at 28x28, 14x14, 7x7
    emb_dim: int = 128
    num_classes: int = 10  # 0: unconditional; else index num_classes is the null class
    dropout: float = 0.1


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of integer timesteps (Vaswani et al. 2017), (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10_000) * torch.arange(half, device=t.device) / half)
    angles = t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


class ResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, emb_dim: int, dropout: float):
        super().__init__()
        self.norm1, self.conv1 = nn.GroupNorm(8, c_in), nn.Conv2d(c_in, c_out, 3, padding=1)
        self.emb = nn.Linear(emb_dim, c_out)
        self.norm2, self.conv2 = nn.GroupNorm(8, c_out), nn.Conv2d(c_out, c_out, 3, padding=1)
        self.dropout = nn.Dropout(dropout)
        self.skip = nn.Conv2d(c_in, c_out, 1) if c_in != c_out else nn.Identity()

    def forward(self, x, emb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.emb(emb)[:, :, None, None]  # condition every position on (t, class)
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class Attention(nn.Module):
    """Single-head self-attention over the 7x7 positions: lets distant strokes agree."""

    def __init__(self, c: int):
        super().__init__()
        self.norm, self.qkv, self.out = nn.GroupNorm(8, c), nn.Conv2d(c, 3 * c, 1), nn.Conv2d(c, c, 1)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, c, h * w).unbind(1)  # each (B, C, HW)
        a = F.scaled_dot_product_attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))
        return x + self.out(a.transpose(1, 2).reshape(b, c, h, w))


class UNet(nn.Module):
    """eps_theta(x_t, t, y): (B, 1, 28, 28), (B,), (B,) -> predicted noise (B, 1, 28, 28)."""

    def __init__(self, config: UNetConfig):
        super().__init__()
        self.config = config
        c1, c2, c3 = config.channels
        e, p = config.emb_dim, config.dropout
        self.time_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(config.num_classes + 1, e) if config.num_classes else None
        self.stem = nn.Conv2d(1, c1, 3, padding=1)
        self.down1, self.pool1 = ResBlock(c1, c1, e, p), nn.Conv2d(c1, c1, 3, stride=2, padding=1)
        self.down2, self.pool2 = ResBlock(c1, c2, e, p), nn.Conv2d(c2, c2, 3, stride=2, padding=1)
        self.mid1, self.attn, self.mid2 = ResBlock(c2, c3, e, p), Attention(c3), ResBlock(c3, c3, e, p)
        self.up2 = ResBlock(c3 + c2, c2, e, p)
        self.up1 = ResBlock(c2 + c1, c1, e, p)
        self.head = nn.Sequential(nn.GroupNorm(8, c1), nn.SiLU(), nn.Conv2d(c1, 1, 3, padding=1))

    def forward(self, x, t, labels=None):
        emb = self.time_mlp(timestep_embedding(t, self.config.emb_dim))
        if self.class_emb is not None:
            null = torch.full_like(t, self.config.num_classes)
            emb = emb + self.class_emb(null if labels is None else labels)
        h1 = self.down1(self.stem(x), emb)  # (B, c1, 28, 28)
        h2 = self.down2(self.pool1(h1), emb)  # (B, c2, 14, 14)
        h = self.mid2(self.attn(self.mid1(self.pool2(h2), emb)), emb)  # (B, c3, 7, 7)
        h = self.up2(torch.cat([F.interpolate(h, scale_factor=2.0, mode="nearest"), h2], 1), emb)
        h = self.up1(torch.cat([F.interpolate(h, scale_factor=2.0, mode="nearest"), h1], 1), emb)
        return self.head(h)
