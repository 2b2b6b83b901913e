"""`genlab train vqvae`: the VQ-VAE first (its own resumable run), then the Transformer over its frozen
token grids (another), then one checkpoint holding both, with the codebook's use on the held-out digits."""

from dataclasses import asdict, replace
from pathlib import Path

import torch

from models.data import load_digits
from models.training import fit, fit_config, make_card, save_trained
from models.vqvae.autoencoder import VQVAE, VQVAEConfig
from models.vqvae.model import TokenPrior, TokenPriorConfig
from models.vqvae.prior import TransformerConfig
from models.vqvae.quantizer import perplexity

VQVAE_LR = 2e-3


def codebook_card(model: TokenPrior) -> dict:
    """How the held-out digits use the codebook: counts per code, dead codes, perplexity."""
    with torch.no_grad():
        tokens = torch.cat([model.vqvae.tokens(x) for x in load_digits("heldout").images.split(500)])
    usage = torch.bincount(tokens.flatten(), minlength=model.codes)
    return {"heldout_usage": usage.tolist(), "dead_codes": int((usage == 0).sum()),
            "perplexity": round(perplexity(tokens, model.codes), 2)}


def train_vqvae(args) -> None:
    torch.manual_seed(args.seed)
    runs = Path(args.runs)
    vqvae = VQVAE(VQVAEConfig(codes=args.codes))
    first = fit(vqvae, replace(fit_config(args), epochs=args.ae_epochs, lr=VQVAE_LR, film_every=0, stop_after=0),
                runs / f"{args.id}.vqvae.state.safetensors")
    config = TokenPriorConfig(vqvae=asdict(vqvae.config),
                              prior=asdict(TransformerConfig(codes=vqvae.config.codes,
                                                             num_classes=10 if args.conditional else 0)))
    model = TokenPrior(config)
    model.vqvae.load_state_dict(vqvae.state_dict())
    result = fit(model, fit_config(args), runs / f"{args.id}.state.safetensors")
    model.eval()
    codebook = codebook_card(model)
    parameters = sum(p.numel() for p in model.prior.parameters()) / 1e6
    heldout = first.history[-1]["heldout"]
    description = (f"VQ-VAE (van den Oord et al. 2017) with {config.vqvae['codes']} codes over a 7 x 7 token grid "
                   f"({heldout['recon']:.4f} held-out reconstruction BCE per pixel, {codebook['dead_codes']} dead codes), "
                   f"and a {parameters:.2f}M-parameter causal Transformer prior over the grids "
                   f"({result.history[-1]['heldout']['nll']:.3f} nats per token held out)"
                   + (", class-conditional" if args.conditional else ""))
    card = make_card(args, "vqvae", asdict(config), result, description)
    card["training"]["vqvae"] = {"epochs": args.ae_epochs, "lr": VQVAE_LR, "steps": first.steps,
                                 "seconds": round(first.seconds, 1), "history": first.history}
    card["codebook"] = codebook
    save_trained(args, model, card, result)
