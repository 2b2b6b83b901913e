"""The DCGAN networks (Radford et al. 2016) for 28x28 digits and the config they are built from: a
generator with a one-hot label beside z (Mirza & Osindero 2014) and a projection discriminator
(Miyato & Koyama 2018)."""


from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

LOSSES = ("minimax", "nonsaturating", "wgan-gp")


@dataclass
class GANConfig:
    latent_dim: int = 64
    loss: str = "nonsaturating"
    num_classes: int = 0  # > 0: class-conditional G and projection D
    g_width: int = 64  # matched capacities: a stronger D starves G of gradients, a weaker one lets speckle through
    d_width: int = 64
    label_smoothing: float = 0.0  # one-sided: D's target for real images is 1 - this (Salimans et al. 2016)
    gp_weight: float = 10.0  # WGAN-GP lambda
    n_critic: int = 1  # D updates per G update (5 for WGAN-GP)
    g_steps: int = 1  # G updates per round: > 1 lets a lagging G catch up; at a high lr G chases D's favourite and collapses
    d_lr_scale: float = 1.0  # D's learning rate relative to G's: > 1 makes an over-strong D
    betas: tuple[float, float] = (0.5, 0.999)
    ema_decay: float = 0.0  # > 0: sample from an EMA of G's weights, which averages out G's chase of D
    d_batchnorm: bool = True  # off: D judges each image alone, not through its batch's statistics (trained better here)


class Generator(nn.Module):
    """z (B, latent) [+ label] -> (B, 1, 28, 28) in [0, 1]: dense to 7x7, two stride-2 transposed convs,
    then a 3x3 conv at full resolution that smooths the transposed convs' checkerboard speckle."""

    def __init__(self, c: GANConfig):
        super().__init__()
        w = c.g_width
        self.num_classes = c.num_classes
        self.net = nn.Sequential(
            nn.Linear(c.latent_dim + c.num_classes, 2 * w * 49), nn.BatchNorm1d(2 * w * 49), nn.ReLU(),
            nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.BatchNorm2d(w), nn.ReLU(),  # (B, w, 14, 14)
            nn.ConvTranspose2d(w, w // 2, 4, 2, 1), nn.BatchNorm2d(w // 2), nn.ReLU(),  # (B, w/2, 28, 28)
            nn.Conv2d(w // 2, 1, 3, padding=1), nn.Sigmoid(),  # (B, 1, 28, 28)
        )

    def forward(self, z, labels=None):
        if self.num_classes:
            z = torch.cat([z, F.one_hot(labels, self.num_classes).to(z.dtype)], 1)
        return self.net(z)


class Discriminator(nn.Module):
    """(B, 1, 28, 28) [+ label] -> (B,) score: a logit, or for WGAN a critic value. Batch norm after the
    second conv as DCGAN prescribes, except for WGAN-GP, whose penalty needs per-sample gradients, and
    when d_batchnorm is off."""

    def __init__(self, c: GANConfig):
        super().__init__()
        w = c.d_width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.LeakyReLU(0.2),  # (B, w, 14, 14)
            nn.Conv2d(w, 2 * w, 4, 2, 1),  # (B, 2w, 7, 7)
            nn.BatchNorm2d(2 * w) if c.d_batchnorm and c.loss != "wgan-gp" else nn.Identity(), nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.out = nn.Linear(2 * w * 49, 1)
        self.label_proj = nn.Embedding(c.num_classes, 2 * w * 49) if c.num_classes else None

    def forward(self, x, labels=None):
        h = self.body(x)
        score = self.out(h).squeeze(1)
        if self.label_proj is not None:
            score = score + (self.label_proj(labels) * h).sum(1)  # projection: <embed(y), features>
        return score
