"""How far to trust an FD measured on 1,000 samples: a bootstrap over the samples (the reference set held
fixed), so two models whose intervals overlap are not told apart by FD at this n.

Resampling with replacement repeats samples, and repeats alone raise FD (a set with duplicates is less
diverse): the bootstrap FDs sit well above the estimate (measured on dcgan-mnist: estimate 93, bootstrap
quantiles 97 to 120). So the interval is the bootstrap's spread placed around the estimate: the quantiles
minus the bootstrap's bias (their mean minus the estimate)."""

import torch

from models.metrics import frechet_distance


def frechet_interval(generated: torch.Tensor, reference: torch.Tensor, rounds: int = 50, level: float = 0.9,
                     seed: int = 0) -> tuple[float, float]:
    """The (1 - level) / 2 and (1 + level) / 2 quantiles of FD over `rounds` resamplings of `generated`, less
    the resamplings' bias (never below 0)."""
    g = torch.Generator().manual_seed(seed)
    n = len(generated)
    estimate = frechet_distance(generated, reference)
    values = torch.tensor([frechet_distance(generated[torch.randint(0, n, (n,), generator=g)], reference)
                           for _ in range(rounds)])
    low, high = torch.quantile(values, torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=values.dtype))
    bias = float(values.mean()) - estimate
    return max(float(low) - bias, 0.0), float(high) - bias
