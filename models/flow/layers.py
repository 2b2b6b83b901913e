"""The invertible layers of the flow: each maps x -> (y, log|det dy/dx| per image) and back.

Affine coupling (Dinh et al. 2017, RealNVP): half the variables pass unchanged and set a scale and
shift for the other half, so the Jacobian is triangular and its log-determinant is the sum of the
log-scales. Checkerboard masks are the only split of a one-channel 28x28 image; after a squeeze the
split is by channel. ActNorm and the invertible 1x1 convolution are Glow's (Kingma & Dhariwal 2018):
a per-channel affine initialised from the first batch, and a learned channel mixing that replaces
RealNVP's fixed channel swap.
"""

import torch
import torch.nn.functional as F
from torch import nn


def squeeze(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) -> (B, 4C, H/2, W/2): each 2x2 block becomes four channels (a fixed permutation, log-det 0)."""
    b, c, h, w = x.shape
    return x.view(b, c, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(b, 4 * c, h // 2, w // 2)


def unsqueeze(x: torch.Tensor) -> torch.Tensor:
    b, c, h, w = x.shape
    return x.view(b, c // 4, 2, 2, h, w).permute(0, 1, 4, 2, 5, 3).reshape(b, c // 4, 2 * h, 2 * w)


def checkerboard(h: int, w: int, parity: int) -> torch.Tensor:
    """1 where (row + column + parity) is even: the variables that pass unchanged."""
    rows, cols = torch.meshgrid(torch.arange(h), torch.arange(w), indexing="ij")
    return ((rows + cols + parity) % 2 == 0).float()[None, None]


class ActNorm(nn.Module):
    """y = (x + b) * exp(log_s) per channel; b and log_s set on the first training batch so that y has zero
    mean and unit variance per channel (Glow, section 3.1), then learned."""

    def __init__(self, channels: int):
        super().__init__()
        self.bias = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.log_scale = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.register_buffer("initialized", torch.zeros((), dtype=torch.bool))

    @torch.no_grad()
    def _initialize(self, x: torch.Tensor) -> None:
        self.bias.copy_(-x.mean(dim=(0, 2, 3), keepdim=True))
        self.log_scale.copy_(-x.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-6).log())
        self.initialized.fill_(True)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.training and not self.initialized:
            self._initialize(x)
        logdet = self.log_scale.sum() * x.shape[2] * x.shape[3]
        return (x + self.bias) * self.log_scale.exp(), logdet.expand(len(x))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return y * (-self.log_scale).exp() - self.bias


class InvertibleConv1x1(nn.Module):
    """y = W x at every pixel; log-det = H * W * log|det W|. W starts as a random rotation. The channel
    counts here are 4 and 8, so the plain determinant and inverse cost nothing next to the convolutions
    (Glow's LU form pays off at hundreds of channels)."""

    def __init__(self, channels: int, generator: torch.Generator):
        super().__init__()
        q, _ = torch.linalg.qr(torch.randn(channels, channels, generator=generator))
        self.weight = nn.Parameter(q)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logdet = torch.linalg.slogdet(self.weight)[1] * x.shape[2] * x.shape[3]
        return F.conv2d(x, self.weight[:, :, None, None]), logdet.expand(len(x))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        inverse = torch.linalg.inv(self.weight.double()).to(y.dtype)  # in float64: the round trip stays near 1e-6
        return F.conv2d(y, inverse[:, :, None, None])


class CouplingNet(nn.Module):
    """The conditioner: 3x3 conv -> ReLU -> 1x1 conv -> ReLU -> 3x3 conv to (log-scale, shift) per output
    channel (Glow's NN()). The last conv starts at zero, so every coupling starts as the identity."""

    def __init__(self, in_channels: int, out_channels: int, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(in_channels, hidden, 3, padding=1), nn.ReLU(),
            nn.Conv2d(hidden, hidden, 1), nn.ReLU(),
            nn.Conv2d(hidden, 2 * out_channels, 3, padding=1))
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw_scale, shift = self.net(x).chunk(2, dim=1)
        return raw_scale, shift


class AffineCoupling(nn.Module):
    """y_b = x_b * exp(s(x_a)) + t(x_a), y_a = x_a. The log-scale is a learned multiple of tanh (RealNVP),
    which keeps early training from blowing up a scale."""

    def __init__(self, channels: int, hidden: int, mask: str, parity: int = 0, size: int = 28):
        super().__init__()
        self.mask_kind = mask
        if mask == "checkerboard":
            self.register_buffer("mask", checkerboard(size, size, parity), persistent=False)
            self.net = CouplingNet(channels + 1, channels, hidden)  # sees the masked input and the mask itself
            out = channels
        else:  # "channel": the first half conditions the second (a 1x1 conv before it mixes the halves)
            self.net = CouplingNet(channels // 2, channels - channels // 2, hidden)
            out = channels - channels // 2
        self.scale = nn.Parameter(torch.ones(1, out, 1, 1))

    def _scale_shift(self, x_a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        raw, shift = self.net(x_a)
        return self.scale * torch.tanh(raw), shift

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if self.mask_kind == "checkerboard":
            keep = self.mask.expand(len(x), 1, *x.shape[2:])
            log_s, t = self._scale_shift(torch.cat([x * keep, keep], dim=1))
            log_s, t = log_s * (1 - keep), t * (1 - keep)
            return x * log_s.exp() + t, log_s.flatten(1).sum(1)
        x_a, x_b = x.split([x.shape[1] // 2, x.shape[1] - x.shape[1] // 2], dim=1)
        log_s, t = self._scale_shift(x_a)
        return torch.cat([x_a, x_b * log_s.exp() + t], dim=1), log_s.flatten(1).sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        if self.mask_kind == "checkerboard":
            keep = self.mask.expand(len(y), 1, *y.shape[2:])
            log_s, t = self._scale_shift(torch.cat([y * keep, keep], dim=1))
            log_s, t = log_s * (1 - keep), t * (1 - keep)
            return (y - t) * (-log_s).exp()
        y_a, y_b = y.split([y.shape[1] // 2, y.shape[1] - y.shape[1] // 2], dim=1)
        log_s, t = self._scale_shift(y_a)
        return torch.cat([y_a, (y_b - t) * (-log_s).exp()], dim=1)
