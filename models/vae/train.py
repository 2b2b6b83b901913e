"""`genlab train vae`: a (conditional, beta-) VAE on the training digits."""

from dataclasses import asdict
from pathlib import Path

import torch

from models.training import fit, fit_config, make_card, save_trained
from models.vae.model import VAE, VAEConfig


def train_vae(args) -> None:
    config = VAEConfig(latent_dim=args.latent_dim, beta=args.beta, num_classes=10 if args.conditional else 0)
    torch.manual_seed(args.seed)
    model = VAE(config)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    kind = "class-conditional " if args.conditional else ""
    description = (f"Convolutional {kind}VAE, latent {config.latent_dim}, beta {config.beta:g}; Bernoulli decoder "
                   "on pixel intensities; objective: recon + beta * KL (nats per image).")
    save_trained(args, model, make_card(args, "vae", asdict(config), result, description), result)
