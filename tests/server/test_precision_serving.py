"""The server draws a model's pictures in bf16 only where its card records a passed check and this machine runs
bf16 faster; likelihoods and every other number stay float32; GENLAB_INFERENCE_PRECISION=fp32 turns it off."""

import json
import shutil

import pytest
from fastapi.testclient import TestClient

from server import execution
from server.app import create_app
from server.config import Settings

PASSED = {"bf16": {"agreement": 0.999, "passed": True, "n": 1000}}
FAILED = {"bf16": {"agreement": 0.93, "passed": False, "n": 1000}}


def _checkpoints(tiny_dir, tmp_path, inference: dict | None):
    """tiny-vae alone, its card carrying `inference`."""
    card = json.loads((tiny_dir / "tiny-vae.json").read_text())
    if inference is not None:
        card["inference"] = inference
    (tmp_path / "tiny-vae.json").write_text(json.dumps(card))
    shutil.copy(tiny_dir / "tiny-vae.safetensors", tmp_path / "tiny-vae.safetensors")
    return tmp_path


def _serve(directory, **settings):
    return TestClient(create_app(Settings(checkpoint_dir=directory, torch_threads=1, result_cache_mb=0, **settings)))


@pytest.fixture
def bf16_is_faster(monkeypatch):
    monkeypatch.setattr(execution, "bf16_speed", lambda **_: (True, "measured 4x (test)"))


@pytest.mark.parametrize("inference, settings, expected", [
    (PASSED, {}, "bf16"),
    (PASSED, {"inference_precision": "fp32"}, "fp32"),
    (FAILED, {}, "fp32"),
    (None, {}, "fp32"),
], ids=["checked", "turned-off", "check-failed", "unchecked"])
def test_bf16_only_for_a_checked_model_where_it_is_faster(tiny_dir, tmp_path, bf16_is_faster, inference, settings,
                                                          expected):
    with _serve(_checkpoints(tiny_dir, tmp_path, inference), **settings) as c:
        (listed,) = c.get("/api/models").json()["models"]
        assert listed["precision"] == expected
        assert c.get("/readyz").json()["precision"]["bf16_models"] == (["tiny-vae"] if expected == "bf16" else [])


def test_a_machine_where_bf16_is_slower_keeps_float32(tiny_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(execution, "bf16_speed", lambda **_: (False, "bf16 1 GFLOP/s, fp32 50 GFLOP/s (test)"))
    with _serve(_checkpoints(tiny_dir, tmp_path, PASSED)) as c:
        assert c.get("/api/models").json()["models"][0]["precision"] == "fp32"
        assert c.get("/readyz").json()["precision"]["bf16_faster"] is False


def test_pictures_change_in_bf16_but_stay_fixed_by_the_seed_and_likelihoods_stay_float32(tiny_dir, tmp_path,
                                                                                          bf16_is_faster):
    body = {"n": 64, "seed": 3}
    checked, unchecked = tmp_path / "checked", tmp_path / "unchecked"
    checked.mkdir()
    unchecked.mkdir()
    with _serve(_checkpoints(tiny_dir, checked, PASSED)) as c:
        bf16 = [c.post("/api/models/tiny-vae/sample", json=body).json()["images"] for _ in range(2)]
        executor = c.app.state.executor
        assert executor.precision("tiny-vae", "sample") == "bf16" and executor.precision("tiny-vae", "log_prob") == "fp32"
    with _serve(_checkpoints(tiny_dir, unchecked, None)) as c:
        fp32 = c.post("/api/models/tiny-vae/sample", json=body).json()["images"]
    assert bf16[0] == bf16[1]  # deterministic by seed in bf16 too
    assert bf16[0] != fp32  # and the autocast really ran: some grey levels moved


def test_a_malformed_check_in_a_card_fails_that_model_alone(tiny_dir, tmp_path):
    with _serve(_checkpoints(tiny_dir, tmp_path, {"bf16": {"agreement": 2.0, "passed": True, "n": 1000}})) as c:
        listing = c.get("/api/models").json()
        assert listing["models"] == [] and "inference.bf16.agreement" in listing["failed"][0]["error"]


def test_every_picture_operation_answers_in_bf16(tiny_dir, tmp_path, bf16_is_faster):
    """bf16 ends meet float32 ones (an encoded image and a prior draw on one slerp path; a diffusion model's
    bf16 noise predictions in its float32 state): each picture route of a checked VAE and DDPM answers 200."""
    for name in ("tiny-vae", "tiny-ddpm"):
        card = json.loads((tiny_dir / f"{name}.json").read_text()) | {"inference": PASSED}
        (tmp_path / f"{name}.json").write_text(json.dumps(card))
        shutil.copy(tiny_dir / f"{name}.safetensors", tmp_path / f"{name}.safetensors")
    digit = {"pixels": [0.0] * 392 + [1.0] * 392}
    with _serve(tmp_path) as c:
        assert c.get("/readyz").json()["precision"]["bf16_models"] == ["tiny-ddpm", "tiny-vae"]
        vae, ddpm = "/api/models/tiny-vae", "/api/models/tiny-ddpm"
        calls = [(f"{vae}/sample", {"n": 4, "seed": 1}), (f"{vae}/decode", {"latents": [[0.1, -0.2]]}),
                 (f"{vae}/interpolate", {"start": {"image": digit}, "end": {"seed": 2}, "steps": 4}),
                 (f"{vae}/interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "steps": 4, "method": "lerp"}),
                 (f"{vae}/traverse", {"seed": 1, "dim": 1, "steps": 3}), (f"{vae}/latent-map", {"grid": 4}),
                 (f"{ddpm}/sample", {"n": 2, "seed": 1, "label": 3, "steps": 5}),
                 (f"{ddpm}/trajectory", {"n": 2, "seed": 1, "label": 3, "steps": 5, "sampler": "ddpm"}),
                 (f"{ddpm}/inpaint", {"image": digit, "mask": {"pixels": [1.0] * 392 + [0.0] * 392}, "label": 3, "steps": 5})]
        for path, body in calls:
            assert c.post(path, json=body).status_code == 200, (path, body)
        stream = c.get(f"{ddpm}/trajectory/stream?n=2&steps=5&label=3&seed=1")
        assert stream.status_code == 200 and "event: done" in stream.text
