"""The diffusion process around a noise-prediction network (Ho et al. 2020): forward noising, the
"simple" epsilon-MSE training loss with label dropout for classifier-free guidance, EMA weights,
and guided noise prediction for the samplers."""

import math
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from models.diffusion.continuous import likelihood_timesteps, ode_log_likelihood
from models.diffusion.elbo import variational_bound
from models.diffusion.sampling import denoise, make_sampler, sampler_evaluations
from models.diffusion.schedules import SCHEDULES, alpha_bars
from models.ema import frozen_copy, update_ema
from models.unet import UNet, UNetConfig

SAMPLE_STEPS = 50  # DDIM steps of `sample`: the card's headline figures are measured there
ODE_LIKELIHOOD_STEPS = 400  # log-spaced Heun steps of `exact_log_prob` (continuous.likelihood_timesteps says why)
ODE_PROBES = 2  # Hutchinson probes per image, each a batch row of its own: their spread is ~0.03 bits/dim
EVAL_CHUNK = 32  # images per network call when sampling (bounds activation memory)


@dataclass
class DiffusionConfig:
    unet: dict = field(default_factory=lambda: asdict(UNetConfig()))
    schedule: str = "linear"
    timesteps: int = 1000
    label_dropout: float = 0.1  # p(label -> null class) in training: what makes CFG possible
    ema_decay: float = 0.999
    sample_guidance: float = 1.0  # the w `sample` uses unless told, and so the w the card's headline FD and accuracy are at


class Diffusion(nn.Module):
    sample_steps = SAMPLE_STEPS  # `sample`'s default, which the API echoes

    def __init__(self, config: DiffusionConfig):
        super().__init__()
        self.config = config
        self.net = self._network()
        self.ema = frozen_copy(self.net, self._network)  # the weights samples are drawn with
        betas = SCHEDULES[config.schedule](config.timesteps)
        self.register_buffer("betas", betas.float(), persistent=False)
        self.register_buffer("alpha_bar", alpha_bars(betas).float(), persistent=False)
        self.register_buffer("ema_steps", torch.zeros((), dtype=torch.long))

    state_shape = (1, 28, 28)  # what the process noises: the image itself (a latent model's is its latent)
    clip_x0 = True  # DDPM and DDIM clip their x_0 guess to the pixels' range [-1, 1] (a latent has no range)

    def _network(self) -> nn.Module:
        """eps_theta: a UNet over the image (a latent model puts a network over its latent here)."""
        return UNet(UNetConfig(**{**self.config.unet, "channels": tuple(self.config.unet["channels"])}))

    def to_state(self, x: torch.Tensor) -> torch.Tensor:
        """Images in [0, 1] -> the clean state x_0 the process noises, here the image in [-1, 1]."""
        return x * 2 - 1

    def to_images(self, x0: torch.Tensor) -> torch.Tensor:
        """The inverse of to_state: a (denoised) state -> images in [0, 1]."""
        return (x0 + 1) / 2

    @property
    def num_classes(self) -> int:
        return self.net.config.num_classes

    def q_sample(self, x0: torch.Tensor, t: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(alpha_bar_t) x_0 + sqrt(1 - alpha_bar_t) eps (Ho et al. 2020, eq. 4)."""
        ab = self.alpha_bar[t][:, None, None, None]
        return ab.sqrt() * x0 + (1 - ab).sqrt() * noise

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None,
             generator: torch.Generator | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        """E_{t, eps} ||eps - eps_theta(x_t, t, y)||^2, the DDPM "simple" loss; x in [0, 1]. t, eps and the
        label dropout come from `generator` when given (the lab's sessions), else from torch's global RNG."""
        x0 = self.to_state(x)
        t = torch.randint(0, self.config.timesteps, (len(x),), device=x.device, generator=generator)
        noise = torch.randn(x0.shape, device=x.device, dtype=x0.dtype, generator=generator)
        if self.num_classes:
            drop = torch.rand(len(x), device=x.device, generator=generator) < self.config.label_dropout
            labels = torch.where(drop, torch.full_like(labels, self.num_classes), labels)
        mse = F.mse_loss(self.net(self.q_sample(x0, t, noise), t, labels if self.num_classes else None), noise)
        return mse, {"mse": mse.item()}

    @torch.no_grad()
    def after_step(self) -> None:
        self.ema_steps += 1
        update_ema(self.ema, self.net, self.ema_steps.item(), self.config.ema_decay)

    def eps(self, x_t: torch.Tensor, t: int, labels: torch.Tensor | None, guidance: float = 0.0) -> torch.Tensor:
        """Classifier-free guided noise prediction with the EMA network:
        eps = (1 + w) eps(x_t, c) - w eps(x_t, null) (Ho & Salimans 2022, eq. 6); w = 0 is plain conditional."""
        tt = torch.full((len(x_t),), t, device=x_t.device, dtype=torch.long)
        if labels is None or guidance == 0:
            return self._ema_in_chunks(x_t, tt, labels)
        null = torch.full_like(labels, self.num_classes)
        cond, uncond = self._ema_in_chunks(torch.cat([x_t, x_t]), torch.cat([tt, tt]), torch.cat([labels, null])).chunk(2)
        return (1 + guidance) * cond - guidance * uncond

    def _ema_in_chunks(self, x_t: torch.Tensor, t: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """The EMA network over at most EVAL_CHUNK images at a time: a guided batch of 64 is 128 images,
        and their activations at once cost a server ~300 MB; in chunks, a quarter, at the same speed."""
        return torch.cat([self.ema(x_t[i:i + EVAL_CHUNK], t[i:i + EVAL_CHUNK],
                                   None if labels is None else labels[i:i + EVAL_CHUNK])
                          for i in range(0, len(x_t), EVAL_CHUNK)])

    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0, steps: int = SAMPLE_STEPS, guidance: float | None = None,
               sampler: str = "ddim") -> dict[str, torch.Tensor]:
        """n digits, by DDIM (eta = 0) unless another sampler is named (sampling.SAMPLERS); a conditional model
        without labels draws them uniformly. `temperature` scales the starting noise x_T; `guidance` defaults
        to the config's sample_guidance."""
        guidance = self.config.sample_guidance if guidance is None else guidance
        if self.num_classes and labels is None:
            labels = torch.randint(0, self.num_classes, (n,), generator=generator, device=generator.device)
        x_T = temperature * torch.randn(n, *self.state_shape, generator=generator, device=generator.device)
        guidance = guidance if labels is not None else 0.0
        *_, last = denoise(self, make_sampler(sampler, self.alpha_bar, steps, clip=self.clip_x0), x_T, labels, guidance,
                           generator)
        return {"images": self.to_images(last.x_t), "labels": labels}

    def network_evaluations(self, operation: str) -> int:
        """Network passes per image of `sample` (guided when the model is conditional), `log_prob` (one per
        timestep) and `exact_log_prob` (per probe, two per Heun step, each with a backward pass costing about
        two more), so a request can be priced before it runs."""
        if operation == "sample":
            return self.sample_evaluations()
        if operation == "exact_log_prob":
            return ODE_PROBES * 2 * len(likelihood_timesteps(self.config.timesteps, ODE_LIKELIHOOD_STEPS)) * 3
        return self.config.timesteps if operation == "log_prob" else 1

    def sample_evaluations(self, sampler: str = "ddim", steps: int = SAMPLE_STEPS) -> int:
        """Network passes per image of `sample` with this sampler and step count (guided when conditional)."""
        return sampler_evaluations(sampler, steps, bool(self.num_classes) and self.config.sample_guidance > 0)

    @property
    def exact_log_prob_method(self) -> str:
        steps = len(likelihood_timesteps(self.config.timesteps, ODE_LIKELIHOOD_STEPS))
        return (f"probability-flow ODE (Song et al. 2021): {steps} Heun steps spaced evenly in log t, Hutchinson's "
                f"trace over {ODE_PROBES} Rademacher probes, on uniformly dequantized pixels")

    def exact_log_prob(self, x: torch.Tensor, labels: torch.Tensor | None = None,
                       generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """log p(x) in nats on the 256 levels under the probability-flow ODE (continuous.py), per image, and the
        standard error of its trace estimate over the probes. As the flows do: log p(y) of one dequantized
        draw y, minus 784 log 256 for the bins (the ODE's density is over [-1, 1]^784, whence 784 log 128)."""
        generator = generator or torch.Generator(device=x.device).manual_seed(0)
        y = ((x * 255).round() + torch.rand(x.shape, generator=generator, device=x.device)) / 256 * 2 - 1
        probes = torch.randint(0, 2, (ODE_PROBES, *x.shape), generator=generator, device=x.device).float() * 2 - 1
        if self.num_classes and labels is None:
            labels = torch.full((len(x),), self.num_classes, device=x.device)  # the null class: p(x)
        labels = None if labels is None else labels.repeat(ODE_PROBES)
        timesteps = likelihood_timesteps(self.config.timesteps, ODE_LIKELIHOOD_STEPS)
        per_probe = ode_log_likelihood(lambda x_t, t: self.eps(x_t, t, labels), self.alpha_bar, y,
                                       timesteps, probes) - x[0].numel() * math.log(128)
        return per_probe.mean(0), per_probe.std(0) / math.sqrt(ODE_PROBES)

    log_prob_method = "DDPM variational bound over all T steps, one noise draw per step (Ho et al. 2020, eq. 5)"
    log_prob_data = "8-bit"  # the bound's decoder puts mass on the 256 levels (Ho et al. 2020, eq. 13)

    def log_prob(self, x: torch.Tensor, labels: torch.Tensor | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """A lower bound on log p(x | y) per image (nats), or on log p(x) with the null class when no
        label is given; x in [0, 1] on the 256 pixel levels."""
        return -self.variational_bound(x, labels, generator)["total"]

    def variational_bound(self, x: torch.Tensor, labels: torch.Tensor | None = None,
                          generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        """The bound's terms per image (nats): prior, sum of per-step KLs, decoder, total."""
        generator = generator or torch.Generator(device=x.device).manual_seed(0)
        x0 = (x * 255).round() / 255 * 2 - 1  # snap onto the 256 levels the decoder assigns mass to
        betas = SCHEDULES[self.config.schedule](self.config.timesteps)  # float64: the KLs sum 1000 small terms
        terms = []
        for i in range(len(x0)):
            label = self.num_classes if labels is None else int(labels[i])
            predict = (lambda x_t, t, label=label: self.ema(x_t, t, torch.full_like(t, label) if self.num_classes else None))
            terms.append(variational_bound(predict, x0[i:i + 1], betas, generator))
        return {k: torch.cat([t[k] for t in terms]).float() for k in terms[0]}

    @torch.no_grad()
    def mse_by_timestep(self, x: torch.Tensor, labels: torch.Tensor, timesteps: list[int], seed: int = 0) -> list[dict]:
        """Held-out noise-prediction MSE of the EMA network at chosen t: which noise levels are hard."""
        g = torch.Generator().manual_seed(seed)
        x0 = x * 2 - 1
        out = []
        for t in timesteps:
            noise = torch.randn(x0.shape, generator=g)
            tt = torch.full((len(x0),), t, dtype=torch.long)
            pred = self.ema(self.q_sample(x0, tt, noise), tt, labels if self.num_classes else None)
            out.append({"t": t, "mse": F.mse_loss(pred, noise).item()})
        return out


def forward_noise(x: torch.Tensor, t: int, alpha_bar: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Sample q(x_t | x_0) for an image in [0, 1]; returns x_t in the model's [-1, 1] scale."""
    noise = torch.randn(x.shape, generator=generator, device=x.device)
    return alpha_bar[t].sqrt() * (x * 2 - 1) + (1 - alpha_bar[t]).sqrt() * noise
