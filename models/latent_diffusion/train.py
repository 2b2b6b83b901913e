"""`genlab train latent-diffusion`: the autoencoder first (its own resumable run), then the DDPM over its
frozen latent (another), then one checkpoint holding both."""

from dataclasses import asdict, replace
from pathlib import Path

import torch

from models.data import load_digits
from models.latent_diffusion.autoencoder import AutoencoderConfig, SpatialAutoencoder
from models.latent_diffusion.model import LatentDiffusion, LatentDiffusionConfig
from models.latent_diffusion.network import LatentNetConfig
from models.training import fit, fit_config, make_card, save_trained

AUTOENCODER_LR = 2e-3


def latent_scale(autoencoder: SpatialAutoencoder) -> float:
    """1 / the standard deviation of the training digits' latent means: the diffusion then starts from
    noise of the data's own scale, as its schedule assumes."""
    with torch.no_grad():
        means = torch.cat([autoencoder.encode(x)[0] for x in load_digits("train").images.split(500)])
    return round(1.0 / means.std().item(), 5)


def train_latent_diffusion(args) -> None:
    torch.manual_seed(args.seed)
    runs = Path(args.runs)
    autoencoder = SpatialAutoencoder(AutoencoderConfig())
    first = fit(autoencoder, replace(fit_config(args), epochs=args.ae_epochs, lr=AUTOENCODER_LR, film_every=0),
                runs / f"{args.id}.autoencoder.state.safetensors")
    config = LatentDiffusionConfig(net=asdict(LatentNetConfig(num_classes=10 if args.conditional else 0)),
                                   autoencoder=asdict(autoencoder.config), latent_scale=latent_scale(autoencoder),
                                   schedule=args.schedule, timesteps=args.timesteps, sample_guidance=args.sample_guidance)
    model = LatentDiffusion(config)
    model.autoencoder.load_state_dict(autoencoder.state_dict())
    result = fit(model, fit_config(args), runs / f"{args.id}.state.safetensors")
    parameters = sum(p.numel() for p in model.net.parameters()) / 1e6
    description = (f"Latent diffusion (Rombach et al. 2022): a DDPM with a {parameters:.2f}M-parameter network over the "
                   f"{model.state_shape[0]} x 7 x 7 latent of a KL-regularized autoencoder ({first.history[-1]['heldout']['recon']:.4f} "
                   f"held-out reconstruction BCE per pixel), {config.schedule} schedule, T = {config.timesteps}, EMA "
                   f"{config.ema_decay}" + (", class-conditional with classifier-free guidance, sampled with "
                                            f"w = {config.sample_guidance:g} unless told" if args.conditional else ""))
    card = make_card(args, "latent_diffusion", asdict(config), result, description)
    card["training"]["autoencoder"] = {"epochs": args.ae_epochs, "lr": AUTOENCODER_LR, "steps": first.steps,
                                       "seconds": round(first.seconds, 1), "history": first.history}
    save_trained(args, model, card, result)
