"""`genlab train ncsn`: the score network by denoising score matching over its ladder of noise levels,
whose top is set from the data (Song & Ermon 2020, technique 1: sigma_max about the largest distance
between two training digits, so the first level's noise covers the whole data set)."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.data import load_digits
from models.ncsn.model import NCSN, NCSNConfig
from models.training import fit, fit_config, make_card, save_trained, start_from
from models.unet import UNetConfig


def largest_distance(images: torch.Tensor, n: int = 3000) -> float:
    """The largest Euclidean distance between two of the first n digits, in the [-1, 1] scale (rounded up)."""
    x = images[:n].flatten(1) * 2 - 1
    return float(torch.cdist(x, x).max().ceil())


def train_ncsn(args) -> None:
    torch.manual_seed(args.seed)
    config = NCSNConfig(unet=asdict(UNetConfig(num_classes=10 if args.conditional else 0)),
                        sigma_max=largest_distance(load_digits("train").images), levels=args.levels,
                        sample_guidance=args.sample_guidance if args.conditional else 0.0)
    model = NCSN(config)
    start_from(args, model)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    parameters = sum(p.numel() for p in model.net.parameters()) / 1e6
    description = (f"Noise-conditional score network (Song & Ermon 2019): a {parameters:.2f}M-parameter UNet for "
                   f"{config.levels} geometric noise levels sigma = {config.sigma_max:g} .. {config.sigma_min:g}, trained by "
                   f"denoising score matching, EMA {config.ema_decay}; sampled by annealed Langevin dynamics, "
                   f"{config.steps_per_level} steps per level at epsilon = {config.step_size:g}, then one denoising step"
                   + (f", class-conditional; samples with classifier-free guidance w = {config.sample_guidance:g} unless told"
                      if args.conditional else ""))
    save_trained(args, model, make_card(args, "ncsn", asdict(config), result, description), result)
