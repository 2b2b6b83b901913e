"""Autoregressive family: the Gated PixelCNN (network.py), its output distribution (mixture.py),
the cached pixel-by-pixel sampler (cached.py), the model (model.py) and its recipe (train.py)."""

from models.autoregressive.model import AutoregressiveConfig, PixelCNN

__all__ = ["AutoregressiveConfig", "PixelCNN"]
