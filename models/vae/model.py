"""Convolutional VAE (Kingma & Welling 2014) with a beta weight (Higgins et al. 2017) and optional
class conditioning (Sohn et al. 2015).

Decoder likelihood: Bernoulli on pixel intensities. MNIST intensities pile up at 0 and 1, and a
Bernoulli decoder gives sharp strokes and an ELBO in nats comparable with the VAE literature; a
fixed-variance Gaussian decoder gives blurrier digits and a bound that depends on the chosen
variance. The bound is of the Bernoulli likelihood of [0, 1] intensities, not of a 256-level
discretised likelihood, so compare it only with other Bernoulli bounds.
"""

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from models.nets import ConvDecoder, ConvEncoder
from models.vae.prior import fit_mixture, sample_mixture

LOG_2PI = math.log(2 * math.pi)
RECONSTRUCT_SAMPLES = 16  # posterior draws averaged by `reconstruct`
IMPORTANCE_SAMPLES = 64  # K of the importance-weighted bound `log_prob` reports


@dataclass
class VAEConfig:
    latent_dim: int = 16
    beta: float = 1.0
    num_classes: int = 0  # > 0: class-conditional encoder and decoder
    hidden: int = 256
    width: int = 32
    prior_components: int = 0  # > 0: sample z from a mixture fitted after training (models/vae/prior.py)


class VAE(nn.Module):
    def __init__(self, config: VAEConfig):
        super().__init__()
        self.config = config
        c = config
        self.encoder = ConvEncoder(c.hidden, c.width)
        self.to_posterior = nn.Linear(c.hidden + c.num_classes, 2 * c.latent_dim)
        self.decoder = ConvDecoder(c.latent_dim + c.num_classes, c.hidden, c.width, cond_dim=c.num_classes)
        if c.prior_components:
            k, d = c.prior_components, c.latent_dim
            self.register_buffer("prior_weights", torch.full((k,), 1 / k))
            self.register_buffer("prior_means", torch.zeros(k, d))
            self.register_buffer("prior_scale_tril", torch.eye(d).expand(k, d, d).clone())

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    def _with_label(self, h: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """Append the one-hot label: conditional models need one, unconditional ones ignore it."""
        if self.config.num_classes == 0:
            return h
        if labels is None:
            raise ValueError("this model is class-conditional: a label is required")
        return torch.cat([h, F.one_hot(labels, self.config.num_classes).to(h.dtype)], dim=1)

    def encode(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """q(z|x): (B, 1, 28, 28) -> mean and log-variance, each (B, latent_dim)."""
        h = self._with_label(self.encoder(x), labels)
        mean, logvar = self.to_posterior(h).chunk(2, dim=1)
        return mean, logvar.clamp(-12, 8)

    def decode_logits(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        z_y = self._with_label(z, labels)  # raises if a conditional model got no label
        cond = z_y[:, -self.config.num_classes:] if self.config.num_classes else None
        return self.decoder(z_y, cond)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """p(x|z): the Bernoulli means, (B, 1, 28, 28) in [0, 1]."""
        return torch.sigmoid(self.decode_logits(z, labels))

    def sample_latents(self, n: int, generator: torch.Generator, temperature: float = 1.0,
                       prior: str | None = None) -> torch.Tensor:
        """z from the model's sampling prior: the fitted mixture when it has one ("fitted"), else
        N(0, T^2 I) ("standard", the prior it was trained with); T < 1 trades diversity for cleaner digits."""
        if (prior or self.sampling_prior) == "fitted":
            if not self.config.prior_components:
                raise ValueError("this VAE has no fitted prior; sample with prior='standard'")
            return sample_mixture(self.prior_weights, self.prior_means, self.prior_scale_tril, n, generator, temperature)
        z = torch.randn(n, self.config.latent_dim, generator=generator, device=generator.device)
        return temperature * z

    @property
    def sampling_prior(self) -> str:
        return "fitted" if self.config.prior_components else "standard"

    @torch.no_grad()
    def fit_prior(self, x: torch.Tensor, batch: int = 500) -> None:
        """Fit the sampling mixture to the posterior means of digits x (the training split)."""
        if self.config.num_classes or not self.config.prior_components:
            raise ValueError("a fitted prior needs an unconditional VAE built with prior_components > 0")
        means = torch.cat([self.encode(x[i:i + batch])[0] for i in range(0, len(x), batch)])
        mixture = fit_mixture(means, self.config.prior_components)
        self.prior_weights.copy_(mixture["weights"])
        self.prior_means.copy_(mixture["means"])
        self.prior_scale_tril.copy_(mixture["scale_tril"])

    def elbo_terms(self, x, labels=None, generator=None, samples: int = 1) -> dict[str, torch.Tensor]:
        """Per-image ELBO split in nats: E_q[-log p(x|z)] (Monte Carlo, `samples` draws) and KL(q||p)."""
        mean, logvar = self.encode(x, labels)
        kl = 0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar).sum(dim=1)  # (B,)
        recon = torch.zeros_like(kl)
        for _ in range(samples):
            eps = torch.randn(mean.shape, generator=generator, device=mean.device)
            logits = self.decode_logits(mean + (0.5 * logvar).exp() * eps, labels)
            recon += F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        recon = recon / samples
        return {"recon": recon, "kl": kl, "elbo": -(recon + kl)}

    def reconstruct(self, x, labels=None, generator=None, samples: int = RECONSTRUCT_SAMPLES) -> dict[str, torch.Tensor]:
        """Everything the reconstruct view shows: posterior, decoded posterior mean, ELBO split and
        the training objective (recon + beta * KL) for this image."""
        mean, logvar = self.encode(x, labels)
        terms = self.elbo_terms(x, labels, generator, samples)
        return {"mean": mean, "logvar": logvar, "reconstruction": self.decode(mean, labels),
                **terms, "objective": terms["recon"] + self.config.beta * terms["kl"]}

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """The beta-VAE objective, recon + beta * KL, averaged over the batch (nats per image)."""
        terms = self.elbo_terms(x, labels if self.config.num_classes else None)
        recon, kl = terms["recon"].mean(), terms["kl"].mean()
        return recon + self.config.beta * kl, {"recon": recon.item(), "kl": kl.item()}

    def network_evaluations(self, operation: str) -> int:
        """Network passes per image (one encoder pass plus a decoder pass per latent draw), so a
        request can be priced before it runs."""
        draws = {"reconstruct": RECONSTRUCT_SAMPLES, "log_prob": IMPORTANCE_SAMPLES}.get(operation)
        return 1 if draws is None else 1 + draws

    log_prob_method = f"importance-weighted ELBO bound, K={IMPORTANCE_SAMPLES} (Burda et al. 2016)"
    log_prob_data = "bernoulli"  # pixel intensities read as Bernoulli probabilities: not a distribution over 8-bit images

    def log_prob(self, x, labels=None, generator=None) -> torch.Tensor:
        """A lower bound on log p(x) per image (nats); VAEs have no exact likelihood."""
        return self.importance_log_prob(x, labels, generator, samples=IMPORTANCE_SAMPLES)

    def importance_log_prob(self, x, labels=None, generator=None, samples: int = 64) -> torch.Tensor:
        """log p(x) >= log mean_k p(x, z_k) / q(z_k|x) (Burda et al. 2016): tighter than the ELBO."""
        mean, logvar = self.encode(x, labels)
        std = (0.5 * logvar).exp()
        weights = []
        for _ in range(samples):
            eps = torch.randn(mean.shape, generator=generator, device=mean.device)
            z = mean + std * eps
            log_px = -F.binary_cross_entropy_with_logits(self.decode_logits(z, labels), x, reduction="none").flatten(1).sum(1)
            log_pz = -0.5 * (z.pow(2) + LOG_2PI).sum(1)
            log_qz = -0.5 * (eps.pow(2) + logvar + LOG_2PI).sum(1)
            weights.append(log_px + log_pz - log_qz)
        return torch.logsumexp(torch.stack(weights), dim=0) - math.log(samples)

    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0, prior: str | None = None) -> dict[str, torch.Tensor]:
        """Decode n prior draws; a conditional model without labels gets uniformly drawn ones."""
        z = self.sample_latents(n, generator, temperature, prior)
        if self.config.num_classes and labels is None:
            labels = torch.randint(0, self.config.num_classes, (n,), generator=generator, device=generator.device)
        return {"images": self.decode(z, labels), "latents": z, "labels": labels}
