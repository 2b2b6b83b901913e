"""`genlab train latent-diffusion`: the autoencoder first (its own resumable run), then the DDPM over its
frozen latent (another), then one checkpoint holding both."""

from dataclasses import asdict, replace
from pathlib import Path

import torch

from models.checkpoint import card_path, read_card
from models.data import load_digits
from models.latent_diffusion.autoencoder import AutoencoderConfig, SpatialAutoencoder
from models.latent_diffusion.model import LatentDiffusion, LatentDiffusionConfig
from models.latent_diffusion.network import LatentNetConfig
from models.training import fit, fit_config, make_card, save_trained, start_from

AUTOENCODER_LR = 2e-3


def latent_scale(autoencoder: SpatialAutoencoder) -> float:
    """1 / the standard deviation of the training digits' latent means: the diffusion then starts from
    noise of the data's own scale, as its schedule assumes."""
    with torch.no_grad():
        means = torch.cat([autoencoder.encode(x)[0] for x in load_digits("train").images.split(500)])
    return round(1.0 / means.std().item(), 5)


def _first_stage(args) -> tuple[LatentDiffusion, dict]:
    """A fresh DDPM over a freshly trained autoencoder, and the autoencoder's training record."""
    autoencoder = SpatialAutoencoder(AutoencoderConfig())
    first = fit(autoencoder, replace(fit_config(args), epochs=args.ae_epochs, lr=AUTOENCODER_LR, film_every=0),
                Path(args.runs) / f"{args.id}.autoencoder.state.safetensors")
    config = LatentDiffusionConfig(net=asdict(LatentNetConfig(num_classes=10 if args.conditional else 0)),
                                   autoencoder=asdict(autoencoder.config), latent_scale=latent_scale(autoencoder),
                                   schedule=args.schedule, timesteps=args.timesteps, sample_guidance=args.sample_guidance)
    model = LatentDiffusion(config)
    model.autoencoder.load_state_dict(autoencoder.state_dict())
    return model, {"epochs": args.ae_epochs, "lr": AUTOENCODER_LR, "steps": first.steps,
                   "seconds": round(first.seconds, 1), "history": first.history}


def _continued(args) -> tuple[LatentDiffusion, dict]:
    """--init-from: the checkpoint's whole model (its frozen autoencoder, latent scale, network and EMA) with
    --sample-guidance, and its autoencoder's record: the first stage is not trained again."""
    card = read_card(card_path(Path(args.out), args.init_from))
    model = LatentDiffusion(replace(LatentDiffusionConfig(**card["config"]), sample_guidance=args.sample_guidance))
    start_from(args, model)
    return model, card["training"]["autoencoder"]


def train_latent_diffusion(args) -> None:
    torch.manual_seed(args.seed)
    model, autoencoder_record = _continued(args) if args.init_from else _first_stage(args)
    config = model.config
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    parameters = sum(p.numel() for p in model.net.parameters()) / 1e6
    recon = autoencoder_record["history"][-1]["heldout"]["recon"]
    description = (f"Latent diffusion (Rombach et al. 2022): a DDPM with a {parameters:.2f}M-parameter network over the "
                   f"{model.state_shape[0]} x 7 x 7 latent of a KL-regularized autoencoder ({recon:.4f} "
                   f"held-out reconstruction BCE per pixel), {config.schedule} schedule, T = {config.timesteps}, EMA "
                   f"{config.ema_decay}" + (", class-conditional with classifier-free guidance, sampled with "
                                            f"w = {config.sample_guidance:g} unless told" if args.conditional else "")
                   + (f"; started from {args.init_from}" if args.init_from else ""))
    card = make_card(args, "latent_diffusion", asdict(config), result, description)
    card["training"]["autoencoder"] = autoencoder_record
    save_trained(args, model, card, result)
