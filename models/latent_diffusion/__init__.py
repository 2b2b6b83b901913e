"""Latent diffusion (Rombach et al. 2022) on the digits: a DDPM over the 4 x 7 x 7 latent of a small
KL-regularized autoencoder, decoded once at the end. autoencoder.py is the first stage, network.py the
noise predictor over the latent, model.py the two together, train.py both stages."""

from models.latent_diffusion.autoencoder import AutoencoderConfig, SpatialAutoencoder
from models.latent_diffusion.model import LatentDiffusion, LatentDiffusionConfig

__all__ = ["AutoencoderConfig", "LatentDiffusion", "LatentDiffusionConfig", "SpatialAutoencoder"]
