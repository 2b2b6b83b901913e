"""genlab's yardsticks: a small MNIST classifier trained on the train split, Frechet distance in its
feature space, conditional accuracy and class entropy.

The classifier is genlab's own (no Inception network to download); Frechet distances computed in
its 128-d features are therefore only comparable with each other, which is why every card also
reports the real-vs-real floor (train vs held-out digits) measured with the same features.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn

from models.data import NUM_CLASSES


class DigitClassifier(nn.Module):
    """A VGG-style CNN: (B, 1, 28, 28) -> 128-d features -> 10 logits."""

    def __init__(self, width: int = 32, feature_dim: int = 128):
        super().__init__()
        w = width
        self.body = nn.Sequential(
            nn.Conv2d(1, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # (B, w, 14, 14)
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.ReLU(), nn.Conv2d(2 * w, 2 * w, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),  # (B, 2w, 7, 7)
            nn.Flatten(), nn.Linear(2 * w * 49, feature_dim), nn.ReLU(),
        )
        self.head = nn.Sequential(nn.Dropout(0.3), nn.Linear(feature_dim, NUM_CLASSES))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))

    def loss(self, x: torch.Tensor, labels: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        logits = self(x)
        loss = F.cross_entropy(logits, labels)
        return loss, {"xent": loss.item(), "acc": (logits.argmax(1) == labels).float().mean().item()}


@torch.inference_mode()
def classify(classifier: DigitClassifier, images: torch.Tensor, batch: int = 500) -> tuple[torch.Tensor, torch.Tensor]:
    """Features (N, 128) and predicted labels (N,) for a stack of images."""
    feats, preds = [], []
    for chunk in images.split(batch):
        f = classifier.features(chunk)
        feats.append(f)
        preds.append(classifier.head(f).argmax(1))
    return torch.cat(feats), torch.cat(preds)


def frechet_distance(a: torch.Tensor, b: torch.Tensor) -> float:
    """||mu_a - mu_b||^2 + Tr(S_a + S_b - 2 (S_a S_b)^1/2) between Gaussians fitted to two feature sets
    (Heusel et al. 2017). Tr((S_a S_b)^1/2) is taken from the eigenvalues of S_a^1/2 S_b S_a^1/2,
    which is symmetric, so no general matrix square root is needed."""
    a, b = a.double(), b.double()
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    vals, vecs = torch.linalg.eigh(cov_a)
    sqrt_a = vecs @ torch.diag(vals.clamp(min=0).sqrt()) @ vecs.T
    cross = torch.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a).clamp(min=0).sqrt().sum()
    return float((mu_a - mu_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * cross)


def class_entropy(predictions: torch.Tensor) -> float:
    """Entropy of the predicted-class histogram over log(10): 1 = all classes equally often,
    0 = every sample the same class (mode collapse)."""
    p = torch.bincount(predictions, minlength=NUM_CLASSES).double()
    p = p / p.sum()
    return 0.0 - float((p[p > 0] * p[p > 0].log()).sum() / math.log(NUM_CLASSES))  # 0.0 - x: one class gives 0, not -0


def accuracy(predictions: torch.Tensor, labels: torch.Tensor) -> float:
    return float((predictions == labels).double().mean())


def significant(x: float, digits: int = 4) -> float:
    """x rounded to significant digits, not decimals: distances and FDs span 1e-5 (a tiny test classifier's
    features) to 1,000, and a fixed number of decimals would zero the small ones."""
    return float(f"{x:.{digits}g}")


def bits_per_dim(nats: torch.Tensor | float, dims: int = 784) -> torch.Tensor | float:
    """Negative log-likelihood in nats per image -> bits per pixel."""
    return nats / (dims * math.log(2))
