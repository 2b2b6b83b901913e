"""GENLAB_COMPILE=checked: a diffusion model whose card records a passed compiled check draws its pictures with its
compiled network, warmed up at start-up and priced as it runs; everything else stays eager."""

import json
import shutil

import pytest
import torch
from fastapi.testclient import TestClient

from models import compiled
from server.app import create_app
from server.config import Settings

CHECK = {"agreement": 1.0, "passed": True, "n": 1000}
PASSED = {"compiled": {"passed": True, "fp32": CHECK, "bf16": CHECK}}
FAILED = {"compiled": {"passed": False, "fp32": CHECK, "bf16": CHECK | {"agreement": 0.9, "passed": False}}}


def _checkpoints(tiny_dir, directory, inference: dict | None):
    """tiny-ddpm and tiny-vae, the DDPM's card carrying `inference`."""
    directory.mkdir(exist_ok=True)
    for name in ("tiny-ddpm", "tiny-vae"):
        card = json.loads((tiny_dir / f"{name}.json").read_text())
        if name == "tiny-ddpm" and inference is not None:
            card["inference"] = inference
        (directory / f"{name}.json").write_text(json.dumps(card))
        shutil.copy(tiny_dir / f"{name}.safetensors", directory / f"{name}.safetensors")
    return directory


def _serve(directory, **settings):
    return TestClient(create_app(Settings(checkpoint_dir=directory, **({"torch_threads": 1} | settings),
                                          result_cache_mb=0)))


@pytest.mark.parametrize("inference, setting, expected", [
    (PASSED, "checked", True),
    (PASSED, "off", False),
    (FAILED, "checked", False),
    (None, "checked", False),
], ids=["checked", "off", "check-failed", "unchecked"])
def test_compiled_only_for_a_checked_model_when_asked(tiny_dir, tmp_path, counted_compile, inference, setting,
                                                     expected):
    with _serve(_checkpoints(tiny_dir, tmp_path / "c", inference), compile=setting) as c:
        listed = {m["id"]: m["compiled"] for m in c.get("/api/models").json()["models"]}
        assert listed == {"tiny-ddpm": expected, "tiny-vae": False}
        precision = c.get("/readyz").json()["precision"]
        assert precision["compiled_models"] == (["tiny-ddpm"] if expected else []) and precision["compile"] == setting
        assert bool(counted_compile) == expected  # warmed up (and priced) at start-up
        assert {1, 16} <= set(counted_compile) or not expected


def test_pictures_run_the_compiled_network_and_likelihoods_the_eager_one(tiny_dir, tmp_path, counted_compile):
    digit = {"pixels": [0.0] * 392 + [1.0] * 392}
    with _serve(_checkpoints(tiny_dir, tmp_path / "c", PASSED), compile="checked") as c:
        ddpm = "/api/models/tiny-ddpm"
        counted_compile.clear()
        assert c.post(f"{ddpm}/log-prob", json={"image": digit, "label": 3}).status_code == 200
        assert counted_compile == []
        assert c.post(f"{ddpm}/sample", json={"n": 3, "seed": 1, "label": 3, "steps": 5}).status_code == 200
        assert len(counted_compile) == 5 and set(counted_compile) <= {3, 6}  # 6: guided, with the null class
        counted_compile.clear()
        stream = c.get(f"{ddpm}/trajectory/stream?n=2&steps=4&label=3&seed=1&guidance=1.5")
        assert stream.status_code == 200 and "event: done" in stream.text
        assert counted_compile == [4] * 4  # conditional and null class in one batch, each of 4 steps


def test_a_really_compiled_server_answers_a_seed_the_same_every_time(tiny_dir, tmp_path):
    """Inductor for real (a C++ compiler), on the tiny DDPM: pictures by the compiled network, fixed by the seed."""
    body = {"n": 3, "seed": 5, "label": 2, "steps": 5}
    with _serve(_checkpoints(tiny_dir, tmp_path / "c", PASSED), compile="checked") as c:
        assert c.get("/readyz").json()["precision"]["compiled_models"] == ["tiny-ddpm"]
        first, again = (c.post("/api/models/tiny-ddpm/sample", json=body) for _ in range(2))
        assert first.status_code == 200 and first.content == again.content


def test_a_model_that_fails_to_compile_stays_eager_and_the_others_serve(tiny_dir, tmp_path, monkeypatch):
    """No C++ compiler (or an operation inductor cannot lower): that model draws eager, nothing else changes."""
    def failing_compile(fn, **_):
        def twin(*args, **kwargs):
            raise RuntimeError("InvalidCxxCompiler: No working C++ compiler found (test)")
        return twin

    monkeypatch.setattr(compiled.torch, "compile", failing_compile)
    with _serve(_checkpoints(tiny_dir, tmp_path / "c", PASSED), compile="checked") as c:
        assert c.get("/readyz").json()["precision"]["compiled_models"] == []
        assert c.post("/api/models/tiny-ddpm/sample", json={"n": 2, "seed": 1, "steps": 3}).status_code == 200
        assert c.post("/api/models/tiny-vae/sample", json={"n": 2, "seed": 1}).status_code == 200


def test_the_warm_up_runs_with_a_workers_thread_count_as_requests_do(tiny_dir, tmp_path, monkeypatch):
    """A compiled graph's guards include torch's thread count: warmed up at the start-up thread's 2 threads, every
    request on a worker's 1 thread would fail them and run eager. The twin sees the same count in both."""
    threads = []

    def recording_compile(fn, **_):
        def twin(*args, **kwargs):
            threads.append(torch.get_num_threads())
            return fn(*args, **kwargs)
        return twin

    monkeypatch.setattr(compiled.torch, "compile", recording_compile)
    monkeypatch.setattr(compiled.torch._dynamo, "run", recording_compile)
    with _serve(_checkpoints(tiny_dir, tmp_path / "c", PASSED), compile="checked", torch_threads=2,
                worker_torch_threads=1) as c:
        warm_up = list(threads)
        assert c.post("/api/models/tiny-ddpm/sample", json={"n": 2, "seed": 1, "steps": 3}).status_code == 200
    assert warm_up and set(threads) == {1}
