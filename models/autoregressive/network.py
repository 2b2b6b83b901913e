"""Gated PixelCNN (van den Oord et al. 2016, "Conditional Image Generation with PixelCNN Decoders").

Two stacks remove the blind spot of masked 3x3 convolutions: a vertical stack sees every row above
(and, before it is shifted down one row, the current one), a horizontal stack sees the pixels to the
left in the current row and gets the shifted vertical features. Type A (first layer) excludes the
pixel itself; type B (the rest) includes the previous layer's features at that pixel. Every layer is
gated, tanh(a + h_y) * sigmoid(b + h_y), with a class embedding h_y.

The convolutions are written as plain padded convolutions so that models/autoregressive/cached.py
can apply the same weights to one row or one pixel at a time.
"""

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass
class PixelCNNConfig:
    channels: int = 32
    layers: int = 8
    kernel: int = 5  # layers after the first: vertical (k//2 + 1) x k, horizontal 1 x (k//2 + 1)
    first_kernel: int = 7
    mixtures: int = 5  # logistics per pixel
    num_classes: int = 10  # 0 = unconditional
    head: int = 64  # channels of the 1x1 output head
    dropout: float = 0.0  # on each layer's gated horizontal features, training only (PixelCNN++ regularises so)


def gate(pre: torch.Tensor) -> torch.Tensor:
    a, b = pre.chunk(2, dim=1)
    return torch.tanh(a) * torch.sigmoid(b)


class GatedLayer(nn.Module):
    def __init__(self, in_channels: int, channels: int, kernel: int, first: bool, num_classes: int,
                 dropout: float = 0.0):
        super().__init__()
        self.first, self.k, self.dropout = first, kernel, dropout
        self.v_height = kernel // 2 + 1
        self.h_width = kernel // 2 if first else kernel // 2 + 1  # type A stops left of the pixel
        self.v_conv = nn.Conv2d(in_channels, 2 * channels, (self.v_height, kernel))
        self.v_to_h = nn.Conv2d(2 * channels, 2 * channels, 1)
        self.h_conv = nn.Conv2d(in_channels, 2 * channels, (1, self.h_width))
        self.h_out = nn.Conv2d(channels, channels, 1)
        self.label = nn.Embedding(num_classes, 2 * channels) if num_classes else None

    def label_bias(self, labels: torch.Tensor | None) -> torch.Tensor | float:
        return 0.0 if self.label is None else self.label(labels)[:, :, None, None]

    def vertical(self, v: torch.Tensor) -> torch.Tensor:
        """Pre-activations at every row r from input rows r - k//2 .. r."""
        k2 = self.k // 2
        return self.v_conv(F.pad(v, (k2, k2, self.v_height - 1, 0)))

    def horizontal(self, h: torch.Tensor) -> torch.Tensor:
        """Pre-activations at every column c from columns c - k//2 .. c (type B) or .. c - 1 (type A)."""
        out = self.h_conv(F.pad(h, (self.k // 2, 0, 0, 0)))
        return out[..., :h.shape[-1]]  # type A yields one column more: the one that would see the last pixel

    def forward(self, v: torch.Tensor, h: torch.Tensor, bias) -> tuple[torch.Tensor, torch.Tensor]:
        v_pre = self.vertical(v)
        shifted = F.pad(v_pre, (0, 0, 1, 0))[:, :, :-1]  # row r gets row r - 1: only rows above reach h
        h_pre = self.horizontal(h) + self.v_to_h(shifted) + bias
        h_new = self.h_out(F.dropout(gate(h_pre), self.dropout, self.training))
        return gate(v_pre + bias), h_new if self.first else h + h_new


class GatedPixelCNN(nn.Module):
    """Image in [-1, 1] (B, 1, 28, 28) -> discretized-logistic parameters (B, 3K, 28, 28)."""

    def __init__(self, config: PixelCNNConfig):
        super().__init__()
        self.config = config
        c = config.channels
        self.layers = nn.ModuleList(
            GatedLayer(1 if i == 0 else c, c, config.first_kernel if i == 0 else config.kernel, i == 0,
                       config.num_classes, config.dropout)
            for i in range(config.layers))
        self.head = nn.Sequential(nn.ReLU(), nn.Conv2d(c, config.head, 1), nn.ReLU(), nn.Conv2d(config.head, 3 * config.mixtures, 1))

    def forward(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        v = h = x
        for layer in self.layers:
            v, h = layer(v, h, layer.label_bias(labels))
        return self.head(h)
