"""The strided timestep sequence every sampler walks (DDIM's "respacing", Nichol & Dhariwal 2021)."""

import torch


class StridedTimesteps:
    def __init__(self, alpha_bar: torch.Tensor):
        self.alpha_bar = alpha_bar
        self.timesteps: list[int] = []

    def set_timesteps(self, n: int) -> None:
        """n evenly spaced steps from T-1 down to 0 (n = T walks every training step)."""
        T = len(self.alpha_bar)
        self.timesteps = torch.linspace(T - 1, 0, n).round().long().unique_consecutive().tolist()

    def alpha_bar_prev(self, t: int) -> torch.Tensor:
        """alpha_bar of the step after t in this sequence; 1 (clean data) after the last."""
        i = self.timesteps.index(t)
        return self.alpha_bar[self.timesteps[i + 1]] if i + 1 < len(self.timesteps) else self.alpha_bar.new_tensor(1.0)
