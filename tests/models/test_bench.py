import torch

from models.bench import bench_ddim, network_flops
from models.diffusion.process import Diffusion, DiffusionConfig
from models.flop_bound import gemm_shapes, layer_bound_seconds


def test_guidance_doubles_the_counted_flops_and_bench_reports_per_image_step():
    torch.manual_seed(0)
    model = Diffusion(DiffusionConfig(unet={"channels": (8, 8, 8), "emb_dim": 16, "num_classes": 10, "dropout": 0.0},
                                      timesteps=50)).eval()
    plain, guided = network_flops(model, 2, 0.0), network_flops(model, 2, 3.0)
    assert plain > 0 and guided == 2 * plain
    row = bench_ddim(model, batch=2, steps=3, repeats=1)
    assert row["flops"] == 3 * guided and row["ms_per_image_step"] > 0


def test_the_layer_bound_times_each_layer_as_the_matrix_product_it_amounts_to():
    """A 3x3 convolution over 8 x 6 x 10 x 10 -> 4 channels is (8*10*10 x 6*9) @ (6*9 x 4); a grouped one is
    that per group; a linear layer on (8, 5, 12) is (40 x 12) @ (12 x 3)."""
    net = torch.nn.Sequential(torch.nn.Conv2d(6, 4, 3, padding=1), torch.nn.Conv2d(4, 4, 3, padding=1, groups=2),
                              torch.nn.Flatten(2), torch.nn.Linear(100, 3))
    x = torch.randn(8, 6, 10, 10)
    assert gemm_shapes(lambda: net(x), net) == [(1, 800, 54, 4), (2, 800, 18, 2), (1, 32, 100, 3)]
    bound = layer_bound_seconds(lambda: net(x), net, repeats=3)
    assert bound["seconds"] > 0 and 0.9 < bound["layer_share"] <= 1.0
