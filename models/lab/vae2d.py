"""A beta-VAE on 2-D points (Kingma & Welling 2014; Higgins et al. 2017): MLP encoder q(z|x), MLP decoder p(x|z).

The decoder is Gaussian with a fixed standard deviation OBS_STD, so the loss is
||x - mu_theta(z)||^2 / (2 OBS_STD^2) + beta * KL(q(z|x) || N(0, I)) per point (the negative ELBO up to a
constant when beta = 1). Raise beta far enough and the KL term wins: q(z|x) becomes the prior for every
x, the decoder ignores z and outputs the data mean (posterior collapse) -- the frame's kl_per_dim shows it.

The other road to posterior collapse is a decoder too strong for its latent: with `decoder_mixture` = K > 0
the decoder outputs a mixture of K Gaussians (means, standard deviations and weights, all functions of z),
and the loss is its exact negative log-likelihood. A mixture with as many components as the data has modes
can model p(x) without looking at z, and then the ELBO's best use of z is none at all: any information in
q(z|x) costs KL and buys nothing the decoder cannot get alone (Bowman et al. 2016; Chen et al. 2017,
"Variational Lossy Autoencoder", sec. 2). Samples stay good, and z means nothing."""

import math
from collections.abc import Callable
from typing import ClassVar

import torch
import torch.nn.functional as F

from models.lab.grid import LATENT_VIEW, View, latent_grid, rounded
from models.lab.nets import mlp
from models.lab.params import Range, Spec

OBS_STD = 0.1


# What every lab VAE lets a student change about the objective (2-D and MNIST alike).
OBJECTIVE_PARAMS: dict[str, Spec] = {"lr": Range(2e-3, 1e-5, 1.0), "beta": Range(1.0, 0.0, 1000.0)}


class Vae2D:
    PARAMS: ClassVar[dict[str, Spec]] = {
        **OBJECTIVE_PARAMS,
        "latent_dim": Range(2, 1, 16, integer=True),
        "width": Range(64, 8, 256, integer=True),
        "decoder_mixture": Range(0, 0, 32, integer=True),  # 0: the fixed-sigma Gaussian; K: a K-Gaussian mixture
    }
    REBUILD: ClassVar[set[str]] = {"latent_dim", "width", "decoder_mixture"}
    BETAS: ClassVar[tuple[float, float]] = (0.9, 0.999)

    def __init__(self, hp: dict, g: torch.Generator):
        self.latent_dim = hp["latent_dim"]
        self.encoder = mlp(2, 2 * self.latent_dim, g, width=hp["width"])  # -> (mu, log sigma^2)
        self.components = hp["decoder_mixture"]
        out = 5 * self.components if self.components else 2  # per component: 2 means, 2 log sigmas, 1 logit
        self.decoder = mlp(self.latent_dim, out, g, width=hp["width"])

    def param_groups(self) -> dict:
        return {"net": ([*self.encoder.parameters(), *self.decoder.parameters()], "lr")}

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar.clamp(-12, 6)

    def train_step(self, draw: Callable[[int], torch.Tensor], hp: dict, opts: dict, g: torch.Generator) -> dict:
        """One step on the beta-weighted negative ELBO, with the reparameterisation z = mu + sigma * eps."""
        x = draw(hp["batch_size"])
        mu, logvar = self.encode(x)
        z = mu + (0.5 * logvar).exp() * torch.randn(mu.shape, generator=g)
        recon = self._reconstruction_loss(z, x)
        kl = _kl(mu, logvar).sum(1).mean()
        loss = recon + hp["beta"] * kl
        opts["net"].zero_grad(set_to_none=True)
        loss.backward()
        opts["net"].step()
        return {"loss": loss.item(), "recon": recon.item(), "kl": kl.item()}

    @torch.no_grad()
    def sample(self, n: int, hp: dict, g: torch.Generator) -> torch.Tensor:
        """x = mu_theta(z) + OBS_STD * noise, z ~ N(0, I): samples of the model's p(x), decoder noise included."""
        z = torch.randn(n, self.latent_dim, generator=g)
        if not self.components:
            return self.decoder(z) + OBS_STD * torch.randn(n, 2, generator=g)
        means, log_sigmas, logits = self._mixture(z)
        pick = torch.multinomial(logits.softmax(1), 1, generator=g).squeeze(1)  # (n,) one component per z
        rows = torch.arange(n)
        return means[rows, pick] + log_sigmas[rows, pick].exp() * torch.randn(n, 2, generator=g)

    def _mixture(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """The decoder's mixture for each z: means (n, K, 2), log sigmas (n, K, 2) and weight logits (n, K)."""
        out = self.decoder(z).view(len(z), self.components, 5)
        return out[..., :2], out[..., 2:4].clamp(-7, 2), out[..., 4]

    def _reconstruction_loss(self, z: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        """-log p(x|z) per point, averaged: up to a constant for the fixed-sigma Gaussian, exact for the mixture."""
        if not self.components:
            return (self.decoder(z) - x).pow(2).sum(1).mean() / (2 * OBS_STD ** 2)
        means, log_sigmas, logits = self._mixture(z)
        diag = (-0.5 * ((x[:, None] - means) / log_sigmas.exp()).pow(2) - log_sigmas).sum(2) - math.log(2 * math.pi)
        return -torch.logsumexp(F.log_softmax(logits, 1) + diag, dim=1).mean()

    def _decoded_mean(self, z: torch.Tensor) -> torch.Tensor:
        """E[x|z]: the decoder's mean, or its mixture's weighted mean."""
        if not self.components:
            return self.decoder(z)
        means, _, logits = self._mixture(z)
        return (logits.softmax(1)[..., None] * means).sum(1)

    @torch.no_grad()
    def extras(self, view: View, hp: dict, g: torch.Generator, data: torch.Tensor) -> dict:
        """Encoder means of data points (first two latent axes), the decoded 12x12 latent grid, KL per latent axis."""
        mu, logvar = self.encode(data)
        return {
            "encoder_means": rounded(mu[:, :2]),  # row i encodes data[i], the frame's data_points[i]
            "decoded_grid": rounded(LATENT_VIEW.as_rows(self._decoded_mean(latent_grid(self.latent_dim)), 12)),
            "kl_per_dim": rounded(_kl(mu, logvar).mean(0)),  # ~0 for every axis = posterior collapse
        }


def _kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) per axis (Kingma & Welling 2014, appendix B)."""
    return 0.5 * (mu.pow(2) + logvar.exp() - 1 - logvar)
