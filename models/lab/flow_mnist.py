"""A normalizing flow on the MNIST digits that learns visibly in a minute on one thread: RealNVP couplings
(Dinh et al. 2017) on the digits' leading principal components, and a fixed Gaussian on the rest.

Why not the registry's Glow-style flow (models/flow): measured on one thread beside a training run, a
40k-parameter one reached 1.79 bits/dim after 600 steps (4.5 minutes) and still drew isolated bright specks.
Pixels are the hard coordinates for a flow; the principal components of the digits are easy ones.

The map from a dequantized image x in [0, 1]^784 to the latent is a flow over all 784 dimensions:
  c = V (x - mu)               the train split's principal axes V (orthogonal: log |det| = 0), mean mu
  top K: u = c_1:K / s         one fixed scale s (the RMS of those K coefficients), then
         z = couplings(u * exp(-a))   a learned per-component log-scale a (the flow learns which components
                                      matter) and `layers` affine couplings, each moving a random half
  rest:  c_j ~ N(0, v_j)       the component's variance on the train split plus the dequantization noise's
                               1/(12 * 256^2): fitted once, not trained
so log p(x) is exact (change of variables), reported as bits per dimension of the 8-bit image (+8 bits for
the 1/256 bins). Sampling runs the couplings backwards from z ~ N(0, I_K); the grid draws the other 784 - K
components at their mean, 0 (at K = 64 they hold about 20% of the variance, spread as pixel noise).
At step 0 the couplings are the identity and a = 0: every leading component has the same spread, and the
grid shows tangles; within about a minute (4,000 steps in 66 s on one thread) they are digit shapes."""

import functools
import math
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn

from models.data import load_digits
from models.lab.nets import mlp
from models.lab.params import Range, Spec

PIXELS = 28 * 28
LEVELS = 256  # 8-bit pixels: a dequantized image lives in bins of width 1/256
DEQUANTIZATION_VARIANCE = 1 / (12 * LEVELS**2)  # of U(0, 1/256) noise


@functools.cache
def principal_axes() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The mean (784,) of the train split as training dequantizes it, its principal axes as rows (784, 784) by
    falling variance, and each axis's variance (784,) with the dequantization noise's. Each axis's largest
    entry is made positive, so the axes (and a seed's samples) do not depend on the eigen-solver's signs."""
    x = load_digits("train").images.view(-1, PIXELS).double() * (LEVELS - 1) / LEVELS  # bin's lower edge
    mean = x.mean(0) + 0.5 / LEVELS  # + the noise's mean
    variance, axes = torch.linalg.eigh(torch.cov(x.T))  # ascending, axes as columns
    variance, axes = variance.flip(0).clamp_min(0), axes.flip(1).T
    signs = axes.gather(1, axes.abs().argmax(1, keepdim=True)).sign()
    return mean.float(), (axes * signs).float(), (variance + DEQUANTIZATION_VARIANCE).float()


class MaskedCoupling(nn.Module):
    """y = x on the mask; y = x * exp(s) + t off it, with (s, t) a function of the masked part (Dinh et al. 2017)."""

    def __init__(self, mask: torch.Tensor, width: int, g: torch.Generator):
        super().__init__()
        self.register_buffer("mask", mask)
        self.net = mlp(len(mask), 2 * len(mask), g, width=width, depth=2)
        with torch.no_grad():  # start as the identity, as Glow does (Kingma & Dhariwal 2018)
            self.net[-1].weight.zero_()
            self.net[-1].bias.zero_()

    def _scale_shift(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(x * self.mask).chunk(2, dim=1)
        moved = 1 - self.mask
        return 2 * torch.tanh(s / 2) * moved, t * moved  # tanh bounds exp(s) under a too-high learning rate

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Data side -> noise side, and log |det J| per row."""
        s, t = self._scale_shift(x)
        return x * s.exp() + t, s.sum(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self._scale_shift(y)  # the masked part is unchanged, so s and t are recomputed exactly
        return (y - t) * (-s).exp()


class ComponentScale(nn.Module):
    """u -> u * exp(-a) with a learned log-scale a per component: log |det J| = -sum(a)."""

    def __init__(self, k: int):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(k))

    def forward(self, u: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return u * (-self.log_scale).exp(), -self.log_scale.sum().expand(len(u))

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        return z * self.log_scale.exp()


class FlowMnist:
    PARAMS: ClassVar[dict[str, Spec]] = {
        "lr": Range(2e-3, 1e-5, 1.0),
        "components": Range(64, 8, 256, integer=True),  # K: the principal components the couplings model
        "layers": Range(6, 2, 16, integer=True),
        "width": Range(256, 16, 512, integer=True),
        "batch_size": Range(128, 8, 512, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"components", "layers", "width"}
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)

    def __init__(self, hp: dict, g: torch.Generator):
        self.latent_dim = k = hp["components"]
        mean, axes, variance = principal_axes()
        self.mean, self.axes, self.rest_variance = mean, axes, variance[k:]
        self.scale = float(variance[:k].mean().sqrt())
        self.component_scale = ComponentScale(k)
        masks = [(torch.randperm(k, generator=g) < k // 2).float() for _ in range(hp["layers"])]
        self.layers = nn.ModuleList(MaskedCoupling(mask, hp["width"], g) for mask in masks)

    def param_groups(self) -> dict:
        return {"net": ([*self.component_scale.parameters(), *self.layers.parameters()], "lr")}

    def latent(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Images (B, 784) in [0, 1] -> the couplings' output z (B, K), their log |det| (B,), and the other
        784 - K principal coefficients (B, 784 - K)."""
        c = (x - self.mean) @ self.axes.T
        k = self.latent_dim
        z, log_det = self.component_scale(c[:, :k] / self.scale)
        log_det = log_det - k * math.log(self.scale)
        for layer in self.layers:
            z, ld = layer(z)
            log_det = log_det + ld
        return z, log_det, c[:, k:]

    def log_prob(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Exact log density of images (B, 784) in [0, 1] (module docstring), in nats, shape (B,); and the part
        of it the couplings model, the log density of the K leading coefficients, shape (B,)."""
        z, log_det, rest = self.latent(x)
        log_top = -0.5 * (z.pow(2).sum(1) + self.latent_dim * math.log(2 * math.pi)) + log_det
        log_rest = -0.5 * (rest.pow(2) / self.rest_variance + (2 * math.pi * self.rest_variance).log()).sum(1)
        return log_top + log_rest, log_top

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        """Maximum likelihood on uniformly dequantized digits (Theis et al. 2016), the noise drawn from `g`.

        Logs the exact bits per dimension of the 8-bit image (the continuous density's bits, plus 8 for the
        1/256 bin) and the nats per leading component: the fixed Gaussian on the other 784 - K components
        keeps bpd high (about 5.3, where the pixel flow flow-mnist reaches 1.36); the component figure is
        the part training moves."""
        x = draw(hp["batch_size"]).view(-1, PIXELS)
        x = (x * (LEVELS - 1) + torch.rand(x.shape, generator=g)) / LEVELS
        log_p, log_top = self.log_prob(x)
        bpd = -log_p.mean() / (PIXELS * math.log(2)) + math.log2(LEVELS)
        opts["net"].zero_grad(set_to_none=True)
        bpd.backward()
        opts["net"].step()
        return {"bpd": bpd.item(), "component_nll": -log_top.mean().item() / self.latent_dim}

    @torch.no_grad()
    def images(self, z: torch.Tensor) -> torch.Tensor:
        """The couplings run backwards from z (B, K), the other components at 0: (B, 1, 28, 28) in [0, 1]."""
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        c = self.component_scale.inverse(z) * self.scale
        return (self.mean + c @ self.axes[: self.latent_dim]).clamp(0, 1).view(-1, 1, 28, 28)
