"""`genlab train vae`: a (conditional, beta-) VAE on the training digits."""

from dataclasses import asdict
from pathlib import Path

import torch
from safetensors.torch import load_file

from models.checkpoint import card_path, code_version, read_card, save_checkpoint, weights_path
from models.data import load_digits
from models.training import fit, fit_config, make_card, save_trained
from models.vae.model import VAE, VAEConfig


def train_vae(args) -> None:
    config = VAEConfig(latent_dim=args.latent_dim, beta=args.beta, num_classes=10 if args.conditional else 0,
                       hidden=args.hidden, width=args.width)
    torch.manual_seed(args.seed)
    model = VAE(config)
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    kind = "class-conditional " if args.conditional else ""
    description = (f"Convolutional {kind}VAE, latent {config.latent_dim}, beta {config.beta:g}, width {config.width}, "
                   f"hidden {config.hidden}; Bernoulli decoder "
                   "on pixel intensities; objective: recon + beta * KL (nats per image).")
    save_trained(args, model, make_card(args, "vae", asdict(config), result, description), result)


def refit_prior(directory: Path, model_id: str, components: int) -> dict:
    """`genlab fit-prior`: fit the sampling mixture (models/vae/prior.py) of a trained, unconditional VAE
    checkpoint to its training digits' posterior means, and save weights and card (atomically). The
    networks are untouched; only how `sample` draws z changes. Returns the card."""
    card = read_card(card_path(directory, model_id))
    if card["family"] != "vae":
        raise ValueError(f"{model_id!r} is a {card['family']}, not a VAE")
    config = VAEConfig(**{**card["config"], "prior_components": components})
    model = VAE(config)
    state = {k: v.float() for k, v in load_file(str(weights_path(directory, model_id))).items()
             if not k.startswith("prior_")}
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected or any(not k.startswith("prior_") for k in missing):
        raise ValueError(f"weights do not fit {model_id!r}: missing {missing[:3]}, unexpected {unexpected[:3]}")
    model.eval().fit_prior(load_digits("train").images)
    card["config"] = asdict(config)
    earlier = card["training"].get("prior")  # a refit keeps the N(0, I) figures of the first fit
    before = earlier["standard_prior_metrics"] if earlier else card.get("metrics", {})
    card["training"]["prior"] = {"kind": "ex-post Gaussian mixture, full covariance (Ghosh et al. 2020)",
                                 "components": components, "fitted_on": "posterior means of the training digits",
                                 "code_version": code_version(),
                                 # the figures measured with the N(0, I) prior, kept for the comparison
                                 "standard_prior_metrics": {k: before[k] for k in (
                                     "frechet_distance", "frechet_ratio_to_floor", "class_entropy") if k in before}}
    note = (f" Samples draw z from a {components}-Gaussian mixture fitted to its encoded training digits "
            "(ex-post density estimation), not from N(0, I), which has holes the decoder never saw.")
    card["description"] = card["description"].split(" Samples draw z from")[0] + note
    save_checkpoint(directory, model, card)
    return card
