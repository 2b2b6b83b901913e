"""How far to trust an FD measured on 1,000 samples: a percentile bootstrap over the samples (the reference
set held fixed), so two models whose intervals overlap are not told apart by FD at this n."""

import torch

from models.metrics import frechet_distance


def frechet_interval(generated: torch.Tensor, reference: torch.Tensor, rounds: int = 50, level: float = 0.9,
                     seed: int = 0) -> tuple[float, float]:
    """The (1 - level) / 2 and (1 + level) / 2 quantiles of FD over `rounds` resamplings of `generated`."""
    g = torch.Generator().manual_seed(seed)
    n = len(generated)
    values = torch.tensor([frechet_distance(generated[torch.randint(0, n, (n,), generator=g)], reference)
                           for _ in range(rounds)])
    low, high = torch.quantile(values, torch.tensor([(1 - level) / 2, (1 + level) / 2], dtype=values.dtype))
    return float(low), float(high)
