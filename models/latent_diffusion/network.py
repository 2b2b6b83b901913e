"""eps_theta over the 7 x 7 latent: residual blocks at that one resolution, with the pixel UNet's blocks,
timestep embedding and null class for guidance (models/unet.py). No down-sampling: 7 x 7 is already the
pixel UNet's coarsest level, which is where the cost goes down by 16."""

from dataclasses import dataclass

import torch
from torch import nn

from models.unet import Attention, ResBlock, timestep_embedding


@dataclass
class LatentNetConfig:
    latent_channels: int = 4
    channels: int = 96
    blocks: int = 4  # residual blocks; self-attention after the middle one
    emb_dim: int = 128
    num_classes: int = 10  # 0: unconditional; else index num_classes is the null class
    dropout: float = 0.1


class LatentEpsNet(nn.Module):
    def __init__(self, config: LatentNetConfig):
        super().__init__()
        self.config = config
        c, e = config.channels, config.emb_dim
        self.time_mlp = nn.Sequential(nn.Linear(e, e), nn.SiLU(), nn.Linear(e, e))
        self.class_emb = nn.Embedding(config.num_classes + 1, e) if config.num_classes else None
        self.stem = nn.Conv2d(config.latent_channels, c, 3, padding=1)
        self.blocks = nn.ModuleList(ResBlock(c, c, e, config.dropout) for _ in range(config.blocks))
        self.attn = Attention(c)
        self.head = nn.Sequential(nn.GroupNorm(8, c), nn.SiLU(), nn.Conv2d(c, config.latent_channels, 3, padding=1))

    def forward(self, z, t, labels=None):
        emb = self.time_mlp(timestep_embedding(t, self.config.emb_dim))
        if self.class_emb is not None:
            emb = emb + self.class_emb(torch.full_like(t, self.config.num_classes) if labels is None else labels)
        h = self.stem(z)
        for i, block in enumerate(self.blocks):
            h = block(h, emb)
            if i == len(self.blocks) // 2 - 1:
                h = self.attn(h)
        return self.head(h)
