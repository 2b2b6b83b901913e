"""Discrete latents, the route from VAEs to DALL-E-style models: a VQ-VAE (van den Oord et al. 2017) turns a
digit into a 7 x 7 grid of codebook indices, and a small causal Transformer learns the distribution of
those grids, token by token. quantizer.py is the codebook, autoencoder.py the VQ-VAE, prior.py the
Transformer, model.py the two together, train.py both stages."""

from models.vqvae.autoencoder import VQVAE, VQVAEConfig
from models.vqvae.model import TokenPrior, TokenPriorConfig
from models.vqvae.prior import TransformerConfig

__all__ = ["VQVAE", "TokenPrior", "TokenPriorConfig", "TransformerConfig", "VQVAEConfig"]
