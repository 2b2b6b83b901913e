"""Real or fake? The layout of a quiz round and its score: human judgement as a quality measure.

A round of n cells mixes held-out digits with a model's samples. Everything about it follows from
(seed, n) alone, so a server checks the answers by recomputing the layout: nothing is stored between
showing a round and scoring it, and any of several replicas can do either.

The share of fakes is itself drawn (between n/4 and 3n/4), so a player who knows the rules gains nothing by
calling half the cells fake; the real cells are random held-out digits, not a prefix of the split (which is
stored class by class: a prefix would be all zeros). The fool rate, the share of fakes taken for real, is
the human-eye measure of HYPE (Zhou et al. 2019): 50% means people cannot tell the model from the data.
It measures realism only: a model that copied its training digits would fool everyone.
"""

import math
from dataclasses import dataclass

import torch

from models.data import load_digits

HELDOUT = "heldout"


@dataclass(frozen=True)
class Score:
    fakes: list[int]  # the fake cells
    hits: int  # fakes called fake
    misses: int  # fakes taken for real: the model fooled the player
    false_alarms: int  # real digits called fake
    correct: int  # cells called right, either way

    @property
    def score(self) -> float:
        """The share of cells called right."""
        return self.correct / (self.correct + self.misses + self.false_alarms)

    @property
    def fool_rate(self) -> float:
        """The share of fakes taken for real (HYPE's measure of the model, not of the player)."""
        return self.misses / len(self.fakes)


@dataclass(frozen=True)
class Layout:
    fake: torch.Tensor  # (n,) bool: the cell shows a sample
    real_index: torch.Tensor  # (n - fakes,) positions in the held-out split, one per real cell in cell order

    @property
    def fakes(self) -> int:
        return int(self.fake.sum())

    def compose(self, samples: torch.Tensor) -> torch.Tensor:
        """(n, 1, 28, 28): the samples (fakes, 1, 28, 28) in the fake cells, the held-out digits in the others."""
        cells = torch.empty(len(self.fake), *samples.shape[1:])
        cells[self.fake] = samples.detach().float().cpu()
        cells[~self.fake] = load_digits(HELDOUT).images[self.real_index]
        return cells

    def grade(self, picks: list[int]) -> Score:
        """Grade the cells a player called fake (`picks`, distinct cell indices)."""
        fakes = torch.nonzero(self.fake).flatten().tolist()
        hits = len(set(picks).intersection(fakes))
        misses, false_alarms = len(fakes) - hits, len(picks) - hits
        return Score(fakes, hits, misses, false_alarms, len(self.fake) - misses - false_alarms)


def fake_count_bounds(n: int) -> tuple[int, int]:
    """The fewest and most fakes a round of n cells may hold: a quarter to three quarters."""
    return math.ceil(n / 4), math.floor(3 * n / 4)


def layout(seed: int, n: int) -> Layout:
    """Which cells are fakes and which held-out digits fill the others, the same for the same (seed, n)."""
    g = torch.Generator().manual_seed(seed)  # CPU, whatever the model's device: the layout never moves
    low, high = fake_count_bounds(n)
    count = int(torch.randint(low, high + 1, (1,), generator=g))
    fake = torch.zeros(n, dtype=torch.bool)
    fake[torch.randperm(n, generator=g)[:count]] = True
    heldout = len(load_digits(HELDOUT).labels)
    return Layout(fake, torch.randperm(heldout, generator=g)[: n - count])
