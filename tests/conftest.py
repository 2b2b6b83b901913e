"""Shared fixtures: tiny seeded checkpoints for fast tests, and a real uvicorn serving the shipped ones."""

from dataclasses import asdict
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import save_file

from models import compiled
from models.autoregressive import AutoregressiveConfig, PixelCNN
from models.autoregressive.network import PixelCNNConfig
from models.checkpoint import film_path, save_checkpoint
from models.diffusion.process import Diffusion, DiffusionConfig
from models.flow import Flow, FlowConfig
from models.gan import GAN, GANConfig
from models.latent_diffusion import AutoencoderConfig, LatentDiffusion, LatentDiffusionConfig
from models.latent_diffusion.network import LatentNetConfig
from models.metrics import DigitClassifier
from models.ncsn import NCSN, NCSNConfig
from models.score import Score2D, ScoreConfig
from models.vae import VAE, VAEConfig
from models.vqvae import TokenPrior, TokenPriorConfig, TransformerConfig, VQVAEConfig
from server.app import create_app
from server.config import Settings
from server.spawn import REPO, uvicorn_server

TINY_VAES = {
    "tiny-vae": VAEConfig(latent_dim=2, hidden=16, width=4),
    "tiny-cvae": VAEConfig(latent_dim=3, hidden=16, width=4, num_classes=10),
}
TINY_MODELS = {"tiny-vae", "tiny-cvae", "tiny-ddpm", "tiny-gan", "tiny-flow", "tiny-pixelcnn", "tiny-ncsn", "tiny-ebm",
               "tiny-ldm", "tiny-vq", "tiny-ncsn-mnist", "digit-classifier"}  # every model write_tiny_checkpoints writes


def write_tiny_checkpoints(directory: Path) -> None:
    """Randomly initialised but seeded models: enough to exercise every route in milliseconds."""
    for i, (model_id, config) in enumerate(TINY_VAES.items()):
        torch.manual_seed(i)
        card = {"id": model_id, "family": "vae", "title": model_id, "config": asdict(config),
                "training": {"epochs": 0, "history": []}, "metrics": {}}
        save_checkpoint(directory, VAE(config), card)
    torch.manual_seed(7)
    tiny = DiffusionConfig(unet={"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0}, timesteps=50)
    save_checkpoint(directory, Diffusion(tiny), {"id": "tiny-ddpm", "family": "diffusion", "title": "tiny-ddpm",
                                                 "config": asdict(tiny), "training": {"history": []}, "metrics": {}})
    torch.manual_seed(8)
    gan = GANConfig(latent_dim=4, g_width=8, d_width=8, loss="wgan-gp")
    save_checkpoint(directory, GAN(gan), {"id": "tiny-gan", "family": "gan", "title": "tiny-gan", "config": asdict(gan),
                                          "training": {"epochs": 2, "steps": 10, "history": [], "steps_log": [{"step": 0, "d_loss": 1.0}]},
                                          "metrics": {}})
    film_path(directory, "tiny-gan").parent.mkdir(exist_ok=True)
    save_file({"frames": torch.zeros(3, 64, 28, 28, dtype=torch.uint8)}, film_path(directory, "tiny-gan"),
              metadata={"epochs": "[0.6, 1, 2]"})  # 0.6: a frame kept inside the first epoch
    torch.manual_seed(10)
    flow = FlowConfig(checker_steps=1, checker_hidden=4, steps_per_level=1, hidden=8)
    save_checkpoint(directory, Flow(flow), {"id": "tiny-flow", "family": "flow", "title": "tiny-flow", "config": asdict(flow),
                                            "training": {"history": []}, "metrics": {}})
    torch.manual_seed(11)
    pixelcnn = AutoregressiveConfig(network=asdict(PixelCNNConfig(channels=4, layers=2, head=8)))
    save_checkpoint(directory, PixelCNN(pixelcnn), {"id": "tiny-pixelcnn", "family": "autoregressive", "title": "tiny-pixelcnn",
                                                    "config": asdict(pixelcnn), "training": {"history": []}, "metrics": {}})
    torch.manual_seed(14)
    latent = LatentDiffusionConfig(net=asdict(LatentNetConfig(channels=16, blocks=2, emb_dim=16)),
                                   autoencoder=asdict(AutoencoderConfig(width=8)), timesteps=20)
    save_checkpoint(directory, LatentDiffusion(latent), {"id": "tiny-ldm", "family": "latent_diffusion", "title": "tiny-ldm",
                                                         "config": asdict(latent), "training": {"history": []}, "metrics": {}})
    for seed, (kind, sigmas) in enumerate((("ncsn", (2.0, 0.5, 0.1)), ("ebm", (0.1,))), start=12):
        torch.manual_seed(seed)
        score = ScoreConfig(kind=kind, toy="8gaussians", sigmas=sigmas, hidden=8, depth=1)
        save_checkpoint(directory, Score2D(score), {"id": f"tiny-{kind}", "family": "score2d", "title": f"tiny-{kind}",
                                                    "config": {**asdict(score), "sigmas": list(sigmas)},
                                                    "training": {"history": []}, "metrics": {}})
    torch.manual_seed(15)
    vq = TokenPriorConfig(vqvae=asdict(VQVAEConfig(codes=8, code_dim=4, width=4)),
                          prior=asdict(TransformerConfig(codes=8, dim=16, layers=1, heads=2)))
    save_checkpoint(directory, TokenPrior(vq), {"id": "tiny-vq", "family": "vqvae", "title": "tiny-vq", "config": asdict(vq),
                                                "training": {"history": []}, "metrics": {}})
    torch.manual_seed(16)
    ncsn = NCSNConfig(unet={"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0}, levels=6,
                      sigma_max=10.0, sigma_min=0.05, sample_guidance=1.0)  # guided, as ncsn-mnist: 2 passes a step
    save_checkpoint(directory, NCSN(ncsn), {"id": "tiny-ncsn-mnist", "family": "ncsn", "title": "tiny-ncsn-mnist",
                                            "config": asdict(ncsn), "training": {"history": []}, "metrics": {}})
    torch.manual_seed(9)
    save_checkpoint(directory, DigitClassifier(width=4, feature_dim=8),
                    {"id": "digit-classifier", "family": "classifier", "title": "tiny classifier",
                     "config": {"width": 4, "feature_dim": 8}, "training": {"history": []}, "metrics": {}})


@pytest.fixture(scope="session")
def tiny_dir(tmp_path_factory) -> Path:
    directory = tmp_path_factory.mktemp("tiny-checkpoints")
    write_tiny_checkpoints(directory)
    return directory


@pytest.fixture
def client(tiny_dir):
    with TestClient(create_app(Settings(checkpoint_dir=tiny_dir, inference_slots=2, torch_threads=1))) as c:
        yield c


@pytest.fixture(scope="session")
def live_server():
    """A real uvicorn process on a free port serving the shipped checkpoints; yields its base URL."""
    with uvicorn_server(REPO / "checkpoints") as (url, _):
        yield url


@pytest.fixture
def counted_compile(monkeypatch):
    """torch.compile (and the sealed twin's torch._dynamo.run) replaced by a wrapper that records the batch size of
    each call the compiled twin gets (models/compiled.py), with no compiler needed."""
    calls = []

    def fake_compile(fn, **_):
        def twin(*args, **kwargs):
            calls.append(len(args[0]))
            return fn(*args, **kwargs)
        return twin

    monkeypatch.setattr(compiled.torch, "compile", fake_compile)
    monkeypatch.setattr(compiled.torch._dynamo, "run", fake_compile)
    return calls
