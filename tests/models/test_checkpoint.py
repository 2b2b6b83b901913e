from dataclasses import asdict
from math import ceil

import pytest
import torch
from safetensors.torch import load_file, save_file

from models.checkpoint import save_checkpoint
from models.data import load_digits
from models.registry import load_all, load_model
from models.train import FitConfig, fit
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
