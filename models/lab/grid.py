"""The square window a frame is drawn in, and its evaluation grid (row i = y_i, column j = x_j, y rising)."""

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class View:
    low: float
    high: float
    size: int = 32  # cells per side of heat maps

    def axis(self, n: int | None = None) -> torch.Tensor:
        return torch.linspace(self.low, self.high, n or self.size)

    def points(self, n: int | None = None) -> torch.Tensor:
        """(n*n, 2) grid points, row-major: point i*n + j is (axis[j], axis[i])."""
        a = self.axis(n)
        y, x = torch.meshgrid(a, a, indexing="ij")
        return torch.stack([x.flatten(), y.flatten()], dim=1)

    def as_rows(self, values: torch.Tensor, n: int | None = None) -> torch.Tensor:
        """(n*n,) or (n*n, d) values at `points(n)` -> (n, n) or (n, n, d): [row][column]."""
        n = n or self.size
        return values.reshape(n, n, *values.shape[1:])

    def describe(self) -> dict:
        return {"low": self.low, "high": self.high, "size": self.size}


LATENT_VIEW = View(-2.5, 2.5)  # where latent grids are laid out: +-2.5 standard deviations of N(0, I)


def latent_grid(latent_dim: int, k: int = 12) -> torch.Tensor:
    """(k*k, latent_dim): a k x k grid over LATENT_VIEW in the first two latent axes, the others at 0."""
    z = torch.zeros(k * k, latent_dim)
    used = min(2, latent_dim)
    z[:, :used] = LATENT_VIEW.points(k)[:, :used]
    return z


def view_of(data: torch.Tensor, margin: float = 0.5, at_least: float = 3.0) -> View:
    """A window holding the data with a margin; never smaller than [-at_least, at_least]^2, so toys share one."""
    reach = max(at_least, data.abs().max().item() + margin)
    return View(-round(reach, 2), round(reach, 2))


def rounded(x: torch.Tensor, digits: int = 4) -> list:
    """Tensor -> nested lists of floats rounded for a compact frame."""
    return torch.round(x.detach().float(), decimals=digits).tolist()
