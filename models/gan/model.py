"""GANs for 28x28 digits: DCGAN networks (Radford et al. 2016) trained with the minimax or
non-saturating loss (Goodfellow et al. 2014) or as WGAN-GP (Gulrajani et al. 2017); class
conditioning by a one-hot label beside z in G (Mirza & Osindero 2014) and a projection discriminator
(Miyato & Koyama 2018); samples come from an EMA of G's weights."""

import torch
import torch.nn.functional as F
from torch import nn

from models.ema import frozen_copy, update_ema
from models.gan.inversion import PROJECT_RESTARTS, PROJECT_STEPS, Projection, project, projection_evaluations
from models.gan.networks import LOSSES, Discriminator, GANConfig, Generator

_EMA_KEYS = ("generator_ema.", "ema_steps")


class GAN(nn.Module):
    def __init__(self, config: GANConfig):
        super().__init__()
        if config.loss not in LOSSES:
            raise ValueError(f"unknown GAN loss {config.loss!r}; expected one of {LOSSES}")
        self.config = config
        self.generator = Generator(config)
        self.discriminator = Discriminator(config)
        if config.ema_decay:
            self.generator_ema = frozen_copy(self.generator, lambda: Generator(config))
            self.register_buffer("ema_steps", torch.zeros((), dtype=torch.long))

    @property
    def sampling_generator(self) -> nn.Module:
        """The generator samples are drawn with: G's EMA when one is kept."""
        return self.generator_ema if self.config.ema_decay else self.generator

    @torch.no_grad()
    def after_step(self) -> None:
        if self.config.ema_decay:
            self.ema_steps += 1
            update_ema(self.generator_ema, self.generator, self.ema_steps.item(), self.config.ema_decay)

    def load_pretrained(self, state: dict[str, torch.Tensor]) -> None:
        """Start from another GAN's weights (e.g. to provoke a failure in a healthy one, or to train a
        shipped one further). G and D must match exactly; an EMA copy restarts at the loaded G."""
        own = {k: v for k, v in state.items() if not k.startswith(_EMA_KEYS)}
        try:
            missing, unexpected = self.load_state_dict(own, strict=False)
        except RuntimeError as e:  # a tensor of the wrong shape
            raise ValueError(f"weights do not fit this GAN: {e}") from e
        missing = [k for k in missing if not k.startswith(_EMA_KEYS)]
        if missing or unexpected:
            raise ValueError(f"weights do not fit this GAN: missing {missing[:3]}, unexpected {unexpected[:3]}")
        if self.config.ema_decay:
            self.generator_ema.load_state_dict(self.generator.state_dict())

    @property
    def num_classes(self) -> int:
        return self.config.num_classes

    def configure_optimizers(self, lr: float) -> list[torch.optim.Optimizer]:
        """[D's, G's] Adam; D's learning rate is scaled by d_lr_scale."""
        c = self.config
        return [torch.optim.Adam(self.discriminator.parameters(), lr=lr * c.d_lr_scale, betas=c.betas),
                torch.optim.Adam(self.generator.parameters(), lr=lr, betas=c.betas)]

    def sample_latents(self, n: int, generator: torch.Generator, temperature: float = 1.0) -> torch.Tensor:
        """z ~ N(0, T^2 I); T < 1 is the "truncation trick" in its simplest form (Brock et al. 2019)."""
        return temperature * torch.randn(n, self.config.latent_dim, generator=generator, device=generator.device)

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        return self.sampling_generator(z, labels)

    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0) -> dict[str, torch.Tensor]:
        z = self.sample_latents(n, generator, temperature)
        if self.num_classes and labels is None:
            labels = torch.randint(0, self.num_classes, (n,), generator=generator, device=generator.device)
        return {"images": self.sampling_generator(z, labels), "latents": z, "labels": labels}

    def project(self, x: torch.Tensor, labels: torch.Tensor | None, generator: torch.Generator,
                steps: int = PROJECT_STEPS, restarts: int = PROJECT_RESTARTS) -> Projection:
        """The z whose G(z) is nearest each image, found by optimisation (G has no inverse; inversion.py)."""
        return project(self, x, labels, generator, steps, restarts)

    def network_evaluations(self, operation: str) -> int:
        """G passes per image, so a request is priced before it runs: a projection at the default steps and
        restarts runs G forwards and backwards at every step of every start; anything else is one pass."""
        return projection_evaluations() if operation == "project" else 1

    def discriminate(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> dict:
        """D's verdict per image: the raw score, and p(real) = sigmoid(logit) unless D is a WGAN critic,
        whose value is unbounded and no probability."""
        score = self.discriminator(x, labels)
        critic = self.config.loss == "wgan-gp"
        return {"score": score, "p_real": None if critic else torch.sigmoid(score),
                "kind": "critic value (higher = more real)" if critic else "logit of p(real)"}

    def _labels(self, labels):
        return labels if self.num_classes else None

    def d_loss(self, real: torch.Tensor, fake: torch.Tensor, labels) -> tuple[torch.Tensor, dict[str, float]]:
        d_real, d_fake = self.discriminator(real, labels), self.discriminator(fake, labels)
        if self.config.loss == "wgan-gp":
            wasserstein = d_real.mean() - d_fake.mean()  # the critic's estimate of W(p_data, p_G)
            gp = self._gradient_penalty(real, fake, labels)
            return -wasserstein + self.config.gp_weight * gp, {"d_loss": (-wasserstein).item(), "wasserstein": wasserstein.item(), "gp": gp.item()}
        target = torch.full_like(d_real, 1 - self.config.label_smoothing)
        loss = F.binary_cross_entropy_with_logits(d_real, target) + F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        return loss, {"d_loss": loss.item(), "d_real": torch.sigmoid(d_real).mean().item(), "d_fake": torch.sigmoid(d_fake).mean().item()}

    def g_loss(self, fake: torch.Tensor, labels) -> torch.Tensor:
        d_fake = self.discriminator(fake, labels)
        if self.config.loss == "wgan-gp":
            return -d_fake.mean()
        if self.config.loss == "minimax":  # min log(1 - D(G(z))): saturates when D wins
            return -F.binary_cross_entropy_with_logits(d_fake, torch.zeros_like(d_fake))
        return F.binary_cross_entropy_with_logits(d_fake, torch.ones_like(d_fake))  # max log D(G(z))

    def _gradient_penalty(self, real, fake, labels) -> torch.Tensor:
        """E[(||grad_x D(x_hat)||_2 - 1)^2] on random interpolates x_hat (Gulrajani et al. 2017, eq. 3)."""
        eps = torch.rand(len(real), 1, 1, 1, device=real.device)
        x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
        grad, = torch.autograd.grad(self.discriminator(x_hat, labels).sum(), x_hat, create_graph=True)
        return (grad.flatten(1).norm(dim=1) - 1).pow(2).mean()

    def training_step(self, real: torch.Tensor, labels: torch.Tensor, optimizers) -> dict[str, float]:
        """n_critic D updates, then g_steps G updates, on this batch."""
        d_opt, g_opt = optimizers
        labels = self._labels(labels)
        for _ in range(self.config.n_critic):
            fake = self.generator(torch.randn(len(real), self.config.latent_dim), labels).detach()
            d_loss, logs = self.d_loss(real, fake, labels)
            d_opt.zero_grad(set_to_none=True)
            d_loss.backward()
            d_opt.step()
        for _ in range(self.config.g_steps):
            g_loss = self.g_loss(self.generator(torch.randn(len(real), self.config.latent_dim), labels), labels)
            g_opt.zero_grad(set_to_none=True)
            g_loss.backward()
            g_opt.step()
        return {**logs, "g_loss": g_loss.item()}

    def loss(self, real: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """Held-out monitoring without updates: D's loss on unseen real digits vs fresh fakes, and G's."""
        labels = self._labels(labels)
        fake = self.generator(torch.randn(len(real), self.config.latent_dim), labels)
        with torch.enable_grad():  # the gradient penalty needs a graph even during evaluation
            d_loss, logs = self.d_loss(real, fake, labels)
        return d_loss, {**logs, "g_loss": self.g_loss(fake, labels).item()}
