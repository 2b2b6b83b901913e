"""The second stage: a causal Transformer over the 49 tokens of a grid in raster order (a GPT in miniature,
as the prior of DALL-E, Ramesh et al. 2021). Position i sees the class (as a start token) and tokens < i
only, so one pass gives every conditional p(t_i | t_<i, y) at once for training, and sampling writes the
grid one token at a time."""

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class TransformerConfig:
    codes: int = 128
    length: int = 49  # tokens per grid
    dim: int = 128
    layers: int = 4
    heads: int = 4
    num_classes: int = 10  # 0: unconditional (one start token for every grid)
    dropout: float = 0.1


class TokenTransformer(nn.Module):
    def __init__(self, config: TransformerConfig):
        super().__init__()
        self.config = config
        self.start = nn.Embedding(max(config.num_classes, 1), config.dim)  # the class, in place of a token -1
        self.token = nn.Embedding(config.codes, config.dim)
        self.position = nn.Parameter(torch.zeros(1, config.length, config.dim))
        nn.init.normal_(self.position, std=0.02)
        layer = nn.TransformerEncoderLayer(config.dim, config.heads, 4 * config.dim, config.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(config.dim)
        self.head = nn.Linear(config.dim, config.codes)

    def forward(self, tokens: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor:
        """tokens (B, L) with 0 <= L < length, the grid so far -> logits (B, L + 1, codes), where row i
        predicts token i from the class and tokens < i."""
        n, length = tokens.shape
        start = self.start(labels if labels is not None else torch.zeros(n, dtype=torch.long, device=tokens.device))
        h = torch.cat([start[:, None], self.token(tokens)], dim=1) + self.position[:, :length + 1]
        mask = nn.Transformer.generate_square_subsequent_mask(length + 1, device=tokens.device)
        return self.head(self.norm(self.blocks(h, mask=mask, is_causal=True)))
