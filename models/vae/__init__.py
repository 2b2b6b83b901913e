"""VAEs: the model (model.py) and its training recipe (train.py)."""

from models.vae.model import IMPORTANCE_SAMPLES, RECONSTRUCT_SAMPLES, VAE, VAEConfig

__all__ = ["IMPORTANCE_SAMPLES", "RECONSTRUCT_SAMPLES", "VAE", "VAEConfig"]
