"""`genlab train diffusion`: a (class-conditional) DDPM, optionally continued from a checkpoint."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.data import load_digits
from models.diffusion.process import Diffusion, DiffusionConfig
from models.training import fit, fit_config, make_card, save_trained, start_from
from models.unet import UNetConfig


def train_diffusion(args) -> None:
    unet = UNetConfig(num_classes=10 if args.conditional else 0)
    config = DiffusionConfig(unet=asdict(unet), schedule=args.schedule, timesteps=args.timesteps,
                             sample_guidance=args.sample_guidance)
    torch.manual_seed(args.seed)
    model = Diffusion(config)
    start_from(args, model)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    held = load_digits("heldout")
    loss_by_t = model.mse_by_timestep(held.images[:500], held.labels[:500], list(range(0, args.timesteps, 50)) + [args.timesteps - 1])
    description = (f"DDPM (Ho et al. 2020) with a {sum(p.numel() for p in model.net.parameters()) / 1e6:.2f}M-parameter UNet, "
                   f"{config.schedule} schedule, T = {config.timesteps}, epsilon-prediction MSE, EMA {config.ema_decay}"
                   + (", class-conditional with label dropout for classifier-free guidance; sampled with"
                      f" w = {config.sample_guidance:g} unless told" if args.conditional else "")
                   + (f"; started from {args.init_from}" if args.init_from else ""))
    card = make_card(args, "diffusion", asdict(config), result, description)
    card["training"]["loss_by_t"] = loss_by_t
    save_trained(args, model, card, result)
