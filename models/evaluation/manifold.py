"""Improved precision and recall (Kynkaanniemi et al. 2019): a set's manifold is the union of balls around
each of its feature vectors, of radius the distance to its k-th nearest neighbour in the same set.
Precision: the share of generated samples inside the real manifold (are samples realistic?). Recall: the
share of real digits inside the generated manifold (does the model cover the data?). A model that draws a
few perfect digits has high precision and low recall; one that draws noise has low precision. Two numbers,
because one (FD) mixes them: a collapsed GAN and a blurry VAE can share an FD and fail differently."""

import torch

K = 3  # the paper's choice: small k keeps the manifolds tight


def knn_radii(features: torch.Tensor, k: int = K, chunk: int = 1024) -> torch.Tensor:
    """(N,) the distance from each vector to its k-th nearest neighbour in the set (itself excluded)."""
    radii = []
    for block in features.split(chunk):
        distances = torch.cdist(block, features)
        radii.append(distances.kthvalue(k + 1, dim=1).values)  # the 1st is the vector itself, at 0
    return torch.cat(radii)


def coverage(queries: torch.Tensor, support: torch.Tensor, radii: torch.Tensor, chunk: int = 1024) -> float:
    """The share of queries that fall inside at least one ball (support_j, radii_j)."""
    inside = [(torch.cdist(block, support) <= radii[None]).any(dim=1) for block in queries.split(chunk)]
    return float(torch.cat(inside).float().mean())


def precision_recall(real: torch.Tensor, generated: torch.Tensor, k: int = K) -> dict[str, float]:
    """Precision and recall of generated features against real ones (both (N, D), ideally the same N)."""
    real, generated = real.double(), generated.double()
    return {"precision": coverage(generated, real, knn_radii(real, k)),
            "recall": coverage(real, generated, knn_radii(generated, k))}
