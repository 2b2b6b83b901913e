"""A checkpoint trained in several runs shows its whole training: `genlab train ... --init-from ID
--whole-history` starts its card's history, step log, film and `previous_runs` with ID's own, with this
run's epochs and steps counted on from where ID stopped.

Without it a continued run's card keeps only that run's curves and film, so a model made in twelve
runs films only its last fine-tuning and no learning is visible (issue 13, point 15).

Why the earlier record is copied into the run's folder when the run starts: the card it comes from is
overwritten when this run writes its checkpoint (at its end, or at --stop-after-epoch), so a resumed
run must not read it again, or the earlier runs would be counted twice.
"""

import json
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors.torch import load_file, safe_open

from models.checkpoint import card_path, film_path, read_card, read_film, save_tensors

_RUN_SUMMARY = ("epochs", "lr", "steps", "seconds")


@dataclass
class EarlierRuns:
    """What the checkpoint a run continues had trained before it."""

    runs: list[dict]  # one {epochs, lr, steps, seconds} per earlier run, oldest first
    history: list[dict]  # per-epoch records, epochs counted from the first run
    steps_log: list[dict]
    film: torch.Tensor | None  # (K, 64, 28, 28) uint8, or None when the earlier runs kept no film
    film_epochs: list[float]

    @property
    def epochs(self) -> int:
        """Epochs trained before this run: the last history record's (a joined card's are cumulative)."""
        return self.history[-1]["epoch"] if self.history else 0

    @property
    def steps(self) -> int:
        return sum(run.get("steps") or 0 for run in self.runs)

    def join(self, card: dict, film: torch.Tensor | None) -> tuple[dict, torch.Tensor | None]:
        """This run's card and film with the earlier runs put first. This run's first film frame is
        dropped when the earlier film exists: the earlier film's last frame already shows that moment."""
        training = card["training"]
        own_epochs = training.get("film_epochs") or []
        if film is not None and self.film is not None:
            film, own_epochs = torch.cat([self.film, film[1:]]), own_epochs[1:]
        elif self.film is not None:
            film = self.film
        earlier_epochs = self.film_epochs if self.film is not None else []
        training.update(
            history=self.history + [{**r, "epoch": r["epoch"] + self.epochs} for r in training["history"]],
            steps_log=self.steps_log + [{**r, "step": r["step"] + self.steps} for r in training.get("steps_log") or []],
            film_epochs=earlier_epochs + [e + self.epochs for e in own_epochs],
            previous_runs=self.runs, whole_history=True)
        return card, film


def _from_checkpoint(directory: Path, model_id: str) -> EarlierRuns:
    training = read_card(card_path(directory, model_id))["training"]
    if training.get("previous_runs") and not training.get("whole_history"):
        raise ValueError(f"{model_id}'s card keeps only its last run's history and film (earlier runs were continued "
                         "without --whole-history): joined on, that run would pass for its whole training")
    try:
        film, film_epochs = read_film(film_path(directory, model_id))
    except FileNotFoundError:
        film, film_epochs = None, []
    own = {k: training.get(k) for k in _RUN_SUMMARY}
    return EarlierRuns(runs=(training.get("previous_runs") or []) + [own], history=training["history"],
                       steps_log=training.get("steps_log") or [], film=film, film_epochs=film_epochs)


def _kept_path(runs: Path, model_id: str) -> Path:
    return Path(runs) / f"{model_id}.earlier.safetensors"


def _save(path: Path, earlier: EarlierRuns) -> None:
    meta = {"runs": earlier.runs, "history": earlier.history, "steps_log": earlier.steps_log,
            "film_epochs": earlier.film_epochs}
    tensors = {"film": earlier.film} if earlier.film is not None else {"none": torch.zeros(0)}
    path.parent.mkdir(parents=True, exist_ok=True)
    save_tensors(path, tensors, metadata={"earlier": json.dumps(meta)})


def _load(path: Path) -> EarlierRuns:
    with safe_open(str(path), framework="pt") as f:
        meta = json.loads(f.metadata()["earlier"])
    return EarlierRuns(film=load_file(str(path)).get("film"), **meta)


def remember_earlier_runs(checkpoints: Path, init_from: str, runs: Path, model_id: str, resuming: bool) -> None:
    """At the start of a run: copy `init_from`'s training record into the run's folder. A resumed run
    keeps the copy its first start made (the card may since have been overwritten by this run)."""
    kept = _kept_path(runs, model_id)
    if resuming and kept.exists():
        return
    _save(kept, _from_checkpoint(checkpoints, init_from))


def earlier_runs(runs: Path, model_id: str) -> EarlierRuns:
    """The record `remember_earlier_runs` kept for this run."""
    return _load(_kept_path(runs, model_id))
