"""A network's compiled twin (models/compiled.py): it runs only where asked and without gradients, matches the
eager network, never compiles again once sealed; and the check that lets the server use it."""

import json
import shutil

import pytest
import torch
from torch._dynamo.utils import counters

from models.compiled import attach_compiled_twin, compiled_networks, has_compiled_twin, seal_compiled_twin
from models.evaluate import evaluate_compiled
from models.registry import load_model


def test_the_twin_runs_only_inside_compiled_networks_and_without_gradients(counted_compile):
    network = torch.nn.Linear(3, 2)
    attach_compiled_twin(network, threads=1)
    assert has_compiled_twin(network)
    x = torch.randn(4, 3)
    with torch.inference_mode():
        network(x)  # outside: eager
        with compiled_networks():
            network(x)
            with compiled_networks(False):
                network(x[:2])  # turned off again inside
    with compiled_networks():
        network(x[:1])  # gradients wanted (inversion, training): eager
    assert counted_compile == [4]


def test_a_compiled_unet_matches_eager_and_never_compiles_again_once_sealed(tiny_dir):
    """The tiny DDPM's UNet compiled for real (inductor, frozen weights): the same noise predictions as eager to
    1e-4 at batch 1 and at another batch size (the dynamic graph), and once sealed, a call its graphs were not
    compiled for (bf16 autocast) runs eager instead of compiling."""
    network = load_model(tiny_dir / "tiny-ddpm.json").picture_network()
    attach_compiled_twin(network, threads=1)
    at_start = counters["stats"]["unique_graphs"]
    with torch.inference_mode(), compiled_networks():
        for batch in (1, 3, 5):
            x, t, labels = torch.randn(batch, 1, 28, 28), torch.full((batch,), 7), torch.arange(batch) % 10
            with compiled_networks(False):
                eager = network(x, t, labels)
            assert (network(x, t, labels) - eager).abs().max() <= 1e-4
        graphs = counters["stats"]["unique_graphs"]
        assert graphs == at_start + 2  # batch 1, then one graph for every batch size
        seal_compiled_twin(network)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            network(x, t, labels)
        network(torch.randn(2, 1, 28, 28), torch.full((2,), 3), torch.zeros(2, dtype=torch.long))
    assert counters["stats"]["unique_graphs"] == graphs


def test_the_compile_check_compares_both_precisions_and_writes_only_the_cards_inference(tiny_dir, tmp_path,
                                                                                        counted_compile):
    for name in ("tiny-ddpm", "tiny-vae", "digit-classifier"):
        for suffix in (".json", ".safetensors"):
            shutil.copy(tiny_dir / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    before = json.loads((tmp_path / "tiny-ddpm.json").read_text())
    result = evaluate_compiled(tmp_path, "tiny-ddpm", n=20, seed=1, write=True)
    assert counted_compile  # the twin drew the second half of each comparison
    assert result["fp32"]["n"] == result["bf16"]["n"] == 20
    assert result["fp32"]["agreement"] == 1.0  # the counting twin is the eager network: nothing moved
    assert result["passed"] == (result["fp32"]["passed"] and result["bf16"]["passed"])
    after = json.loads((tmp_path / "tiny-ddpm.json").read_text())
    assert after.pop("inference") == {"compiled": result} and after == before
    with pytest.raises(ValueError, match="diffusion families"):
        evaluate_compiled(tmp_path, "tiny-vae", n=10)
