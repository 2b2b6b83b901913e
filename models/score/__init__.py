"""Score-based and energy-based models of the 2-D toys: a score without a normalized density.

network.py holds the two models (a noise-conditional score network, an energy), langevin.py the sampler
both share, reference.py the exact score of the smoothed data that each is judged against, train.py how
each learns (denoising score matching; contrastive divergence)."""

from models.score.network import Score2D, ScoreConfig

__all__ = ["Score2D", "ScoreConfig"]
