"""flow-mnist: a multi-scale normalizing flow on dequantized 8-bit digits, with an exact likelihood.

x (256 levels) -> y = (x + u) / 256, u ~ U[0, 1)  (uniform dequantization, Theis et al. 2016)
  -> logit(alpha + (1 - 2 alpha) y)               (RealNVP's pre-transform; its Jacobian is counted)
  -> checkerboard couplings at 1x28x28           (RealNVP: the only split of a one-channel image)
  -> squeeze -> K x [ActNorm, 1x1 conv, coupling] at 4x14x14 (Glow steps)
  -> split: half the channels leave as z, under a Gaussian whose mean and scale the other half sets
  -> squeeze -> K x [ActNorm, 1x1 conv, coupling] at 8x7x7 -> z, standard normal.

bits/dim = -log p(y) / (784 ln 2) + 8 is an upper bound on the discrete model's bits/dim, the
convention of RealNVP and Glow. `encode` returns all 784 dimensions of z in N(0, I) units,
arranged as a 28x28 image, so `decode` of scaled noise is sampling with a temperature.
"""

import math
from dataclasses import dataclass

import torch
from torch import nn

from models.flow.layers import ActNorm, AffineCoupling, InvertibleConv1x1, squeeze, unsqueeze
from models.interrupt import checkpoint

PIXELS = 28 * 28
LOG_2PI = math.log(2 * math.pi)


@dataclass
class FlowConfig:
    alpha: float = 0.05  # logit pre-transform margin
    checker_steps: int = 3
    checker_hidden: int = 32
    steps_per_level: int = 8
    hidden: int = 128
    seed: int = 0  # draws the 1x1 convolutions' starting rotations


def standard_normal_log_density(z: torch.Tensor) -> torch.Tensor:
    return -0.5 * (z ** 2 + LOG_2PI).flatten(1).sum(1)


class GlowStep(nn.Module):
    def __init__(self, channels: int, hidden: int, generator: torch.Generator):
        super().__init__()
        self.layers = nn.ModuleList([ActNorm(channels), InvertibleConv1x1(channels, generator),
                                     AffineCoupling(channels, hidden, "channel")])


class Flow(nn.Module):
    num_classes = 0

    def __init__(self, config: FlowConfig):
        super().__init__()
        self.config = config
        g = torch.Generator().manual_seed(config.seed)
        self.checker = nn.ModuleList()
        for i in range(config.checker_steps):
            self.checker.extend([ActNorm(1), AffineCoupling(1, config.checker_hidden, "checkerboard", parity=i % 2)])
        self.level1 = nn.ModuleList(GlowStep(4, config.hidden, g) for _ in range(config.steps_per_level))
        self.split_prior = nn.Conv2d(2, 4, 3, padding=1)  # kept half -> (mean, log-std) of the half that leaves
        nn.init.zeros_(self.split_prior.weight)
        nn.init.zeros_(self.split_prior.bias)
        self.level2 = nn.ModuleList(GlowStep(8, config.hidden, g) for _ in range(config.steps_per_level))

    # --- the named layers, in order, for the layer-by-layer view ------------------------------------
    def _stages(self) -> list[tuple[str, nn.Module]]:
        stages = [(f"checkerboard {'actnorm' if i % 2 == 0 else 'coupling'} {i // 2 + 1}", m) for i, m in enumerate(self.checker)]
        for name, level in (("14x14", self.level1), ("7x7", self.level2)):
            for k, step in enumerate(level):
                stages += [(f"{name} step {k + 1}: {kind}", m) for kind, m in zip(("actnorm", "1x1 conv", "coupling"), step.layers)]
        return stages

    # --- pre-transform --------------------------------------------------------------------------
    def dequantize(self, x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """y = (x_int + u) / 256 with u ~ U[0, 1); x in [0, 1] on the 256 levels."""
        levels = (x * 255).round()
        u = torch.rand(x.shape, generator=generator, device=x.device) if generator is not None else torch.rand_like(x)
        return (levels + u) / 256

    def _logit(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        a = self.config.alpha
        s = a + (1 - 2 * a) * y
        logdet = (math.log(1 - 2 * a) - s.log() - (1 - s).log()).flatten(1).sum(1)
        return s.log() - (1 - s).log(), logdet

    def _sigmoid(self, h: torch.Tensor) -> torch.Tensor:
        a = self.config.alpha
        return ((torch.sigmoid(h) - a) / (1 - 2 * a)).clamp(0, 1)

    # --- x -> z ---------------------------------------------------------------------------------
    def _split(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """kept, standardized leaving half, and its log-density under the kept half's Gaussian."""
        kept, leaving = h.chunk(2, dim=1)
        mean, log_std = self.split_prior(kept).chunk(2, dim=1)
        eps = (leaving - mean) * (-log_std).exp()
        return kept, eps, standard_normal_log_density(eps) - log_std.flatten(1).sum(1)

    def forward_layers(self, y: torch.Tensor, record=None) -> tuple[torch.Tensor, torch.Tensor]:
        """y in (0, 1) -> (z as 1x28x28 in N(0, I) units, log p(y) per image). `record(name, state_28x28,
        logdet)` sees every layer's output, re-assembled as a 28x28 image (squeezes undone)."""
        h, logp = self._logit(y)
        if record:
            record("logit pre-transform", h, logp)
        for name, layer in self._stages()[:len(self.checker)]:
            h, ld = layer(h)
            logp = logp + ld
            if record:
                record(name, h, ld)
        h = squeeze(h)
        level1_stages = self._stages()[len(self.checker):len(self.checker) + 3 * len(self.level1)]
        for name, layer in level1_stages:
            h, ld = layer(h)
            logp = logp + ld
            if record:
                record(name, unsqueeze(h), ld)
        kept, eps, split_logp = self._split(h)
        logp = logp + split_logp
        if record:
            record("split: half leaves as z", unsqueeze(torch.cat([kept, eps], 1)), split_logp)
        h = squeeze(kept)
        for name, layer in self._stages()[len(self.checker) + 3 * len(self.level1):]:
            h, ld = layer(h)
            logp = logp + ld
            if record:
                record(name, unsqueeze(torch.cat([unsqueeze(h), eps], 1)), ld)
        top_logp = standard_normal_log_density(h)
        z = unsqueeze(torch.cat([unsqueeze(h), eps], 1))
        if record:
            record("prior N(0, I) on the rest", z, top_logp)
        return z, logp + top_logp

    def inverse(self, z: torch.Tensor) -> torch.Tensor:
        """z (1x28x28, N(0, I) units) -> y in [0, 1]."""
        top, eps = squeeze(z).chunk(2, dim=1)
        h = squeeze(top)
        for step in reversed(self.level2):
            for layer in reversed(step.layers):
                h = layer.inverse(h)
        kept = unsqueeze(h)
        mean, log_std = self.split_prior(kept).chunk(2, dim=1)
        h = torch.cat([kept, mean + log_std.exp() * eps], 1)
        for step in reversed(self.level1):
            for layer in reversed(step.layers):
                h = layer.inverse(h)
        h = unsqueeze(h)
        for layer in reversed(self.checker):
            h = layer.inverse(h)
        return self._sigmoid(h)

    # --- what the rest of genlab calls ----------------------------------------------------------
    def bits_per_dim(self, log_py: torch.Tensor) -> torch.Tensor:
        return -log_py / (PIXELS * math.log(2)) + 8

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        bpd = self.bits_per_dim(self.forward_layers(self.dequantize(x, None))[1]).mean()
        return bpd, {"bpd": bpd.item()}

    log_prob_method = "exact change of variables on uniformly dequantized pixels, every Jacobian counted"
    log_prob_data = "8-bit"  # dequantized: a density on [0, 1]^784 whose cells are the 256 levels

    def log_prob(self, x: torch.Tensor, labels: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """log p(x) in nats on the 256 levels: log p(y) - 784 log 256 for one dequantization draw y (a
        single-draw estimate of the discrete model's bound; its spread over draws is ~0.001 bits/dim)."""
        generator = generator or torch.Generator(device=x.device).manual_seed(0)
        return self.forward_layers(self.dequantize(x, generator))[1] - PIXELS * math.log(256)

    def encode(self, x: torch.Tensor, generator: torch.Generator | None = None) -> dict[str, torch.Tensor]:
        generator = generator or torch.Generator(device=x.device).manual_seed(0)
        y = self.dequantize(x, generator)
        z, log_py = self.forward_layers(y)
        return {"z": z, "y": y, "log_prob": log_py - PIXELS * math.log(256)}

    def decode(self, z: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """y in [0, 1], mapped back onto the pixel levels it dequantizes (floor(256 y) / 255)."""
        return (self.inverse(z) * 256).floor().clamp(0, 255) / 255

    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 0.7) -> dict[str, torch.Tensor]:
        """Decode z ~ N(0, T^2 I). T < 1 trades diversity for cleaner digits (Glow, section 5.3)."""
        z = temperature * torch.randn(n, 1, 28, 28, generator=generator, device=generator.device)
        checkpoint()
        return {"images": self.decode(z), "labels": None}

    @torch.no_grad()
    def layer_view(self, x: torch.Tensor, generator: torch.Generator | None = None) -> list[dict]:
        """Every layer's output for one image, as a 28x28 array, with its log-det contribution (nats)."""
        generator = generator or torch.Generator(device=x.device).manual_seed(0)
        views: list[dict] = []
        y = self.dequantize(x[:1], generator)
        views.append({"name": "dequantized y = (x + u) / 256", "state": y[0, 0], "logdet": 0.0})
        self.forward_layers(y, lambda name, state, ld: views.append(
            {"name": name, "state": state[0, 0], "logdet": float(ld.reshape(-1)[0])}))
        return views

    def network_evaluations(self, operation: str) -> int:
        return 1
