"""`genlab train FAMILY`: the command line, and the dispatch to each family's recipe (the loop is
models/training.py; the recipes live beside their models)."""

import argparse
import shlex
import sys
from pathlib import Path

import torch

from models.autoregressive.train import train_pixelcnn
from models.diffusion.train import train_diffusion
from models.flow.train import train_flow
from models.gan import LOSSES
from models.gan.train import train_gan
from models.latent_diffusion.train import train_latent_diffusion
from models.metrics import DigitClassifier
from models.ncsn.train import train_ncsn
from models.precision import PRECISIONS
from models.score.train import train_score2d
from models.training import fit, fit_config, make_card, random_shift, save_trained
from models.vae.train import train_vae
from models.vqvae.train import train_vqvae


def train_classifier(args) -> None:
    torch.manual_seed(args.seed)
    model = DigitClassifier()
    result = fit(model, fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors", augment=random_shift)
    description = "genlab's MNIST feature classifier: the yardstick for Frechet distance and accuracies."
    card = make_card(args, "classifier", {"width": 32, "feature_dim": 128}, result, description)
    card["metrics"] = {"heldout_accuracy": round(result.history[-1]["heldout"]["acc"], 4)}
    save_trained(args, model, card, result)



CONTINUABLE = {"gan", "diffusion", "flow", "pixelcnn", "ncsn", "latent-diffusion"}  # recipes that honour --init-from (start_from)
RECIPES = {"vae": train_vae, "gan": train_gan, "classifier": train_classifier, "diffusion": train_diffusion,
           "flow": train_flow, "pixelcnn": train_pixelcnn, "score2d": train_score2d,
           "latent-diffusion": train_latent_diffusion, "vqvae": train_vqvae, "ncsn": train_ncsn}


def add_train_parser(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a model and write its checkpoint + card")
    p.add_argument("family", choices=sorted(RECIPES))
    p.add_argument("--id", required=True, help="model id, e.g. vae-mnist")
    p.add_argument("--title", default="")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--stop-after-epoch", type=int, default=0,
                   help="end the run after this epoch, checkpoint written; rerun (even with another --epochs) to go on")
    p.add_argument("--precision", default="fp32", choices=PRECISIONS,
                   help="bf16 autocast, only where measured faster than fp32 (refused otherwise); weights stay fp32")
    p.add_argument("--latent-dim", type=int, default=16)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--width", type=int, default=32, help="VAE: channels of the first conv layer (doubled after)")
    p.add_argument("--hidden", type=int, default=256, help="VAE: units of the dense layer between convs and latent")
    p.add_argument("--conditional", action="store_true")
    p.add_argument("--grad-clip", type=float, default=0.0)
    p.add_argument("--loss", default="nonsaturating", choices=LOSSES, help="GAN loss")
    p.add_argument("--label-smoothing", type=float, default=0.0)
    p.add_argument("--n-critic", type=int, default=0, help="D steps per G step (default 5 for wgan-gp, else 1)")
    p.add_argument("--d-lr-scale", type=float, default=1.0)
    p.add_argument("--g-steps", type=int, default=1, help="G steps per D round: > 1 lets a lagging G catch up; with a high lr it provokes collapse")
    p.add_argument("--init-from", default="", help="start from this checkpoint's weights (same architecture, or a shallower pixelcnn; relative to --out)")
    p.add_argument("--whole-history", action="store_true",
                   help="with --init-from: the card and film start with that checkpoint's own history and film, "
                        "so a model trained in several runs shows its whole training")
    p.add_argument("--ema-decay", type=float, default=0.999, help="GAN: sample from an EMA of G (0 = from G itself)")
    p.add_argument("--no-d-batchnorm", action="store_true", help="GAN: no batch norm in D, so it judges each image alone")
    p.add_argument("--note", default="", help="why this run is set up as it is, for its card")
    p.add_argument("--log-every", type=int, default=10, help="record one step's losses in the card every N steps (for charts)")
    p.add_argument("--film-every", type=int, default=0, help="keep fixed-seed samples every N epochs")
    p.add_argument("--film-every-steps", type=int, default=0,
                   help="with --film-every: also keep them every N steps within an epoch (e.g. to film a collapse)")
    p.add_argument("--steps-per-level", type=int, default=8, help="flow: Glow steps at each of the two scales")
    p.add_argument("--coupling-hidden", type=int, default=128, help="flow: channels inside each coupling's conditioner")
    p.add_argument("--layers", type=int, default=8,
                   help="pixelcnn: gated layers (--width sets their channels); more than --init-from's grows that network")
    p.add_argument("--dropout", type=_dropout_rate, default=0.0,
                   help="pixelcnn: dropout on each layer's gated features while training, in [0, 1)")
    p.add_argument("--schedule", default="linear", choices=["linear", "cosine"])
    p.add_argument("--sample-guidance", type=float, default=1.0,
                   help="diffusion: the guidance w that sample() uses by default (pick it from the card's guidance curve)")
    p.add_argument("--timesteps", type=int, default=1000)
    p.add_argument("--ae-epochs", type=int, default=10, help="latent-diffusion, vqvae: epochs of the autoencoder stage")
    p.add_argument("--levels", type=int, default=50, help="ncsn: noise levels of the geometric ladder")
    p.add_argument("--codes", type=int, default=128, help="vqvae: the codebook's size K")
    p.add_argument("--toy", default="8gaussians", help="score2d: the 2-D toy (models.data.TOY_DISTRIBUTIONS)")
    p.add_argument("--kind", default="ncsn", choices=["ncsn", "ebm"], help="score2d: score network or energy")
    p.add_argument("--steps", type=int, default=10000, help="score2d: optimizer steps")
    p.add_argument("--out", default="checkpoints", help="where the checkpoint and card go")
    p.add_argument("--runs", default="runs", help="where resumable training state goes")
    p.add_argument("--threads", type=int, default=0,
                   help="torch threads (default: torch's own, one per core); give each of two trainings that share "
                        "the cores its share: two that each take every core wait on each other's threads")
    p.set_defaults(handler=_run_recipe)


def _dropout_rate(text: str) -> float:
    """--dropout: refused at the command line, not after the data has loaded (1 would drop every feature)."""
    try:
        rate = float(text)
    except ValueError:
        rate = -1.0
    if not 0 <= rate < 1:
        raise argparse.ArgumentTypeError(f"expected a dropout rate in [0, 1), got {text!r}")
    return rate


def _run_recipe(args) -> None:
    """Train; the card records the command line that did it, so a card says how to reproduce itself."""
    args.command = shlex.join(["genlab", *sys.argv[1:]])
    if args.init_from and args.family not in CONTINUABLE:
        raise SystemExit(f"genlab train {args.family} cannot start from a checkpoint (--init-from works for "
                         f"{', '.join(sorted(CONTINUABLE))})")
    if args.whole_history and not args.init_from:
        raise SystemExit("--whole-history continues a checkpoint's training record: name it with --init-from")
    if args.threads < 0:
        raise SystemExit(f"--threads must be 1 or more (0: torch's default), not {args.threads}")
    if args.threads:
        torch.set_num_threads(args.threads)
    RECIPES[args.family](args)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="genlab-train")
    add_train_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    args.handler(args)
