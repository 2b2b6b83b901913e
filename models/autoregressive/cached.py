"""Sampling a Gated PixelCNN pixel by pixel without re-running it on the whole image (the idea of
Fast PixelCNN++, Ramachandran et al. 2017): every activation is computed once, when the pixels it
depends on are known, and kept in per-layer caches.

- Before row r: each layer's vertical stack is computed for row r - 1 only (its inputs, rows above,
  are final), giving the shifted vertical-to-horizontal link for the whole of row r.
- At pixel (r, c): each layer's horizontal stack is computed for column c only, from the cached
  columns to its left; the head gives that pixel's 256-level distribution; one level is drawn.

Same weights, same arithmetic as GatedPixelCNN.forward (tests compare the two), about the cost of
one or two full passes instead of 784.
"""

from collections.abc import Iterator

import torch
import torch.nn.functional as F

from models.autoregressive.mixture import LEVELS, level_distribution
from models.autoregressive.network import GatedPixelCNN, gate
from models.interrupt import checkpoint


def _draw(probs: torch.Tensor, u: torch.Tensor) -> torch.Tensor:
    """One level per image by inverse CDF of its own uniform u (B, 1)."""
    return (probs.cumsum(1) < u).sum(1).clamp(max=LEVELS - 1)


class CachedSampler:
    def __init__(self, net: GatedPixelCNN, canvas: torch.Tensor, labels: torch.Tensor | None):
        """`canvas` (B, 1, H, W) in [-1, 1]: the given pixels (the rest are overwritten as they are drawn)."""
        self.net, self.labels = net, labels
        b, _, self.height, self.width = canvas.shape
        self.biases = [layer.label_bias(labels) for layer in net.layers]
        # vertical inputs, padded (top: v_height - 1 rows, sides: k // 2 columns), one per layer
        self.v_in = [canvas.new_zeros(b, layer.v_conv.in_channels, self.height + layer.v_height - 1,
                                      self.width + 2 * (layer.k // 2)) for layer in net.layers]
        first = net.layers[0]
        self.v_in[0][:, :, first.v_height - 1:, first.k // 2:first.k // 2 + self.width] = canvas
        self.canvas = canvas.clone()

    def _vertical_row(self, r: int) -> list[torch.Tensor]:
        """Each layer's vertical pre-activations at row r (written onward into the next layer's input),
        returned as the horizontal stack's links for row r + 1."""
        links = []
        for i, layer in enumerate(self.net.layers):
            v_pre = layer.v_conv(self.v_in[i][:, :, r:r + layer.v_height])  # input rows r - v_height + 1 .. r
            links.append(layer.v_to_h(v_pre)[:, :, 0])
            if i + 1 < len(self.net.layers):
                nxt = self.net.layers[i + 1]
                k2 = nxt.k // 2
                self.v_in[i + 1][:, :, r + nxt.v_height - 1, k2:k2 + self.width] = gate(v_pre + self.biases[i])[:, :, 0]
        return links

    def _top_links(self) -> list[torch.Tensor]:
        """Row 0 sees no row above: its link is v_to_h of zeros, the bias alone."""
        b = len(self.canvas)
        return [layer.v_to_h.bias.view(1, -1, 1).expand(b, -1, self.width) for layer in self.net.layers]

    def _pixel(self, h_in: list[torch.Tensor], links: list[torch.Tensor], c: int) -> torch.Tensor:
        """The head's mixture parameters at column c of the current row; h_in[i] (B, C, W + k // 2) are
        the rows' horizontal inputs of layer i, left-padded, filled up to column c."""
        h = None
        for i, layer in enumerate(self.net.layers):
            k2 = layer.k // 2
            window = h_in[i][:, :, c:c + layer.h_width]  # columns c - k//2 .. c (type B) or .. c - 1 (type A)
            pre = F.conv1d(window, layer.h_conv.weight[:, :, 0], layer.h_conv.bias)[:, :, 0]
            bias = self.biases[i] if isinstance(self.biases[i], float) else self.biases[i][:, :, 0, 0]
            pre = pre + links[i][:, :, c] + bias
            h = F.linear(gate(pre[:, :, None])[:, :, 0], layer.h_out.weight[:, :, 0, 0], layer.h_out.bias)
            if not layer.first:
                h = h + h_in[i][:, :, c + k2]
            if i + 1 < len(self.net.layers):
                k2n = self.net.layers[i + 1].k // 2
                h_in[i + 1][:, :, c + k2n] = h
        return self.net.head(h[:, :, None, None])[:, :, 0, 0]

    def run(self, generator: torch.Generator, start_row: int = 0, temperature: float = 1.0) -> Iterator[dict]:
        """Yields, after each drawn pixel: its row, column, the (B, 256) distribution it was drawn from
        (at `temperature`), and the canvas so far. Rows above `start_row` are kept as given."""
        first = self.net.layers[0]
        # every uniform drawn up front, image by image: image i's pixels depend on its own row only, so
        # the first images of a batch of 4 are those of a batch of 1 from the same seed
        uniforms = torch.rand(len(self.canvas), self.height * self.width, generator=generator, device=self.canvas.device)
        for r in range(self.height):
            links = self._vertical_row(r - 1) if r > 0 else self._top_links()
            if r < start_row:
                continue
            h_in = [self.canvas.new_zeros(len(self.canvas), layer.h_conv.in_channels, self.width + layer.k // 2)
                    for layer in self.net.layers]
            for c in range(self.width):
                probs = level_distribution(self._pixel(h_in, links, c), temperature)
                value = _draw(probs, uniforms[:, r * self.width + c, None]).float() / (LEVELS - 1) * 2 - 1
                self.canvas[:, 0, r, c] = value
                h_in[0][:, 0, c + first.k // 2] = value
                self.v_in[0][:, 0, r + first.v_height - 1, c + first.k // 2] = value
                yield {"row": r, "col": c, "probs": probs, "canvas": self.canvas}
            checkpoint()
