"""NCSN on 28 x 28 digits: one UNet for every noise level, s_theta(x~, sigma_i) = -eps_theta(x~, i) / sigma_i.

Denoising score matching (Vincent 2011) at level sigma asks s(x0 + sigma z, sigma) to equal -z / sigma;
weighted by sigma^2 (Song & Ermon 2019, lambda(sigma) = sigma^2) the loss is exactly ||eps_theta - z||^2,
the DDPM's "simple" loss. The network is handed x~ / sqrt(1 + sigma^2), the input scaling of Karras et al.
2022, which is the DDPM's own x_t = sqrt(alpha_bar) x~ with alpha_bar = 1 / (1 + sigma^2): unit variance at
every level. Only the noise levels differ from a DDPM's (a ladder in sigma, variance exploding, instead of a
variance-preserving schedule in t), so the two models learn the same object; same_object.py shows it.
Samples: annealed Langevin dynamics over the ladder (models/score/langevin.py, the 2-D toys' sampler too),
then one denoising step; class-conditional with the DDPM's label dropout and classifier-free guidance."""

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from models.ema import frozen_copy, update_ema
from models.score.langevin import annealed_langevin, geometric_levels
from models.unet import UNet, UNetConfig

EMBEDDING_STEPS = 1000  # a level's index is embedded as a DDPM-like timestep in 0..999, 999 the noisiest


@dataclass
class NCSNConfig:
    unet: dict = field(default_factory=lambda: asdict(UNetConfig()))
    sigma_max: float = 30.0  # about the largest distance between two training digits (Song & Ermon 2020, rule 1)
    sigma_min: float = 0.01
    levels: int = 50
    label_dropout: float = 0.1
    ema_decay: float = 0.999
    step_size: float = 1e-4  # epsilon: at level i a Langevin step is a = epsilon sigma_i^2 / sigma_min^2
    steps_per_level: int = 2
    sample_guidance: float = 0.0  # classifier-free guidance w of `sample`; w > 0 doubles its cost


class NCSN(nn.Module):
    def __init__(self, config: NCSNConfig):
        super().__init__()
        self.config = config
        self.net = self._network()
        self.ema = frozen_copy(self.net, self._network)
        sigmas = geometric_levels(config.sigma_max, config.sigma_min, config.levels)
        self.register_buffer("sigmas", torch.tensor(sigmas), persistent=False)  # noisiest first
        self.register_buffer("ema_steps", torch.zeros((), dtype=torch.long))

    def _network(self) -> nn.Module:
        return UNet(UNetConfig(**{**self.config.unet, "channels": tuple(self.config.unet["channels"])}))

    @property
    def num_classes(self) -> int:
        return self.net.config.num_classes

    def _embedding_step(self, level: torch.Tensor) -> torch.Tensor:
        return ((self.config.levels - 1 - level) * (EMBEDDING_STEPS - 1) // max(self.config.levels - 1, 1))

    def _eps(self, net: nn.Module, x: torch.Tensor, level: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        sigma = self.sigmas[level].view(-1, 1, 1, 1)
        return net(x / (1 + sigma**2).sqrt(), self._embedding_step(level), labels if self.num_classes else None)

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, dict[str, float]]:
        """sigma^2-weighted denoising score matching at a uniformly drawn level: E ||eps_theta(x0 + sigma z) - z||^2."""
        x0 = x * 2 - 1
        level = torch.randint(0, self.config.levels, (len(x),), device=x.device)
        z = torch.randn_like(x0)
        if self.num_classes:
            drop = torch.rand(len(x), device=x.device) < self.config.label_dropout
            labels = torch.where(drop, torch.full_like(labels, self.num_classes), labels)
        mse = F.mse_loss(self._eps(self.net, x0 + self.sigmas[level].view(-1, 1, 1, 1) * z, level, labels), z)
        return mse, {"mse": mse.item()}

    @torch.no_grad()
    def after_step(self) -> None:
        self.ema_steps += 1
        update_ema(self.ema, self.net, self.ema_steps.item(), self.config.ema_decay)

    def score(self, x: torch.Tensor, level: int, labels: torch.Tensor | None = None, guidance: float = 0.0) -> torch.Tensor:
        """s(x~, sigma_level) = -eps / sigma with the EMA network, x~ in the pixels' [-1, 1] scale plus noise;
        with labels and w > 0 the guided (1 + w) s(x~, y) - w s(x~, null) (Ho & Salimans 2022)."""
        levels = torch.full((len(x),), level, device=x.device, dtype=torch.long)
        eps = self._eps(self.ema, x, levels, labels)
        if labels is not None and guidance:
            null = torch.full_like(labels, self.num_classes)
            eps = (1 + guidance) * eps - guidance * self._eps(self.ema, x, levels, null)
        return -eps / self.sigmas[level]

    @torch.no_grad()
    def langevin_steps(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                       temperature: float = 1.0, guidance: float | None = None):
        """Annealed Langevin from x~ ~ N(0, (temperature sigma_max)^2 I) over every level (models/score/langevin.py)."""
        guidance = self.config.sample_guidance if guidance is None else guidance
        sigmas = self.sigmas.tolist()
        level_of = {sigma: i for i, sigma in enumerate(sigmas)}
        x = temperature * sigmas[0] * torch.randn(n, 1, 28, 28, generator=generator, device=generator.device)
        return annealed_langevin(lambda x, sigma: self.score(x, level_of[sigma], labels, guidance), x, sigmas,
                                 self.config.step_size, self.config.steps_per_level, generator)

    def draw_labels(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """n classes drawn uniformly: what `sample` and the stream use when no label is asked for."""
        return torch.randint(0, self.num_classes, (n,), generator=generator, device=generator.device)

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0) -> dict[str, torch.Tensor]:
        """n digits; a conditional model without labels draws them uniformly. `temperature` scales the
        starting noise."""
        if self.num_classes and labels is None:
            labels = self.draw_labels(n, generator)
        *_, last = self.langevin_steps(n, generator, labels, temperature)
        return {"images": (last.x.clamp(-1, 1) + 1) / 2, "labels": labels}

    def network_evaluations(self, operation: str) -> int:
        """UNet passes per image: a Langevin step each plus the denoising step when sampling (twice with
        guidance), one otherwise."""
        if operation != "sample":
            return 1
        return self.langevin_steps_taken * (2 if self.num_classes and self.config.sample_guidance else 1)

    @property
    def langevin_steps_taken(self) -> int:
        """Langevin steps of one sample, the final denoising step included."""
        return self.config.levels * self.config.steps_per_level + 1
