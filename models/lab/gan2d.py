"""A GAN on 2-D points (Goodfellow et al. 2014): an MLP generator z -> x and an MLP discriminator x -> score.

Losses: minimax (the original min-max game, which saturates when D wins), non-saturating (G maximises
log D(G(z)), Goodfellow 2014 sec. 3), WGAN-GP (a critic with a gradient penalty, Gulrajani et al. 2017) and
hinge (Lim & Ye 2017, Miyato et al. 2018). d_steps : g_steps is the D:G update ratio the lab lets you skew.
On 2-D points two more fixes for mode collapse can be switched on (stabilizers.py): minibatch discrimination
(minibatch_kernels > 0, Salimans et al. 2016) and an unrolled discriminator (unroll_steps > 0, Metz et al. 2017)."""

from collections.abc import Callable
from typing import ClassVar

import torch
import torch.nn.functional as F

from models.lab.grid import LATENT_VIEW, View, latent_grid, rounded
from models.lab.nets import mlp
from models.lab.params import Choice, Range, Spec
from models.lab.stabilizers import MinibatchDiscriminator, unrolled_critic

LOSSES = ("minimax", "nonsaturating", "wgan-gp", "hinge")


def _d_bce(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.softplus(-real).mean() + F.softplus(fake).mean()  # -log D(x) - log(1 - D(G(z)))


def _d_hinge(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


def _d_wasserstein(real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    return fake.mean() - real.mean()  # minus the critic's estimate of W(p_data, p_G)


D_LOSS = {"minimax": _d_bce, "nonsaturating": _d_bce, "wgan-gp": _d_wasserstein, "hinge": _d_hinge}
G_LOSS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "minimax": lambda fake: -F.softplus(fake).mean(),  # min log(1 - D(G(z)))
    "nonsaturating": lambda fake: F.softplus(-fake).mean(),  # min -log D(G(z))
    "wgan-gp": lambda fake: -fake.mean(),
    "hinge": lambda fake: -fake.mean(),
}


# What every lab GAN lets a student change about the game itself (2-D and MNIST alike).
GAME_PARAMS: dict[str, Spec] = {
    "loss": Choice("nonsaturating", LOSSES),
    "lr_g": Range(1e-3, 1e-5, 0.5),
    "lr_d": Range(1e-3, 1e-5, 0.5),
    "d_steps": Range(1, 1, 10, integer=True),
    "g_steps": Range(1, 1, 10, integer=True),
}


class Gan2D:
    PARAMS: ClassVar[dict[str, Spec]] = {
        **GAME_PARAMS,
        "latent_dim": Range(2, 1, 16, integer=True),
        "gp_weight": Range(0.1, 0.0, 100.0),
        "width": Range(64, 8, 256, integer=True),
        "minibatch_kernels": Range(0, 0, 32, integer=True),  # B of minibatch discrimination; 0 = off
        "unroll_steps": Range(0, 0, 10, integer=True),  # k of the unrolled GAN; 0 = G plays against D as it is
    }
    REBUILD: ClassVar[set[str]] = {"latent_dim", "width", "minibatch_kernels"}  # changing these builds fresh networks
    BETAS: ClassVar[tuple[float, float]] = (0.5, 0.9)  # the usual GAN Adam betas (Radford et al. 2016; Gulrajani et al. 2017)

    def __init__(self, hp: dict, g: torch.Generator):
        self.latent_dim = hp["latent_dim"]
        self.generator = mlp(self.latent_dim, 2, g, width=hp["width"])
        kernels = hp["minibatch_kernels"]
        self.discriminator = MinibatchDiscriminator(2, hp["width"], kernels, g) if kernels else mlp(2, 1, g, width=hp["width"])

    def param_groups(self) -> dict:
        return {"d": (self.discriminator.parameters(), "lr_d"), "g": (self.generator.parameters(), "lr_g")}

    def _fake(self, n: int, g: torch.Generator) -> torch.Tensor:
        return self.generator(torch.randn(n, self.latent_dim, generator=g))

    def _score(self, x: torch.Tensor) -> torch.Tensor:
        return self.discriminator(x).squeeze(1)  # (B,)

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        def fake(n: int) -> torch.Tensor:
            return self._fake(n, g)

        def unrolled() -> Callable[[torch.Tensor], torch.Tensor]:
            return unrolled_critic(self.discriminator, opts["d"],
                                   lambda score: d_objective(score, draw(hp["batch_size"]), fake(hp["batch_size"]), hp, g),
                                   hp["unroll_steps"])

        return adversarial_step(fake, self._score, draw, hp, opts, g, g_critic=unrolled if hp["unroll_steps"] else None)

    @torch.no_grad()
    def sample(self, n: int, hp: dict, g: torch.Generator) -> torch.Tensor:
        return self._fake(n, g)

    @torch.no_grad()
    def extras(self, view: View, hp: dict, g: torch.Generator, data: torch.Tensor) -> dict:
        """D's surface on the grid (p(real) for the BCE losses, the raw score otherwise) and G's map of a z grid."""
        if hp["minibatch_kernels"]:  # each grid point judged as if it had joined a batch of G's samples
            score = self.discriminator(view.points(), reference=self._fake(hp["batch_size"], g)).squeeze(1)
        else:
            score = self.discriminator(view.points()).squeeze(1)
        bce = hp["loss"] in ("minimax", "nonsaturating")
        return {
            "decision": rounded(view.as_rows(torch.sigmoid(score) if bce else score)),
            "decision_kind": "p(real)" if bce else "critic score (higher = more real)",
            "z_grid": rounded(LATENT_VIEW.as_rows(self.generator(latent_grid(self.latent_dim)), 12)),  # [row][col] -> G(z)
        }


def gradient_penalty(score: Callable, real: torch.Tensor, fake: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """E[(||grad D(x_hat)|| - 1)^2] on random interpolates x_hat (Gulrajani et al. 2017, eq. 3); points or images."""
    eps = torch.rand(len(real), *[1] * (real.dim() - 1), generator=g)
    x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
    grad, = torch.autograd.grad(score(x_hat).sum(), x_hat, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()


def d_objective(score: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor, fakes: torch.Tensor, hp: dict,
                g: torch.Generator) -> torch.Tensor:
    """D's loss on one real and one fake batch, with the gradient penalty when the loss is WGAN-GP."""
    d_loss = D_LOSS[hp["loss"]](score(real), score(fakes))
    if hp["loss"] == "wgan-gp":
        d_loss = d_loss + hp["gp_weight"] * gradient_penalty(score, real, fakes, g)
    return d_loss


def adversarial_step(fake: Callable[[int], torch.Tensor], score: Callable[[torch.Tensor], torch.Tensor],
                     draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator,
                     g_critic: Callable[[], Callable[[torch.Tensor], torch.Tensor]] | None = None) -> dict:
    """d_steps discriminator updates on fresh batches, then g_steps generator updates (any GAN of the lab).

    `fake(n)` draws n samples of G, `score(x)` is D's score per sample, (B,). `g_critic()`, when given,
    makes the score G's loss is computed with for its next update (an unrolled D); by default D's own."""
    n = hp["batch_size"]
    for _ in range(hp["d_steps"]):
        d_loss = d_objective(score, draw(n), fake(n).detach(), hp, g)
        opts["d"].zero_grad(set_to_none=True)
        d_loss.backward()
        opts["d"].step()
    generator_params = [p for group in opts["g"].param_groups for p in group["params"]]
    for _ in range(hp["g_steps"]):
        critic = g_critic() if g_critic else score
        g_loss = G_LOSS[hp["loss"]](critic(fake(n)))
        opts["g"].zero_grad(set_to_none=True)
        g_loss.backward(inputs=generator_params)  # D's gradients are D's own update's business
        opts["g"].step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item()}
