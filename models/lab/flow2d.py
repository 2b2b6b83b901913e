"""A RealNVP flow on 2-D points (Dinh et al. 2017): affine coupling layers that alternate which coordinate moves.

Layer k keeps x_a and maps x_b -> x_b * exp(s(x_a)) + t(x_a), with a = k mod 2; log |det J| = s(x_a).
log p(x) = log N(f(x); 0, I) + sum of the layers' log-dets, maximised directly (exact likelihood). Samples
run the inverse: z ~ N(0, I) through the layers backwards. s is bounded by tanh so a high learning rate
hurts the fit instead of overflowing exp."""

import math
from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn

from models.lab.grid import LATENT_VIEW, View, rounded
from models.lab.nets import mlp
from models.lab.params import Range, Spec


class Coupling(nn.Module):
    def __init__(self, moved: int, width: int, g: torch.Generator):
        super().__init__()
        self.moved, self.kept = moved, 1 - moved
        self.net = mlp(1, 2, g, width=width, depth=2)  # x_kept -> (s, t)

    def _scale_shift(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(x[:, self.kept : self.kept + 1]).chunk(2, dim=1)
        return 2 * torch.tanh(s / 2), t  # (B, 1) each

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """data side -> noise side, and log |det| per point."""
        s, t = self._scale_shift(x)
        y = x.clone()
        y[:, self.moved : self.moved + 1] = x[:, self.moved : self.moved + 1] * s.exp() + t
        return y, s.squeeze(1)

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        s, t = self._scale_shift(y)  # the kept coordinate is unchanged, so s and t are recomputed exactly
        x = y.clone()
        x[:, self.moved : self.moved + 1] = (y[:, self.moved : self.moved + 1] - t) * (-s).exp()
        return x


class Flow2D:
    PARAMS: ClassVar[dict[str, Spec]] = {
        "lr": Range(2e-3, 1e-5, 1.0),
        "layers": Range(6, 2, 16, integer=True),
        "width": Range(64, 8, 256, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"layers", "width"}
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)

    def __init__(self, hp: dict, g: torch.Generator):
        self.layers = nn.ModuleList(Coupling(k % 2, hp["width"], g) for k in range(hp["layers"]))

    def param_groups(self) -> dict:
        return {"net": (self.layers.parameters(), "lr")}

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact log p(x) by the change of variables (Dinh et al. 2017, eq. 3), shape (B,)."""
        log_det = torch.zeros(len(x))
        for layer in self.layers:
            x, ld = layer(x)
            log_det = log_det + ld
        return -0.5 * x.pow(2).sum(1) - math.log(2 * math.pi) + log_det

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        nll = -self.log_prob(draw(hp["batch_size"])).mean()
        opts["net"].zero_grad(set_to_none=True)
        nll.backward()
        opts["net"].step()
        return {"nll": nll.item()}

    @torch.no_grad()
    def _generate(self, z: torch.Tensor) -> torch.Tensor:
        for layer in reversed(self.layers):
            z = layer.inverse(z)
        return z

    def sample(self, n: int, hp: dict, g: torch.Generator) -> torch.Tensor:
        return self._generate(torch.randn(n, 2, generator=g))

    @torch.no_grad()
    def extras(self, view: View, hp: dict, g: torch.Generator, data: torch.Tensor) -> dict:
        """The density p(x) on the grid, and a 16x16 grid of z in [-2.5, 2.5]^2 pushed to data space (warped grid)."""
        k = 16
        return {
            "density": rounded(view.as_rows(self.log_prob(view.points()).exp())),
            "warped_grid": rounded(LATENT_VIEW.as_rows(self._generate(LATENT_VIEW.points(k)), k)),
        }
