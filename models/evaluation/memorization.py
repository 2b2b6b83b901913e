"""Does a model copy its training digits? For each sample, its nearest training digit and its nearest
held-out digit, in pixel space (a copy is a copy) and in the classifier's feature space (a copy in content).

A sample much closer to one training digit than to any held-out digit was not generalised from the data but
drawn from memory: the ratio d_train / d_heldout below NEAR_COPY_RATIO counts as a near-copy. Held-out digits
come from the same distribution, so a model that generalises puts its samples about as close to them as to
the training digits (ratio near 1; a little below, as the training split is 9x larger)."""

import functools
import hashlib
import threading
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open

from models.checkpoint import save_tensors
from models.data import SPLITS, load_digits
from models.metrics import DigitClassifier, classify

NEAR_COPY_RATIO = 0.5


@dataclass(frozen=True)
class Neighbours:
    indices: torch.Tensor  # (N, k) the k nearest training digits of each sample, nearest first
    distances: torch.Tensor  # (N, k) their distances
    heldout_index: torch.Tensor  # (N,) the nearest held-out digit
    heldout_distance: torch.Tensor  # (N,) its distance

    @property
    def index(self) -> torch.Tensor:
        return self.indices[:, 0]

    @property
    def distance(self) -> torch.Tensor:
        return self.distances[:, 0]

    @property
    def ratio(self) -> torch.Tensor:
        """d_train / d_heldout; a digit found in both splits at distance 0 is as near to unseen digits as to
        training ones: 1, not a copy (the tiny epsilon on both sides says so)."""
        return (self.distance + 1e-12) / (self.heldout_distance + 1e-12)

    @property
    def near_copy(self) -> torch.Tensor:
        """(N,) bool: the sample is a near-copy of its nearest training digit."""
        return self.ratio < NEAR_COPY_RATIO

    @property
    def near_copy_share(self) -> float:
        return float(self.near_copy.float().mean())


def _nearest(queries: torch.Tensor, pool: torch.Tensor, k: int = 1,
             chunk: int = 512) -> tuple[torch.Tensor, torch.Tensor]:
    """The k nearest pool rows of each query, nearest first: distances and indices, (N, k) each. Queries go in
    chunks so the distance matrix stays chunk x len(pool). cdist finds them by a matrix product, which leaves
    ~1e-7 where a copy's distance is 0: the k found are measured again exactly."""
    distances, indices = [], []
    for block in queries.split(chunk):
        _, i = torch.cdist(block, pool).topk(k, dim=1, largest=False)
        d, order = (block[:, None] - pool[i]).norm(dim=-1).sort(dim=1)  # (chunk, k)
        distances.append(d)
        indices.append(i.gather(1, order))
    return torch.cat(distances), torch.cat(indices)


def nearest_training(samples: torch.Tensor, train: torch.Tensor, heldout: torch.Tensor, k: int = 1) -> Neighbours:
    """Samples, training and held-out vectors as (N, D) (flattened pixels, or features): the k nearest
    training vectors of each sample and its one nearest held-out vector."""
    samples, train, heldout = (t.flatten(1).double() for t in (samples, train, heldout))
    distances, indices = _nearest(samples, train, k)
    heldout_distance, heldout_index = _nearest(samples, heldout)
    return Neighbours(indices, distances, heldout_index[:, 0], heldout_distance[:, 0])


FEATURES_FILE = Path("evaluation") / "digit-features.safetensors"  # in the checkpoint directory


def file_digest(path: Path) -> str:
    """sha256 of a file: which classifier weights a features file was computed with."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class ShippedDigits:
    """The shipped training and held-out digits beside their features in one classifier, so that asking about
    any image costs one classifier pass and a distance to 10,000 digits, not a pass over all of them.

    The features ship with the checkpoints (FEATURES_FILE, written by `genlab evaluate --all --write` with the
    digest of the classifier's weights): classifying the 10,000 digits costs 6.5 s of one core on an AMX box
    and several times that on a slower CPU, over one request's budget there. Without a file that matches, they
    are computed on the first question (a server nobody asks never pays), once: concurrent first questions
    wait on one lock. Both spaces are kept as the (N, D) float64 rows nearest_training measures in."""

    def __init__(self, classifier: DigitClassifier, features: Path | None = None, weights: Path | None = None):
        self.classifier = classifier
        device = next(classifier.parameters()).device
        self.images = {split: load_digits(split).images.to(device) for split in SPLITS}  # (N, 1, 28, 28) each
        self.labels = {split: load_digits(split).labels for split in SPLITS}
        self._spaces: dict[str, dict[str, torch.Tensor]] | None = None
        self._lock = threading.Lock()
        if features is not None and weights is not None:
            self._load(Path(features), Path(weights))

    def _load(self, features: Path, weights: Path) -> None:
        """Take the shipped features if they were computed with these weights and cover every digit."""
        try:
            with safe_open(features, "pt") as f:
                if (f.metadata() or {}).get("classifier_sha256") != file_digest(weights):
                    return
                loaded = {split: f.get_tensor(split).double() for split in SPLITS}
        except (OSError, SafetensorError, KeyError):
            return
        if all(len(loaded[split]) == len(self.images[split]) for split in SPLITS):
            self._spaces = {"pixels": {split: x.flatten(1).double() for split, x in self.images.items()},
                            "features": {split: t.to(self.images[split].device) for split, t in loaded.items()}}

    def save_features(self, features: Path, weights: Path) -> Path:
        """Write the features (float32, as the classifier gives them) with the weights' digest."""
        tensors = {split: t.float().cpu().contiguous() for split, t in self.spaces()["features"].items()}
        features.parent.mkdir(parents=True, exist_ok=True)
        save_tensors(features, tensors, {"classifier_sha256": file_digest(weights)})
        return features

    @property
    def unclassified(self) -> int:
        """Digits the next question must classify first: all of them until the first question, then none."""
        return 0 if self._spaces is not None else sum(len(x) for x in self.images.values())

    def spaces(self) -> dict[str, dict[str, torch.Tensor]]:
        """{"pixels": {split: (N, 784)}, "features": {split: (N, feature_dim)}}, float64."""
        with self._lock:
            if self._spaces is None:
                self._spaces = {
                    "pixels": {split: x.flatten(1).double() for split, x in self.images.items()},
                    "features": {split: classify(self.classifier, x)[0].double() for split, x in self.images.items()},
                }
        return self._spaces

    def nearest(self, images: torch.Tensor, k: int) -> dict[str, Neighbours]:
        """(N, 1, 28, 28) -> the k nearest training digits of each, and its nearest held-out one, in pixels and in
        the classifier's features."""
        queries = {"pixels": images, "features": classify(self.classifier, images)[0]}
        return {space: nearest_training(queries[space], pool["train"], pool["heldout"], k)
                for space, pool in self.spaces().items()}


_MAKING = threading.Lock()


def shipped_digits(classifier: DigitClassifier, features: Path | None = None, weights: Path | None = None) -> ShippedDigits:
    """The one ShippedDigits of this classifier (a server has one classifier; a test run loads a few), with the
    shipped features when `features` was computed with the `weights` file."""
    with _MAKING:  # lru_cache alone could make two for two first callers, and classify 10,000 digits twice
        return _shipped_digits(classifier, features, weights)


@functools.lru_cache(maxsize=2)
def _shipped_digits(classifier: DigitClassifier, features: Path | None, weights: Path | None) -> ShippedDigits:
    return ShippedDigits(classifier, features, weights)
