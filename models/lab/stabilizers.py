"""Two fixes for mode collapse that change the game rather than the loss: minibatch discrimination and unrolling.

Minibatch discrimination (Salimans et al. 2016, sec. 3.2): a collapsed generator puts every sample of a
batch in one place, which no single-sample discriminator can see. Here D also measures how close each
sample is to the rest of its batch: its features f(x_i) go through a tensor T to B rows M_i,b of C numbers,
and o(x_i)_b = mean_j exp(-||M_i,b - M_j,b||_1) over the other samples j joins f(x_i) before D's last
layer. A batch of near-copies gets o near 1 on every row, real batches do not, so D can tell a collapsed G
apart and G is pushed to spread out. (Salimans et al. sum over j; the mean keeps o's scale independent of
the batch size, which the lab lets a student change.)

Unrolled GAN (Metz et al. 2017): G is trained against the discriminator D would become after k more of
its own updates, f_K(theta_G, theta_D) (their eq. 5), with the gradient taken through those updates. A
generator that jumps onto one mode is then scored by a D that has already reacted to the jump, so the jump
no longer pays. The k updates are Adam steps from D's current moment estimates, as in Metz et al.'s
experiments, written out so autograd can differentiate through them; D itself is not changed by them."""

from collections.abc import Callable

import torch
from torch import nn
from torch.func import functional_call

from models.lab.nets import seeded_init_

KERNEL_DIM = 5  # C, the length of each row M_i,b (Salimans et al. use 5 for CIFAR-10 as well)


class MinibatchDiscriminator(nn.Module):
    """x -> features f(x) -> [f(x), o(x)] -> score, where o(x) compares x with the other samples of its batch."""

    def __init__(self, in_dim: int, width: int, kernels: int, g: torch.Generator):
        super().__init__()
        self.features = nn.Sequential(nn.Linear(in_dim, width), nn.SiLU(), nn.Linear(width, width), nn.SiLU(),
                                      nn.Linear(width, width), nn.SiLU())
        self.T = nn.Linear(width, kernels * KERNEL_DIM, bias=False)
        self.head = nn.Linear(width + kernels, 1)
        self.kernels = kernels
        seeded_init_(self, g)

    def forward(self, x: torch.Tensor, reference: torch.Tensor | None = None) -> torch.Tensor:
        """Scores (B, 1). Each sample is compared with the rest of `x`, or with `reference` when given (a
        point scored on its own, e.g. a picture's grid, is judged as if it had joined that batch)."""
        f = self.features(x)
        m = self._rows(f)
        if reference is None:
            closeness = torch.exp(-torch.cdist(m, m, p=1))  # (kernels, B, B), 1 on the diagonal
            o = (closeness.sum(2) - 1) / max(len(x) - 1, 1)
        else:
            o = torch.exp(-torch.cdist(m, self._rows(self.features(reference)), p=1)).mean(2)
        return self.head(torch.cat([f, o.T], dim=1))

    def _rows(self, f: torch.Tensor) -> torch.Tensor:
        """M: (kernels, B, C), one (B, C) matrix per kernel b, so cdist gives every pair's L1 distance per kernel."""
        return self.T(f).view(len(f), self.kernels, KERNEL_DIM).transpose(0, 1)


def unrolled_critic(discriminator: nn.Module, optimizer: torch.optim.Optimizer, d_objective: Callable,
                    steps: int) -> Callable[[torch.Tensor], torch.Tensor]:
    """D after `steps` differentiable updates on `d_objective(score)` (a fresh D loss each call, fakes
    attached to G's graph), as a score function x -> (B,) for G's loss.

    The updates follow `optimizer`: Adam from its current moments and step count (SGD when it has none)."""
    names = [name for name, _ in discriminator.named_parameters()]
    params = [p for _, p in discriminator.named_parameters()]
    group = optimizer.param_groups[0]
    lr = group["lr"]
    adam = "betas" in group
    state = [optimizer.state.get(p, {}) for p in params]
    m = [s["exp_avg"].clone() if "exp_avg" in s else torch.zeros_like(p) for s, p in zip(state, params)]
    v = [s["exp_avg_sq"].clone() if "exp_avg_sq" in s else torch.zeros_like(p) for s, p in zip(state, params)]
    t = int(state[0].get("step", 0)) if state[0] else 0

    def score_with(weights: list[torch.Tensor]) -> Callable[[torch.Tensor], torch.Tensor]:
        return lambda x: functional_call(discriminator, dict(zip(names, weights)), (x,)).squeeze(1)

    weights = params
    for _ in range(steps):
        grads = torch.autograd.grad(d_objective(score_with(weights)), weights, create_graph=True)
        if adam:
            (b1, b2), eps, t = group["betas"], group["eps"], t + 1
            m = [b1 * mi + (1 - b1) * gi for mi, gi in zip(m, grads)]
            v = [b2 * vi + (1 - b2) * gi * gi for vi, gi in zip(v, grads)]
            weights = [w - lr * (mi / (1 - b1 ** t)) / ((vi / (1 - b2 ** t) + 1e-16).sqrt() + eps)
                       for w, mi, vi in zip(weights, m, v)]
        else:
            weights = [w - lr * gi for w, gi in zip(weights, grads)]
    return score_with(weights)
