"""The quiz round's layout is a function of (seed, n) alone, its share of fakes is drawn within bounds, its
real cells are distinct held-out digits spread over the classes, and its grading counts each kind of call."""

import pytest
import torch

from models.data import load_digits
from models.evaluation.quiz import fake_count_bounds, layout


@pytest.mark.parametrize("n", [9, 16, 25])
def test_the_same_seed_deals_the_same_round(n):
    a, b = layout(7, n), layout(7, n)
    assert torch.equal(a.fake, b.fake) and torch.equal(a.real_index, b.real_index)


def test_different_seeds_deal_different_rounds():
    rounds = [layout(seed, 16) for seed in range(20)]
    assert len({tuple(r.fake.tolist()) for r in rounds}) == 20
    assert len({tuple(r.real_index.tolist()) for r in rounds}) == 20


@pytest.mark.parametrize("n", [9, 16, 25])
def test_the_count_of_fakes_is_drawn_between_a_quarter_and_three_quarters(n):
    low, high = fake_count_bounds(n)
    assert low == -(-n // 4) and high == 3 * n // 4
    counts = {layout(seed, n).fakes for seed in range(300)}
    assert counts <= set(range(low, high + 1))
    assert len(counts) >= high - low  # drawn, not fixed: calling half the cells fake is no strategy


def test_real_cells_are_distinct_held_out_digits_not_a_prefix_of_the_split():
    heldout = load_digits("heldout")
    cells = layout(3, 25)
    index = cells.real_index
    assert len(index) == 25 - cells.fakes and len(set(index.tolist())) == len(index)
    assert 0 <= int(index.min()) and int(index.max()) < len(heldout.labels)
    # the split is stored class by class: random picks from 300 rounds cover every class
    labels = {int(heldout.labels[i]) for seed in range(300) for i in layout(seed, 9).real_index}
    assert labels == set(range(10))


def test_compose_puts_samples_in_the_fake_cells_and_held_out_digits_in_the_others():
    cells = layout(5, 16)
    samples = torch.full((cells.fakes, 1, 28, 28), 0.5)
    grid = cells.compose(samples)
    assert grid.shape == (16, 1, 28, 28)
    assert torch.all(grid[cells.fake] == 0.5)
    assert torch.equal(grid[~cells.fake], load_digits("heldout").images[cells.real_index])


def test_grading_counts_hits_misses_and_false_alarms():
    cells = layout(11, 16)
    fakes = torch.nonzero(cells.fake).flatten().tolist()
    reals = [i for i in range(16) if i not in fakes]
    perfect = cells.grade(fakes)
    assert (perfect.hits, perfect.misses, perfect.false_alarms, perfect.score, perfect.fool_rate) == (len(fakes), 0, 0, 1, 0)
    none = cells.grade([])
    assert (none.hits, none.misses, none.correct, none.fool_rate) == (0, len(fakes), len(reals), 1)
    mixed = cells.grade([fakes[0], reals[0], reals[1]])
    assert (mixed.hits, mixed.misses, mixed.false_alarms) == (1, len(fakes) - 1, 2)
    assert mixed.correct == 16 - (len(fakes) - 1) - 2 and mixed.score == mixed.correct / 16
    assert mixed.fakes == fakes
