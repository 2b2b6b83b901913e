"""Tiny MLPs for 2-D models, seeded initialisation for any lab network, and the optimizer factory.

nn.Linear and the conv layers initialise from torch's global RNG; a lab session must not depend on it
(two sessions in one worker would change each other's weights), so every parameter is redrawn from the
given generator."""

import math

import torch
from torch import nn

SEEDED = (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)


def seeded_init_(module: nn.Module, g: torch.Generator) -> nn.Module:
    """Redraw every Linear and conv layer as PyTorch's default does (U(-1/sqrt(fan_in), 1/sqrt(fan_in))), from `g`.

    fan_in is weight[0].numel() for all three: in_features, in_channels * k * k, and for a transposed
    conv (whose weight is (in, out, k, k)) out_channels * k * k, as torch's own init computes it."""
    with torch.no_grad():
        for layer in module.modules():
            if isinstance(layer, SEEDED):
                bound = 1 / math.sqrt(layer.weight[0].numel())
                layer.weight.copy_((torch.rand(layer.weight.shape, generator=g) * 2 - 1) * bound)
                if layer.bias is not None:
                    layer.bias.copy_((torch.rand(layer.bias.shape, generator=g) * 2 - 1) * bound)
    return module


def mlp(in_dim: int, out_dim: int, g: torch.Generator, width: int = 64, depth: int = 3,
        act: type[nn.Module] = nn.SiLU) -> nn.Sequential:
    """in_dim -> (width, act) x depth -> out_dim."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(in_dim if i == 0 else width, width), act()]
    layers.append(nn.Linear(width, out_dim))
    return seeded_init_(nn.Sequential(*layers), g)


def make_optimizer(kind: str, params, lr: float, betas: tuple[float, float] = (0.9, 0.999)) -> torch.optim.Optimizer:
    """Adam (Kingma & Ba 2015) or plain SGD; the choice is a lab control."""
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lr)
    return torch.optim.Adam(params, lr=lr, betas=betas)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Change the learning rate in place, keeping Adam's moment estimates."""
    for group in optimizer.param_groups:
        group["lr"] = lr


def trained_networks(model) -> nn.ModuleDict:
    """A lab model's networks (its nn.Module attributes: generator, encoder, layers, net, ...) as one module:
    what a lab-only export saves and what reopening it loads."""
    return nn.ModuleDict({name: value for name, value in vars(model).items() if isinstance(value, nn.Module)})
