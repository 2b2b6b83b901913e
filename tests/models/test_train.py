import argparse
from argparse import Namespace

import pytest
import torch

from models.checkpoint import save_checkpoint
from models.train import add_train_parser
from models.training import fit_config, start_from
from models.vae import VAE, VAEConfig


def test_init_from_loads_a_checkpoints_weights_exactly_and_refuses_a_misfit(tmp_path):
    """--init-from continues a shipped model (float16 on disk) with fresh optimisers: every weight must
    come across, and a checkpoint of another shape must be an error, not a partial load."""
    torch.manual_seed(0)
    shipped = VAE(VAEConfig(latent_dim=4, hidden=32, width=8))
    save_checkpoint(tmp_path, shipped, {"id": "shipped"})
    torch.manual_seed(1)
    fresh = VAE(VAEConfig(latent_dim=4, hidden=32, width=8))
    start_from(Namespace(init_from="shipped", out=str(tmp_path)), fresh)
    for (name, a), b in zip(shipped.state_dict().items(), fresh.state_dict().values()):
        assert torch.equal(a.half().float(), b), name
    with pytest.raises(RuntimeError, match="size mismatch"):
        start_from(Namespace(init_from="shipped", out=str(tmp_path)), VAE(VAEConfig(latent_dim=8, hidden=32, width=8)))
    start_from(Namespace(init_from="", out=str(tmp_path)), fresh)  # no --init-from: nothing happens


def test_the_train_command_passes_its_filming_and_logging_rates_to_the_loop():
    """The collapse run's recipe relies on --film-every-steps and --log-every reaching FitConfig."""
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    args = parser.parse_args(["train", "gan", "--id", "x", "--film-every", "1", "--film-every-steps", "10", "--log-every", "1"])
    cfg = fit_config(args)
    assert (cfg.film_every, cfg.film_every_steps, cfg.log_every) == (1, 10, 1)
    assert fit_config(parser.parse_args(["train", "gan", "--id", "x"])).log_every == 10


def test_a_trained_card_records_the_command_that_made_it(tmp_path, monkeypatch):
    """`genlab train ...` writes its own command line into the card (training.command): the card says how
    to reproduce it. One epoch of a tiny VAE."""
    from models.checkpoint import read_card
    from models.train import main
    argv = ["train", "vae", "--id", "cmd-vae", "--epochs", "1", "--batch-size", "512", "--latent-dim", "2",
            "--width", "4", "--hidden", "8", "--out", str(tmp_path), "--runs", str(tmp_path / "runs")]
    monkeypatch.setattr("sys.argv", ["genlab", *argv])
    main(argv)
    assert read_card(tmp_path / "cmd-vae.json")["training"]["command"] == "genlab " + " ".join(argv)


def test_threads_sets_torchs_threads_before_the_recipe_runs_and_refuses_a_negative_count(monkeypatch):
    """`genlab train --threads 1`: two trainings sharing two cores each take one (each with every core, they wait
    on each other's threads)."""
    from models import train

    calls = []
    monkeypatch.setattr(torch, "set_num_threads", calls.append)
    monkeypatch.setitem(train.RECIPES, "vae", lambda args: calls.append("recipe"))
    train.main(["train", "vae", "--id", "x", "--threads", "1"])
    assert calls == [1, "recipe"]
    calls.clear()
    train.main(["train", "vae", "--id", "x"])
    assert calls == ["recipe"]  # torch's own default
    with pytest.raises(SystemExit, match="--threads must be 1 or more"):
        train.main(["train", "vae", "--id", "x", "--threads", "-1"])


@pytest.mark.parametrize("rate", ["1", "1.5", "-0.1", "nan", "half"])
def test_a_dropout_rate_outside_0_to_1_is_refused_at_the_command_line(rate, capsys):
    parser = argparse.ArgumentParser()
    add_train_parser(parser.add_subparsers())
    with pytest.raises(SystemExit):
        parser.parse_args(["train", "pixelcnn", "--id", "x", "--dropout", rate])
    assert "expected a dropout rate in [0, 1)" in capsys.readouterr().err
    assert parser.parse_args(["train", "pixelcnn", "--id", "x", "--dropout", "0.1"]).dropout == 0.1
