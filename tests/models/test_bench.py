import torch

from models.bench import bench_ddim, network_flops
from models.diffusion.process import Diffusion, DiffusionConfig


def test_guidance_doubles_the_counted_flops_and_bench_reports_per_image_step():
    torch.manual_seed(0)
    model = Diffusion(DiffusionConfig(unet={"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0},
                                      timesteps=50)).eval()
    plain, guided = network_flops(model, 2, 0.0), network_flops(model, 2, 3.0)
    assert plain > 0 and guided == 2 * plain
    row = bench_ddim(model, batch=2, steps=3, repeats=1)
    assert row["flops"] == 3 * guided and row["ms_per_image_step"] > 0
