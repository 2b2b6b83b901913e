"""pixelcnn-mnist: p(x | y) = prod_i p(x_i | x_<i, y) over the 784 pixels in raster order, each a
discretized logistic mixture over the 256 levels, so log p(x) is exact: a sum, no bound, no
dequantization."""

import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import torch

from models.autoregressive.cached import CachedSampler
from models.autoregressive.mixture import log_prob_levels
from models.autoregressive.network import GatedPixelCNN, PixelCNNConfig

PIXELS = 28 * 28
# What the cached sampler costs, in full network passes: `genlab bench pixelcnn` measured 48 at batch 1 (the
# per-pixel Python overhead weighs most there) and 9 at batch 16 for the 8-layer 64-channel network, 36 and 11 for
# the shipped 12-layer one (61-68 and 16-27 for a 32-channel one, where overhead weighs more); the server prices
# it at the worst seen.
SAMPLING_PASSES = 72

@dataclass
class AutoregressiveConfig:
    network: dict = field(default_factory=lambda: vars(PixelCNNConfig()).copy())

def to_model_scale(x: torch.Tensor) -> torch.Tensor:
    """[0, 1] pixels -> [-1, 1], snapped onto the 256 levels the model assigns probability to."""
    return (x * 255).round() / 255 * 2 - 1

def to_levels(x: torch.Tensor) -> torch.Tensor:
    """[-1, 1] model scale -> [0, 1] pixels, exactly level / 255 (what the shipped digits hold)."""
    return ((x + 1) * 127.5).round() / 255


class PixelCNN(torch.nn.Module):
    def __init__(self, config: AutoregressiveConfig):
        super().__init__()
        self.config = config
        self.net = GatedPixelCNN(PixelCNNConfig(**config.network))

    def load_pretrained(self, state: dict[str, torch.Tensor]) -> None:
        """--init-from: this network's weights, or a shallower one's of the same width, which grows it (deepening
        as in Net2Net, Chen et al. 2016): the added layers come after the loaded ones with their horizontal output
        zeroed, so each passes the horizontal stack through unchanged (its residual adds 0) and the head, which
        reads only that stack, gives exactly the loaded network's likelihood. Training then has the extra depth
        to use without first unlearning a random start."""
        own = self.state_dict()
        loaded_layers = {int(key.split(".")[2]) for key in state if key.startswith("net.layers.")}
        added = range(len(loaded_layers), len(self.net.layers))
        expected = {key for key in own if not any(key.startswith(f"net.layers.{i}.") for i in added)}
        if set(state) != expected or loaded_layers != set(range(len(loaded_layers))):
            raise ValueError("--init-from: not this PixelCNN, nor a shallower one of the same kind")
        self.load_state_dict(state, strict=False)  # shapes are still checked: the widths must agree
        with torch.no_grad():
            for i in added:
                self.net.layers[i].h_out.weight.zero_()
                self.net.layers[i].h_out.bias.zero_()

    @property
    def num_classes(self) -> int:
        return self.net.config.num_classes

    def _labels(self, labels: torch.Tensor | None, n: int, device) -> torch.Tensor | None:
        if not self.num_classes:
            return None
        if labels is None:
            raise ValueError("this PixelCNN is class-conditional: give a label per image")
        return labels.to(device)

    def pixel_log_prob(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """log p(x_i | x_<i, y) for every pixel (nats), (B, 28, 28): the heat map of where an image is surprising."""
        x = to_model_scale(x)  # float32 mixture parameters even under bf16 autocast: exact sums need the precision
        return log_prob_levels(self.net(x, self._labels(labels, len(x), x.device)).float(), x)

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        bpd = -self.pixel_log_prob(x, labels).flatten(1).sum(1).mean() / (PIXELS * math.log(2))
        return bpd, {"bpd": bpd.item()}

    log_prob_method = "exact: the sum of the 784 conditional log-probabilities (chain rule)"
    log_prob_data = "8-bit"  # a distribution over the 256 levels of each pixel

    def log_prob(self, x: torch.Tensor, labels: torch.Tensor | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
        """log p(x | y) in nats per image, exact on the 256 levels. Without a label a conditional model gives
        the marginal, still exact: log p(x) = logsumexp_y log p(x | y) - log 10 (uniform classes)."""
        if labels is not None or not self.num_classes:
            return self.pixel_log_prob(x, labels).flatten(1).sum(1)
        return torch.logsumexp(self.class_log_probs(x), dim=1) - math.log(self.num_classes)

    def class_posterior(self, x: torch.Tensor) -> torch.Tensor:
        """p(y | x) by Bayes' rule with uniform classes, (B, classes): the likelihood as a classifier."""
        return torch.softmax(self.class_log_probs(x), dim=1)

    def class_log_probs(self, x: torch.Tensor) -> torch.Tensor:
        """log p(x | y) for every class y, (B, classes): Bayes' rule turns it into a classifier."""
        return torch.stack([self.log_prob(x, torch.full((len(x),), y, dtype=torch.long, device=x.device))
                            for y in range(self.num_classes)], dim=1)

    def sample_steps(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                     given: torch.Tensor | None = None, keep_rows: int = 0, temperature: float = 1.0) -> Iterator[dict]:
        """Pixel-by-pixel sampling (the cached sampler's events, canvas in [0, 1]); with `given` (B, 1, 28, 28
        in [0, 1]) its first `keep_rows` rows are kept and the rest are drawn (completion)."""
        device = generator.device
        labels = self._labels(labels, n, device)
        canvas = torch.zeros(n, 1, 28, 28, device=device) if given is None else to_model_scale(given)
        sampler = CachedSampler(self.net, canvas, labels)
        for event in sampler.run(generator, keep_rows if given is not None else 0, temperature):
            yield {**event, "canvas": to_levels(event["canvas"])}

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0) -> dict[str, torch.Tensor]:
        """n digits; a conditional model without labels draws them uniformly. Below T = 1 every pixel's
        distribution is sharpened: fewer stray strokes, less variety."""
        if self.num_classes and labels is None:
            labels = torch.randint(0, self.num_classes, (n,), generator=generator, device=generator.device)
        *_, last = self.sample_steps(n, generator, labels, temperature=temperature)
        return {"images": last["canvas"].clone(), "labels": labels}

    @torch.no_grad()
    def complete(self, given: torch.Tensor, keep_rows: int, n: int, generator: torch.Generator,
                 label: int | None) -> torch.Tensor:
        """n completions of one image (1, 1, 28, 28): its first `keep_rows` rows kept, the rest sampled."""
        labels = None if label is None else torch.full((n,), label, dtype=torch.long, device=generator.device)
        *_, last = self.sample_steps(n, generator, labels, given.expand(n, -1, -1, -1), keep_rows)
        return last["canvas"].clone()

    def network_evaluations(self, operation: str) -> int:
        """Full passes per image: sampling and completion by the cached sampler, the rest one pass."""
        if operation in ("sample", "complete"):
            return SAMPLING_PASSES
        return max(self.num_classes, 1) if operation == "log_prob" else 1  # the marginal sums every class
