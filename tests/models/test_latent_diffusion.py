"""Latent diffusion on a tiny seeded model: the two stages fit together, only the noise network learns in
the second, and samples come back as digits-sized images, the same for the same seed."""

from dataclasses import asdict

import torch

from models.checkpoint import save_checkpoint
from models.latent_diffusion import AutoencoderConfig, LatentDiffusion, LatentDiffusionConfig
from models.latent_diffusion.network import LatentNetConfig
from models.registry import load_model

TINY = LatentDiffusionConfig(net=asdict(LatentNetConfig(channels=16, blocks=2, emb_dim=16)),
                             autoencoder=asdict(AutoencoderConfig(width=8)), timesteps=20, latent_scale=0.5)


def _model() -> LatentDiffusion:
    torch.manual_seed(0)
    return LatentDiffusion(TINY)


def test_the_process_runs_over_the_scaled_latent_and_decodes_to_images():
    model = _model()
    x = torch.rand(3, 1, 28, 28)
    z0 = model.to_state(x)
    assert z0.shape == (3, 4, 7, 7) == (3, *model.state_shape)
    assert torch.allclose(z0, model.autoencoder.encode(x)[0] * 0.5)
    images = model.to_images(z0)
    assert images.shape == (3, 1, 28, 28) and 0 <= images.min() and images.max() <= 1


def test_only_the_noise_network_learns_in_the_second_stage():
    model = _model()
    loss, logs = model.loss(torch.rand(4, 1, 28, 28), torch.arange(4))
    loss.backward()
    assert "mse" in logs and all(p.grad is None for p in model.autoencoder.parameters())
    assert any(p.grad is not None for p in model.net.parameters())


def test_samples_are_images_and_the_same_for_the_same_seed(tmp_path):
    model = _model().eval()
    model.load_state_dict({k: v.half().float() for k, v in model.state_dict().items()})  # as stored on disk
    first = model.sample(2, torch.Generator().manual_seed(5), labels=torch.tensor([1, 2]), steps=4)["images"]
    again = model.sample(2, torch.Generator().manual_seed(5), labels=torch.tensor([1, 2]), steps=4)["images"]
    assert first.shape == (2, 1, 28, 28) and torch.equal(first, again)
    # rebuilt from its card alone, the same model
    save_checkpoint(tmp_path, model, {"id": "tiny-ldm", "family": "latent_diffusion", "title": "t", "config": asdict(TINY),
                                      "training": {"history": []}, "metrics": {}})
    loaded = load_model(tmp_path / "tiny-ldm.json")
    assert loaded.capabilities == {"sample", "samplers", "trajectory", "conditional"}
    rebuilt = loaded.module.sample(2, torch.Generator().manual_seed(5), labels=torch.tensor([1, 2]), steps=4)["images"]
    assert torch.equal(rebuilt, first)


def test_a_continued_run_starts_from_the_whole_checkpoint_and_trains_no_second_autoencoder(tmp_path, monkeypatch):
    """--init-from (how latent-ddpm-mnist trained longer): the checkpoint's own autoencoder, latent scale,
    network and EMA, the new --sample-guidance, its autoencoder's record kept; the loop (faked here) is asked
    once, for the DDPM stage only."""
    from models.checkpoint import read_card
    from models.train import main
    from models.training import FitResult

    model = _model()
    record = {"epochs": 15, "lr": 2e-3, "steps": 9, "seconds": 1.0, "history": [{"epoch": 1, "heldout": {"recon": 0.07}}]}
    save_checkpoint(tmp_path, model, {"id": "ldm", "family": "latent_diffusion", "title": "t", "config": asdict(TINY),
                                      "training": {"history": [], "autoencoder": record}, "metrics": {}})
    fitted = []

    def fake_fit(trained, cfg, state_path, augment=None):
        fitted.append((trained, state_path.name))
        return FitResult([], 0.0, 0, [], None, [])

    monkeypatch.setattr("models.latent_diffusion.train.fit", fake_fit)
    argv = ["train", "latent-diffusion", "--id", "ldm", "--init-from", "ldm", "--sample-guidance", "0.5",
            "--epochs", "1", "--out", str(tmp_path), "--runs", str(tmp_path / "runs")]
    monkeypatch.setattr("sys.argv", ["genlab", *argv])
    main(argv)

    [(trained, state)] = fitted
    assert state == "ldm.state.safetensors"
    for name, tensor in model.state_dict().items():
        assert torch.equal(trained.state_dict()[name], tensor.half().float()), name  # as stored on disk
    card = read_card(tmp_path / "ldm.json")
    assert card["training"]["autoencoder"] == record and card["config"]["sample_guidance"] == 0.5
    assert card["config"]["latent_scale"] == TINY.latent_scale and "started from ldm" in card["description"]
