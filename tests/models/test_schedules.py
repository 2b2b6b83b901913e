import pytest
import torch

from models.diffusion.schedules import SCHEDULES, alpha_bars, linear_betas, schedule_alpha_bar


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_every_schedule_is_a_valid_diffusion_for_every_T_the_route_accepts(name):
    for T in range(2, 1001):
        betas = SCHEDULES[name](T)
        assert betas.shape == (T,)
        assert ((betas > 0) & (betas < 1)).all(), (name, T)
        for alpha_bar in (alpha_bars(betas), schedule_alpha_bar(name, T)):  # float64 and the float32 the route sends
            assert ((alpha_bar > 0) & (alpha_bar <= 1)).all(), (name, T)
            assert (alpha_bar[1:] < alpha_bar[:-1]).all(), (name, T)


def test_linear_schedule_at_T_1000_is_exactly_ho_et_al():
    # the shipped ddpm-mnist was trained on this schedule; its betas are not stored in the weights
    assert torch.equal(linear_betas(1000), torch.linspace(1e-4, 0.02, 1000, dtype=torch.float64))
