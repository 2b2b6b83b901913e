"""`genlab train gan`: DCGAN / WGAN-GP / conditional GANs, optionally continued from a checkpoint."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.gan.model import GAN
from models.gan.networks import GANConfig
from models.training import fit, fit_config, make_card, save_trained, start_from


def train_gan(args) -> None:
    wgan = args.loss == "wgan-gp"
    config = GANConfig(latent_dim=args.latent_dim, loss=args.loss, num_classes=10 if args.conditional else 0,
                       label_smoothing=args.label_smoothing, n_critic=args.n_critic or (5 if wgan else 1),
                       d_lr_scale=args.d_lr_scale, betas=(0.0, 0.9) if wgan else (0.5, 0.999), g_steps=args.g_steps,
                       ema_decay=args.ema_decay, d_batchnorm=not args.no_d_batchnorm)
    torch.manual_seed(args.seed)
    model = GAN(config)
    start_from(args, model)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    kind = "class-conditional " if args.conditional else ""
    description = (f"DCGAN-style {kind}GAN, {config.loss} loss, latent {config.latent_dim}, n_critic {config.n_critic}, "
                   f"G steps per round {config.g_steps}, "
                   f"D lr x{config.d_lr_scale:g}, label smoothing {config.label_smoothing:g}, "
                   + ("no batch norm in D, " if not config.d_batchnorm and not wgan else "")
                   + (f"samples from an EMA ({config.ema_decay:g}) of G" if config.ema_decay else "samples from G itself")
                   + (f", started from {args.init_from}." if args.init_from else "."))
    save_trained(args, model, make_card(args, "gan", asdict(config), result, description), result)
