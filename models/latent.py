"""Paths and grids in a latent space, shared by every family with a latent (VAE, GAN, flow)."""

import torch


def lerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Straight line from a to b, (steps, D)."""
    t = torch.linspace(0, 1, steps, device=a.device)[:, None]
    return (1 - t) * a + t * b


def slerp(a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Great-circle path (Shoemake 1985; White 2016): keeps the norm a Gaussian prior expects,
    where lerp passes through the low-norm middle that samples never visit. In float32 whatever precision the
    ends were computed in (an encoder run in bf16 and a prior draw in float32: torch.dot takes one dtype)."""
    a, b = a.float(), b.float()
    t = torch.linspace(0, 1, steps, device=a.device)[:, None]
    cos = torch.dot(a / a.norm(), b / b.norm()).clamp(-1, 1)
    omega = torch.arccos(cos)
    if omega.abs() < 1e-4:
        return lerp(a, b, steps)
    return (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)


INTERPOLATIONS = {"lerp": lerp, "slerp": slerp}


def traverse(z: torch.Tensor, dim: int, span: float, steps: int) -> torch.Tensor:
    """Copies of z with coordinate `dim` swept over [-span, span], (steps, D)."""
    path = z.repeat(steps, 1)
    path[:, dim] = torch.linspace(-span, span, steps, device=z.device)
    return path


def plane_grid(grid: int, extent: float, latent_dim: int, dims: tuple[int, int] = (0, 1)) -> torch.Tensor:
    """A grid x grid sweep of two latent axes over [-extent, extent]^2 (others 0), row-major with
    y decreasing downwards so the picture reads like a plot, (grid*grid, D)."""
    axis = torch.linspace(-extent, extent, grid)
    ys, xs = torch.meshgrid(axis.flip(0), axis, indexing="ij")
    z = torch.zeros(grid * grid, latent_dim)
    z[:, dims[0]] = xs.flatten()
    z[:, dims[1]] = ys.flatten()
    return z
