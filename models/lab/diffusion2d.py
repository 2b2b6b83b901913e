"""Diffusion on 2-D points (Ho et al. 2020): an MLP predicts the noise eps in x_t = sqrt(ab_t) x_0 + sqrt(1 - ab_t) eps.

The schedules and the Gaussian posterior algebra are genlab's own (models/diffusion); only the network is
new: an MLP on (x_t, t/T), so changing T or the schedule mid-run needs no new weights. Samples come from
DDPM's ancestral sampler over all T steps, without the image sampler's clipping to [-1, 1]."""

from collections import deque
from collections.abc import Callable
from typing import ClassVar

import torch

from models.diffusion.posterior import posterior, predict_x0
from models.diffusion.schedules import SCHEDULES, schedule_alpha_bar
from models.lab.grid import View, rounded
from models.lab.nets import mlp
from models.lab.params import Choice, Range, Spec


class Diffusion2D:
    PARAMS: ClassVar[dict[str, Spec]] = {
        "lr": Range(1e-3, 1e-5, 1.0),
        "timesteps": Range(100, 2, 1000, integer=True),
        "schedule": Choice("linear", tuple(SCHEDULES)),
        "width": Range(128, 8, 256, integer=True),
    }
    REBUILD: ClassVar[set[str]] = {"width"}
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)

    def __init__(self, hp: dict, g: torch.Generator):
        self.net = mlp(3, 2, g, width=hp["width"])

    def param_groups(self) -> dict:
        return {"net": (self.net.parameters(), "lr")}

    def _eps(self, x_t: torch.Tensor, t: torch.Tensor, T: int) -> torch.Tensor:
        return self.net(torch.cat([x_t, (t.float() / T)[:, None]], dim=1))

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        """L_simple = E ||eps - eps_theta(x_t, t)||^2 with t uniform (Ho et al. 2020, Algorithm 1, eq. 14)."""
        x0 = draw(hp["batch_size"])
        alpha_bar = _alpha_bar(hp)
        t = torch.randint(0, len(alpha_bar), (len(x0),), generator=g)
        eps = torch.randn(x0.shape, generator=g)
        ab = alpha_bar[t][:, None]
        loss = (self._eps(ab.sqrt() * x0 + (1 - ab).sqrt() * eps, t, len(alpha_bar)) - eps).pow(2).mean()
        opts["net"].zero_grad(set_to_none=True)
        loss.backward()
        opts["net"].step()
        return {"loss": loss.item()}

    @torch.no_grad()
    def _reverse(self, x: torch.Tensor, hp: dict, g: torch.Generator):
        """Ancestral sampling (Ho et al. 2020, Algorithm 2): yields x_{t-1} for t = T-1 ... 0, x_T being `x`."""
        alpha_bar = _alpha_bar(hp)
        for t in range(len(alpha_bar) - 1, -1, -1):
            ab_prev = alpha_bar[t - 1] if t > 0 else alpha_bar.new_tensor(1.0)
            eps = self._eps(x, torch.full((len(x),), t), len(alpha_bar))
            mean, var = posterior(predict_x0(x, eps, alpha_bar[t]), x, alpha_bar[t], ab_prev)
            x = mean + var.sqrt() * torch.randn(x.shape, generator=g) if t > 0 else mean
            yield x

    def sample(self, n: int, hp: dict, g: torch.Generator) -> torch.Tensor:
        return deque(self._reverse(torch.randn(n, 2, generator=g), hp, g), maxlen=1)[0]  # the last step: x_0

    @torch.no_grad()
    def extras(self, view: View, hp: dict, g: torch.Generator, data: torch.Tensor) -> dict:
        """The score s(x, t) = -eps_theta / sqrt(1 - ab_t) at t = T/10 on a 12x12 grid, and 8 reverse paths."""
        k, alpha_bar = 12, _alpha_bar(hp)
        t = min(len(alpha_bar) - 1, max(1, len(alpha_bar) // 10))
        eps = self._eps(view.points(k), torch.full((k * k,), t), len(alpha_bar))
        score = -eps / (1 - alpha_bar[t]).sqrt()
        x = torch.randn(8, 2, generator=g)
        path = [x] + list(self._reverse(x, hp, g))
        keep = torch.linspace(0, len(path) - 1, min(len(path), 26)).round().long().unique().tolist()
        return {
            "field": {"t": t, "points": rounded(view.points(k)), "score": rounded(score)},
            "trajectories": rounded(torch.stack([path[i] for i in keep], dim=1)),  # (8, steps kept, 2), x_T first
        }


def _alpha_bar(hp: dict) -> torch.Tensor:
    return schedule_alpha_bar(hp["schedule"], hp["timesteps"])  # (T,)
