"""--whole-history: a checkpoint trained in several runs shows every run's curves and film (issue 13, point 15)."""

import pytest

from models.checkpoint import card_path, film_path, read_card, read_film, write_card
from models.train import main

TINY_FLOW = ["flow", "--id", "f", "--batch-size", "500", "--steps-per-level", "1", "--coupling-hidden", "8",
             "--film-every", "1", "--log-every", "5"]


def _train(tmp_path, monkeypatch, *extra: str) -> None:
    argv = ["train", *TINY_FLOW, "--out", str(tmp_path), *extra]
    monkeypatch.setattr("sys.argv", ["genlab", *argv])
    main(argv)


def test_a_continued_run_starts_its_card_and_film_with_the_earlier_runs_and_a_resume_counts_them_once(
        tmp_path, monkeypatch):
    """Run 1 (1 epoch), then run 2 continued with --whole-history over 2 epochs, stopped after its first
    (which writes the joined checkpoint) and resumed: the resumed run must take the earlier record from
    where its first start kept it, not from the card it has since overwritten."""
    _train(tmp_path, monkeypatch, "--epochs", "1", "--runs", str(tmp_path / "r1"))
    first = read_card(card_path(tmp_path, "f"))["training"]
    first_film, _ = read_film(film_path(tmp_path, "f"))
    continued = ["--init-from", "f", "--whole-history", "--runs", str(tmp_path / "r2"), "--epochs", "2"]
    _train(tmp_path, monkeypatch, *continued, "--stop-after-epoch", "1")
    _train(tmp_path, monkeypatch, *continued)

    training = read_card(card_path(tmp_path, "f"))["training"]
    assert training["whole_history"] is True
    assert [r["epoch"] for r in training["history"]] == [1, 2, 3]
    assert training["history"][0] == first["history"][0]
    assert training["previous_runs"] == [{k: first[k] for k in ("epochs", "lr", "steps", "seconds")}]
    steps = [r["step"] for r in training["steps_log"]]
    assert steps == sorted(set(steps)) and steps[:len(first["steps_log"])] == [r["step"] for r in first["steps_log"]]
    assert steps[-1] >= first["steps"] + training["steps"] - 5  # the second run counted on from the first's end

    frames, epochs = read_film(film_path(tmp_path, "f"))
    assert epochs == training["film_epochs"] == [0, 1, 2, 3]  # run 2's frame 0 is run 1's last frame, kept once
    assert frames.shape[0] == 4 and frames[:2].equal(first_film)


def test_whole_history_needs_a_checkpoint_to_continue_and_a_family_that_can(tmp_path, monkeypatch):
    with pytest.raises(SystemExit, match="--init-from"):
        _train(tmp_path, monkeypatch, "--epochs", "1", "--whole-history")
    argv = ["train", "vae", "--id", "v", "--init-from", "v", "--out", str(tmp_path)]
    monkeypatch.setattr("sys.argv", ["genlab", *argv])
    with pytest.raises(SystemExit, match="cannot start from a checkpoint"):
        main(argv)


def test_a_card_that_kept_only_its_last_run_is_not_joined_on_as_if_it_were_whole(tmp_path, monkeypatch):
    """A card continued without --whole-history (previous_runs, but curves of its last run only) would pass
    that run for its whole training: refused, with the reason."""
    _train(tmp_path, monkeypatch, "--epochs", "1", "--runs", str(tmp_path / "r1"))
    card = read_card(card_path(tmp_path, "f"))
    card["training"]["previous_runs"] = [{"epochs": 5, "lr": 1e-3, "steps": 90, "seconds": 1.0}]
    write_card(tmp_path, card)
    with pytest.raises(ValueError, match="last run"):
        _train(tmp_path, monkeypatch, "--epochs", "1", "--init-from", "f", "--whole-history",
               "--runs", str(tmp_path / "r2"))
