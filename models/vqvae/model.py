"""The two stages together: the frozen VQ-VAE, and the Transformer prior over its token grids. Sampling
draws the grid token by token from the prior, then decodes it once; a partly written grid is shown by
filling the unwritten places with the tokens of a blank digit."""

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from models.vqvae.autoencoder import GRID, VQVAE, VQVAEConfig
from models.vqvae.prior import TokenTransformer, TransformerConfig

MIN_TEMPERATURE = 1e-30  # below it T would round to 0 in float32 and 0 / 0 give NaN; at it sampling is already greedy


@dataclass
class TokenPriorConfig:
    vqvae: dict = field(default_factory=lambda: asdict(VQVAEConfig()))
    prior: dict = field(default_factory=lambda: asdict(TransformerConfig()))


class TokenPrior(nn.Module):
    def __init__(self, config: TokenPriorConfig):
        super().__init__()
        self.config = config
        self.vqvae = VQVAE(VQVAEConfig(**config.vqvae)).requires_grad_(False)
        self.prior = TokenTransformer(TransformerConfig(**config.prior))

    @property
    def num_classes(self) -> int:
        return self.prior.config.num_classes

    @property
    def codes(self) -> int:
        return self.vqvae.config.codes

    def loss(self, x: torch.Tensor, labels: torch.Tensor | None = None) -> tuple[torch.Tensor, dict[str, float]]:
        """Cross-entropy of each token given the class and the tokens before it, in nats per token."""
        with torch.no_grad():
            tokens = self.vqvae.tokens(x).flatten(1)
        logits = self.prior(tokens[:, :-1], labels if self.num_classes else None)
        nll = F.cross_entropy(logits.transpose(1, 2), tokens)
        return nll, {"nll": nll.item()}

    def token_log_probs(self, tokens: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        """(B, 7, 7) grids -> (B, 7, 7) log p(t_i | t_<i, y) in nats: the exact likelihood of the tokens
        (not of the image: the decoder adds no density)."""
        flat = tokens.flatten(1)
        logits = self.prior(flat[:, :-1], labels if self.num_classes else None)
        return logits.log_softmax(-1).gather(-1, flat[..., None])[..., 0].view_as(tokens)

    def blank_tokens(self, n: int) -> torch.Tensor:
        """The token grid of an empty (black) digit, (n, 7, 7): what unwritten places are shown as."""
        device = self.prior.position.device
        return self.vqvae.tokens(torch.zeros(1, 1, 28, 28, device=device)).expand(n, GRID, GRID).clone()

    @torch.no_grad()
    def token_steps(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
                    temperature: float = 1.0) -> Iterator[dict]:
        """Write n grids in raster order; after each token yield its place, the grids so far (unwritten
        places blank, mutated by the next step) and the distribution (B, K) it was drawn from."""
        grid = self.blank_tokens(n)
        flat = grid.view(n, -1)
        for i in range(GRID * GRID):
            logits = self.prior(flat[:, :i], labels if self.num_classes else None)[:, -1]
            probs = ((logits - logits.amax(-1, keepdim=True)) / max(temperature, MIN_TEMPERATURE)).softmax(-1)
            flat[:, i] = torch.multinomial(probs, 1, generator=generator)[:, 0]
            yield {"index": i, "row": i // GRID, "col": i % GRID, "tokens": grid, "probs": probs}

    @torch.no_grad()
    def sample(self, n: int, generator: torch.Generator, labels: torch.Tensor | None = None,
               temperature: float = 1.0) -> dict[str, torch.Tensor]:
        """n digits; a conditional model without labels draws them uniformly. Below T = 1 each token's
        distribution is sharpened: cleaner strokes, less variety."""
        if self.num_classes and labels is None:
            labels = torch.randint(0, self.num_classes, (n,), generator=generator, device=generator.device)
        *_, last = self.token_steps(n, generator, labels, temperature)
        return {"images": self.vqvae.decode_tokens(last["tokens"]), "labels": labels, "tokens": last["tokens"]}

    @torch.no_grad()
    def codebook_images(self) -> torch.Tensor:
        """(K, 1, 28, 28): each code decoded from a grid filled with it alone, i.e. its texture (a code
        alone has no picture: the decoder's receptive field mixes neighbours)."""
        codes = torch.arange(self.codes, device=self.prior.position.device)
        return self.vqvae.decode_tokens(codes[:, None, None].expand(-1, GRID, GRID))

    @torch.no_grad()
    def code_usage(self, images: torch.Tensor, batch: int = 500) -> torch.Tensor:
        """(K,) how many times each code is chosen over the images' token grids: unused codes are dead."""
        counts = torch.zeros(self.codes, dtype=torch.long, device=images.device)
        for x in images.split(batch):
            counts += torch.bincount(self.vqvae.tokens(x).flatten(), minlength=self.codes)
        return counts

    def network_evaluations(self, operation: str) -> int:
        """Transformer passes per image: one per token when sampling (no key-value cache: the grid is
        short), one otherwise."""
        return GRID * GRID if operation == "sample" else 1
