"""bf16 training only where it is measured faster; the autocast region changes the matmuls, nothing else."""

import pytest
import torch

from models import precision


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
