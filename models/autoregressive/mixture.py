"""The discretized logistic mixture over 256 pixel levels (Salimans et al. 2017, PixelCNN++), for one channel.

Each pixel's distribution is a mixture of K logistics, integrated over each level's bin of width 2/255
on [-1, 1]; the two end bins take the tails, so 0 and 255 (most of a digit) are cheap to model. Every
probability here is exact over the 256 levels, so bits/dim need no dequantization.
"""

import torch
import torch.nn.functional as F

LEVELS = 256
MIN_LOG_SCALE = -7.0


def split_params(params: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(B, 3K, H, W) -> mixture log-weights, means, log-scales, each (B, K, H, W)."""
    logits, means, log_scales = params.chunk(3, dim=1)
    return F.log_softmax(logits, dim=1), means, log_scales.clamp_min(MIN_LOG_SCALE)


def log_prob_levels(params: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """log P(x) per pixel, (B, 1, H, W) -> (B, H, W); x in [-1, 1] on the 256 levels."""
    log_weights, means, log_scales = split_params(params)
    centered = x - means
    inv_scale = (-log_scales).exp()
    plus = inv_scale * (centered + 1 / 255)
    minus = inv_scale * (centered - 1 / 255)
    log_cdf_plus = plus - F.softplus(plus)  # log sigmoid(plus): the bottom bin takes the left tail
    log_one_minus_cdf_minus = -F.softplus(minus)  # the top bin takes the right tail
    mid = inv_scale * centered
    log_pdf_mid = mid - log_scales - 2 * F.softplus(mid)  # for bins too narrow to difference in float32
    delta = torch.sigmoid(plus) - torch.sigmoid(minus)
    inner = torch.where(delta > 1e-5, delta.clamp_min(1e-12).log(), log_pdf_mid - torch.log(torch.tensor(127.5)))
    log_probs = torch.where(x < -0.999, log_cdf_plus, torch.where(x > 0.999, log_one_minus_cdf_minus, inner))
    return torch.logsumexp(log_probs + log_weights, dim=1)


def level_distribution(params: torch.Tensor, temperature: float = 1.0) -> torch.Tensor:
    """The whole predictive distribution: (B, 3K) parameters of one pixel -> (B, 256) probabilities;
    a temperature T < 1 sharpens it to p^(1/T), renormalised; T = 0 puts all mass on the most likely level."""
    levels = torch.linspace(-1, 1, LEVELS, device=params.device)
    b = params.shape[0]
    grid = params[:, :, None, None].expand(b, params.shape[1], 1, LEVELS)
    log_p = log_prob_levels(grid, levels.view(1, 1, 1, LEVELS).expand(b, 1, 1, LEVELS))[:, 0]
    if temperature == 0:
        return F.one_hot(log_p.argmax(-1), LEVELS).to(log_p.dtype)
    return F.softmax(log_p / temperature, dim=-1)  # at T = 1 this only renormalises away float rounding
