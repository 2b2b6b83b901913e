"""bf16 only where it is measured faster; the autocast region changes the matmuls, nothing else; the check that
lets the server draw a model in bf16."""

import json
import shutil

import pytest
import torch

from models import precision
from models.evaluate import evaluate_bf16
from models.precision_check import AGREEMENT_BAR


def test_fp32_is_plain_and_bf16_autocasts_the_matmuls():
    a = torch.randn(8, 8)
    with precision.autocast("fp32"):
        assert (a @ a).dtype == torch.float32
    with precision.autocast("bf16"):
        assert (a @ a).dtype == torch.bfloat16


@pytest.mark.parametrize("bf16_rate, allowed", [(4e11, True), (1e9, False), (1.1e11, False)])
def test_bf16_is_refused_unless_measured_faster(monkeypatch, bf16_rate, allowed):
    rates = {torch.float32: 1e11, torch.bfloat16: bf16_rate}
    monkeypatch.setattr(precision, "matmul_rate", lambda dtype, *args: rates[dtype])
    if allowed:
        assert "bf16 400 GFLOP/s, fp32 100 GFLOP/s" in precision.require_fast_bf16()
    else:
        with pytest.raises(SystemExit, match="would not be faster on this machine"):
            precision.require_fast_bf16()


def test_the_bf16_check_reads_the_same_seeds_in_both_precisions_and_writes_only_the_cards_inference(tiny_dir, tmp_path):
    """On the tiny VAE and classifier: an agreement in [0, 1] over n seeds, `passed` exactly when it reaches the
    bar, and --write adds inference.bf16 to the card, every other field as it was."""
    for name in ("tiny-vae", "digit-classifier"):
        for suffix in (".json", ".safetensors"):
            shutil.copy(tiny_dir / f"{name}{suffix}", tmp_path / f"{name}{suffix}")
    before = json.loads((tmp_path / "tiny-vae.json").read_text())
    result = evaluate_bf16(tmp_path, "tiny-vae", n=40, seed=1, write=True)
    assert 0 <= result["agreement"] <= 1 and result["n"] == 40
    assert result["passed"] == (result["agreement"] >= AGREEMENT_BAR)
    after = json.loads((tmp_path / "tiny-vae.json").read_text())
    assert after.pop("inference") == {"bf16": result} and after == before
    with pytest.raises(ValueError, match="draws no digits"):
        evaluate_bf16(tmp_path, "digit-classifier", n=10)
