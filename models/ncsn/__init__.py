"""A noise-conditional score network on the digits (NCSN, Song & Ermon 2019): s(x, sigma) at a geometric
ladder of noise levels, trained by denoising score matching and sampled by annealed Langevin dynamics.
model.py is the network and its sampler, train.py the recipe, same_object.py the comparison with a DDPM's
noise prediction (score = -eps / sigma)."""

from models.ncsn.model import NCSN, NCSNConfig

__all__ = ["NCSN", "NCSNConfig"]
