"""Two ways to give a point x of the plane a score, grad_x log p(x), without ever normalizing p.

- "ncsn": a noise-conditional score network s_theta(x, sigma) (Song & Ermon 2019), one network for every
  noise level sigma_1 > ... > sigma_L of a geometric ladder. Its output is divided by sigma (Song & Ermon
  2020, technique 3): the score of data blurred by N(0, sigma^2) has size ~ 1 / sigma, and the network
  then learns a quantity of order one at every level.
- "ebm": an energy E_theta(x), p(x) ∝ exp(-E(x)), whose score is -grad_x E (Du & Mordatch 2019). One
  level only: the energy is the model of the data itself, and its gradient is the score at every x.
"""

from dataclasses import dataclass

import torch
from torch import nn

KINDS = ("ncsn", "ebm")


@dataclass(frozen=True)
class ScoreConfig:
    kind: str  # "ncsn" or "ebm"
    toy: str  # the models.data toy it was trained on (the page draws that data behind its arrows)
    sigmas: tuple[float, ...]  # the noise levels, noisiest first; an EBM has one nominal level (its Langevin scale)
    hidden: int = 128
    depth: int = 3

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind: {self.kind!r} is not one of {KINDS}")
        if not self.sigmas or any(not s > 0 for s in self.sigmas) or list(self.sigmas) != sorted(self.sigmas, reverse=True):
            raise ValueError(f"sigmas: expected positive levels, noisiest first, got {self.sigmas}")
        if self.kind == "ebm" and len(self.sigmas) != 1:
            raise ValueError("sigmas: an energy model has one level")


def _mlp(inputs: int, outputs: int, hidden: int, depth: int) -> nn.Sequential:
    """SiLU, not ReLU: the EBM's score is the network's gradient, which must be smooth to be a field."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Linear(inputs if i == 0 else hidden, hidden), nn.SiLU()]
    return nn.Sequential(*layers, nn.Linear(hidden, outputs))


class Score2D(nn.Module):
    """s(x, sigma) for either kind: what the sampler, the field and the training all call."""

    def __init__(self, config: ScoreConfig):
        super().__init__()
        self.config = config
        self.net = _mlp(2 if config.kind == "ebm" else 3, 1 if config.kind == "ebm" else 2, config.hidden, config.depth)
        # from the card, not the weights file (stored as float16 there, 0.1 would come back as 0.09998)
        self.register_buffer("sigmas", torch.tensor(config.sigmas, dtype=torch.float32), persistent=False)

    @property
    def is_energy(self) -> bool:
        return self.config.kind == "ebm"

    def energy(self, x: torch.Tensor) -> torch.Tensor:
        """E_theta(x), shape (n,): an EBM's only output (lower is more probable)."""
        if not self.is_energy:
            raise ValueError("a noise-conditional score network has no energy")
        return self.net(x).squeeze(-1)

    def score(self, x: torch.Tensor, sigma: float | torch.Tensor) -> torch.Tensor:
        """grad_x log p_sigma(x), shape (n, 2). An EBM ignores sigma: -grad_x E by autograd, also where the caller
        runs under no_grad or inference_mode (the server's work does), detached (contrastive divergence does
        not differentiate through its negatives' sampling)."""
        if self.is_energy:
            with torch.inference_mode(False), torch.enable_grad():
                x = x.detach().clone().requires_grad_(True)  # a clone made here is an ordinary tensor
                (grad,) = torch.autograd.grad(self.energy(x).sum(), x)
            return -grad
        sigma = torch.as_tensor(sigma, dtype=x.dtype, device=x.device).expand(len(x))
        return self.net(torch.cat([x, sigma.log()[:, None]], dim=1)) / sigma[:, None]

    def network_evaluations(self, operation: str) -> int:
        """Priced per request by the route (levels x steps); one pass for a field."""
        return 1
