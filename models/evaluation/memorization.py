"""Does a model copy its training digits? For each sample, its nearest training digit and its nearest
held-out digit, in pixel space (a copy is a copy) and in the classifier's feature space (a copy in content).

A sample much closer to one training digit than to any held-out digit was not generalised from the data but
drawn from memory: the ratio d_train / d_heldout below NEAR_COPY_RATIO counts as a near-copy. Held-out digits
come from the same distribution, so a model that generalises puts its samples about as close to them as to
the training digits (ratio near 1; a little below, as the training split is 9x larger)."""

from dataclasses import dataclass

import torch

NEAR_COPY_RATIO = 0.5


@dataclass(frozen=True)
class Neighbours:
    index: torch.Tensor  # (N,) the nearest training digit of each sample
    distance: torch.Tensor  # (N,) its distance
    heldout_distance: torch.Tensor  # (N,) the distance to the nearest held-out digit

    @property
    def ratio(self) -> torch.Tensor:
        return self.distance / self.heldout_distance.clamp_min(1e-12)

    @property
    def near_copy_share(self) -> float:
        return float((self.ratio < NEAR_COPY_RATIO).float().mean())


def _nearest(queries: torch.Tensor, pool: torch.Tensor, chunk: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    distances, indices = [], []
    for block in queries.split(chunk):
        d, i = torch.cdist(block, pool).min(dim=1)
        distances.append(d)
        indices.append(i)
    return torch.cat(distances), torch.cat(indices)


def nearest_training(samples: torch.Tensor, train: torch.Tensor, heldout: torch.Tensor) -> Neighbours:
    """Samples, training and held-out vectors as (N, D) (flattened pixels, or features)."""
    samples, train, heldout = (t.flatten(1).double() for t in (samples, train, heldout))
    distance, index = _nearest(samples, train)
    heldout_distance, _ = _nearest(samples, heldout)
    return Neighbours(index, distance, heldout_distance)
