"""Cooperative cancellation: samplers stop at the next step once the installed check raises."""

import pytest
import torch

from models.diffusion.process import Diffusion, DiffusionConfig
from models.diffusion.sampling import denoise, make_sampler
from models.interrupt import checkpoint, interruptible


class Stop(Exception):
    pass


def test_without_a_check_checkpoint_does_nothing():
    checkpoint()


def test_a_sampler_stops_at_the_step_where_the_check_raises():
    torch.manual_seed(0)
    model = Diffusion(DiffusionConfig(unet={"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 0, "dropout": 0.0},
                                      timesteps=20)).eval()
    calls = []

    def check():
        calls.append(1)
        if len(calls) > 3:
            raise Stop

    steps = denoise(model, make_sampler("ddim", model.alpha_bar, 10), torch.randn(1, 1, 28, 28), None, 0.0, None)
    done = []
    with interruptible(check), pytest.raises(Stop):
        done.extend(steps)  # keeps the steps that ran before the check raised
    assert len(done) == 3  # three steps ran; the fourth checkpoint stopped the loop
    checkpoint()  # outside the block the check is gone
