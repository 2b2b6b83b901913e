"""GANs: the networks (networks.py), the adversarial losses and sampling (model.py), the training recipe (train.py)."""

from models.gan.model import GAN
from models.gan.networks import LOSSES, GANConfig

__all__ = ["GAN", "LOSSES", "GANConfig"]
