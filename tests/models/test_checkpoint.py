import os
import random
from dataclasses import asdict
from math import ceil

import pytest
import torch
from safetensors.torch import load_file, save_file

from models.checkpoint import (
    CheckpointError,
    atomic_write,
    read_film,
    save_checkpoint,
    save_tensors,
    save_training_state,
    write_card,
)
from models.data import load_digits
from models.registry import load_all, load_model
from models.training import FitConfig, fit
from models.vae import VAE, VAEConfig

TINY = VAEConfig(latent_dim=2, hidden=8, width=2)


def _card(model_id: str) -> dict:
    return {"id": model_id, "family": "vae", "title": model_id, "config": asdict(TINY), "training": {}, "metrics": {}}


def test_a_model_is_rebuilt_from_its_card_alone(tmp_path):
    torch.manual_seed(0)
    original = VAE(TINY).eval()
    save_checkpoint(tmp_path, original, _card("m"))
    loaded = load_model(tmp_path / "m.json")
    z = torch.randn(3, 2)
    assert loaded.module.encoder.net[0].weight.dtype == torch.float32  # stored as float16, served as float32
    assert torch.allclose(original.decode(z), loaded.module.decode(z), atol=5e-3)
    assert {"sample", "encode", "decode", "log_prob", "latent_map"} <= loaded.capabilities
    assert "conditional" not in loaded.capabilities


def test_one_broken_checkpoint_does_not_take_down_the_others(tmp_path):
    for model_id in ("good", "corrupt", "truncated"):
        save_checkpoint(tmp_path, VAE(TINY), _card(model_id))
    (tmp_path / "corrupt.safetensors").write_bytes(b"not a safetensors file")
    (tmp_path / "truncated.safetensors").write_bytes((tmp_path / "good.safetensors").read_bytes()[:200])
    (tmp_path / "orphan.safetensors").write_bytes((tmp_path / "good.safetensors").read_bytes())
    (tmp_path / "nofamily.json").write_text('{"id": "nofamily", "family": "alchemy", "config": {}}')
    (tmp_path / "badjson.json").write_text("{")
    models, failed = load_all(tmp_path)
    assert list(models) == ["good"]
    assert sorted(f["id"] for f in failed) == ["badjson", "corrupt", "nofamily", "orphan", "truncated"]
    assert all(f["error"] for f in failed)


def test_weights_for_a_different_config_are_refused(tmp_path):
    save_checkpoint(tmp_path, VAE(TINY), _card("m"))
    card = (tmp_path / "m.json").read_text().replace('"latent_dim": 2', '"latent_dim": 3')
    (tmp_path / "m.json").write_text(card)
    with pytest.raises(RuntimeError):
        load_model(tmp_path / "m.json")


def test_interrupted_training_resumes_to_the_same_weights(tmp_path):
    """2 epochs straight == 1 epoch, stop, resume for the 2nd: the state file carries everything."""
    cfg = FitConfig(epochs=2, batch_size=512, lr=1e-3, seed=3)
    torch.manual_seed(0)
    straight = VAE(TINY)
    fit(straight, cfg, tmp_path / "straight.safetensors")

    torch.manual_seed(0)
    first = VAE(TINY)
    fit(first, FitConfig(**{**asdict(cfg), "epochs": 1}), tmp_path / "once.safetensors")
    with pytest.raises(SystemExit):  # a state made with other settings is not silently mixed in
        fit(VAE(TINY), FitConfig(**{**asdict(cfg), "lr": 0.1}), tmp_path / "once.safetensors")
    resumed = VAE(TINY)
    result = fit(resumed, cfg, tmp_path / "once.safetensors")  # same settings, more epochs: continues
    assert [h["epoch"] for h in result.history] == [1, 2]
    for a, b in zip(straight.state_dict().values(), resumed.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)


def test_a_run_stopped_after_an_epoch_goes_on_along_the_same_schedule(tmp_path):
    """stop_after ends a run early without re-planning its learning rate: stopping after epoch 1 of 2 and
    rerunning equals 2 epochs straight, and a rerun with more epochs is accepted (a new schedule)."""
    cfg = FitConfig(epochs=2, batch_size=512, lr=1e-3, seed=3)
    torch.manual_seed(0)
    straight = VAE(TINY)
    fit(straight, cfg, tmp_path / "straight.safetensors")
    torch.manual_seed(0)
    stopped = VAE(TINY)
    assert len(fit(stopped, FitConfig(**{**asdict(cfg), "stop_after": 1}), tmp_path / "s.safetensors").history) == 1
    result = fit(stopped, cfg, tmp_path / "s.safetensors")
    assert [h["epoch"] for h in result.history] == [1, 2]
    for a, b in zip(straight.state_dict().values(), stopped.state_dict().values()):
        assert torch.allclose(a, b, atol=1e-6)


def test_the_training_film_survives_an_interruption(tmp_path):
    """Frame 0 is the untrained model; a resumed run appends to the film instead of restarting it."""
    cfg = FitConfig(epochs=1, batch_size=1024, seed=1, film_every=1)
    torch.manual_seed(0)
    fit(VAE(TINY), cfg, tmp_path / "m.state.safetensors")
    result = fit(VAE(TINY), FitConfig(**{**asdict(cfg), "epochs": 2}), tmp_path / "m.state.safetensors")
    assert result.film_epochs == [0, 1, 2] and result.film.shape == (3, 64, 28, 28)
    assert result.film.dtype == torch.uint8 and not torch.equal(result.film[0], result.film[2])


def test_a_run_can_be_filmed_within_its_epochs_and_resumes_without_stale_frames(tmp_path):
    """film_every_steps adds frames at fractional epochs (a collapse plays out inside one epoch); frames kept
    inside an epoch that was interrupted are dropped on resume, since that epoch replays and films them again."""
    cfg = FitConfig(epochs=1, batch_size=1024, seed=1, film_every=1, film_every_steps=3)
    n = ceil(len(load_digits("train").labels) / cfg.batch_size)
    state = tmp_path / "m.state.safetensors"
    torch.manual_seed(0)
    once = fit(VAE(TINY), cfg, state)
    inside = [round(k / n, 4) for k in range(3, n, 3)]
    second = [round(1 + k / n, 4) for k in range(3, n, 3)]
    assert once.film_epochs == [0, *inside, 1] and once.film.shape[0] == len(once.film_epochs)
    film_file = tmp_path / "m.film.safetensors"
    frames = load_file(str(film_file))["frames"]
    save_file({"frames": torch.cat([frames, frames[:1]])}, film_file)  # a frame from an epoch that never finished
    resumed = fit(VAE(TINY), FitConfig(**{**asdict(cfg), "epochs": 2}), state)
    assert resumed.film_epochs == [0, *inside, 1, *second, 2]
    assert resumed.film.shape[0] == len(resumed.film_epochs)
    assert torch.equal(resumed.film[:len(once.film_epochs)], once.film)


def test_a_second_card_with_a_loaded_id_fails_naming_both_files_and_the_first_stays(tmp_path):
    save_checkpoint(tmp_path, VAE(TINY), _card("x"))
    for stem in ("x", "y"):  # y.json claims x's id; files are read in name order
        (tmp_path / f"{stem}-card.json").write_text((tmp_path / "x.json").read_text())
        (tmp_path / f"{stem}-card.safetensors").write_bytes((tmp_path / "x.safetensors").read_bytes())
    models, failed = load_all(tmp_path)
    assert list(models) == ["x"]
    assert failed == [{"id": "x-card", "error": "x-card.json: duplicate id 'x': x-card.json repeats x.json"},
                      {"id": "y-card", "error": "y-card.json: duplicate id 'x': y-card.json repeats x.json"}]


def test_the_validator_runs_on_each_card_before_its_network_is_built(tmp_path):
    for model_id in ("good", "refused"):
        save_checkpoint(tmp_path, VAE(TINY), _card(model_id))

    def validate(card: dict) -> None:
        if card["id"] == "refused":
            raise CheckpointError("invalid card: title: Field required")

    models, failed = load_all(tmp_path, validate=validate)
    assert list(models) == ["good"]
    assert failed == [{"id": "refused", "error": "refused.json: invalid card: title: Field required"}]


def test_a_write_that_crashes_halfway_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    path = tmp_path / "m.json"
    atomic_write(path, lambda f: f.write(b"old"))

    def half_then_killed(f) -> None:
        f.write(b"half of the ne")
        raise KeyboardInterrupt  # Ctrl-C in the middle of a training run's save

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, half_then_killed)
    assert path.read_bytes() == b"old" and os.listdir(tmp_path) == ["m.json"]


def _crash(*args) -> None:
    raise OSError("disk full")


WRITES = {
    "card": lambda d, title: write_card(d, {**_card("m"), "title": title}),
    "checkpoint": lambda d, title: save_checkpoint(d, VAE(TINY), {**_card("m"), "title": title}),
    "film": lambda d, title: save_tensors(d / "m.film", {"frames": torch.zeros(1, 2, dtype=torch.uint8)},
                                          metadata={"epochs": f"[{len(title)}]"}),
    "training state": lambda d, title: save_training_state(d / "m.state", VAE(TINY), [], {"title": title}),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_checkpoint_file_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch, write):
    """A save that dies after writing its bytes but before they are durable leaves the previous files."""
    torch.manual_seed(0)
    write(tmp_path, "old")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    monkeypatch.setattr(os, "fsync", _crash)
    with pytest.raises(OSError, match="disk full"):
        write(tmp_path, "a new title")
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


FRAMES = torch.zeros(2, 4, 28, 28, dtype=torch.uint8)  # 2 frames of 4 digits


def _film(path, frames=FRAMES, epochs="[0, 1]") -> None:
    save_file({"frames": frames}, path, metadata=None if epochs is None else {"epochs": epochs})


def test_a_film_is_read_as_frames_and_epochs(tmp_path):
    _film(tmp_path / "f")
    frames, epochs = read_film(tmp_path / "f")
    assert frames.shape == (2, 4, 28, 28) and epochs == [0, 1]
    with pytest.raises(FileNotFoundError):
        read_film(tmp_path / "missing")


BAD_FILMS = {
    "truncated": (lambda p: p.write_bytes(p.read_bytes()[:300]), "incomplete metadata"),
    "random bytes": (lambda p: p.write_bytes(random.Random(0).randbytes(4096)), "header"),
    "empty": (lambda p: p.write_bytes(b""), "header too small"),
    "no frames": (lambda p: save_file({"x": torch.zeros(2)}, p, metadata={"epochs": "[0, 1]"}), "frames"),
    "float frames": (lambda p: _film(p, frames=torch.zeros(2, 4, 28, 28)), "not uint8"),
    "no epochs": (lambda p: _film(p, epochs=None), "no readable 'epochs'"),
    "epochs not JSON": (lambda p: _film(p, epochs="[0, 1"), "no readable 'epochs'"),
    "an epoch per frame missing": (lambda p: _film(p, epochs="[0]"), "one number for each of the 2 frames"),
    "epochs not numbers": (lambda p: _film(p, epochs='["a", "b"]'), "one number for each"),
}


@pytest.mark.parametrize(("spoil", "reason"), BAD_FILMS.values(), ids=BAD_FILMS.keys())
def test_an_unreadable_film_raises_checkpoint_error_with_the_reason(tmp_path, spoil, reason):
    path = tmp_path / "f"
    _film(path)
    spoil(path)
    with pytest.raises(CheckpointError, match=reason):
        read_film(path)
