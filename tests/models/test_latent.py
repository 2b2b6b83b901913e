import torch

from models.latent import lerp, plane_grid, slerp, traverse


def test_paths_start_and_end_at_the_endpoints():
    a, b = torch.randn(8), torch.randn(8)
    for path in (lerp(a, b, 5), slerp(a, b, 5)):
        assert path.shape == (5, 8)
        assert torch.allclose(path[0], a, atol=1e-5) and torch.allclose(path[-1], b, atol=1e-5)


def test_slerp_keeps_the_norm_where_lerp_shrinks_it():
    a = torch.tensor([3.0, 0.0])
    b = torch.tensor([0.0, 3.0])
    assert torch.allclose(slerp(a, b, 7).norm(dim=1), torch.full((7,), 3.0), atol=1e-4)
    assert lerp(a, b, 7).norm(dim=1)[3] < 2.2


def test_slerp_of_parallel_vectors_falls_back_to_lerp():
    a = torch.tensor([1.0, 1.0])
    assert torch.allclose(slerp(a, 2 * a, 3), lerp(a, 2 * a, 3))


def test_traverse_moves_one_coordinate_only():
    z = torch.randn(6)
    path = traverse(z, 2, 3.0, 5)
    assert torch.equal(path[:, 2], torch.linspace(-3, 3, 5))
    assert torch.equal(path[:, [0, 1, 3, 4, 5]], z[[0, 1, 3, 4, 5]].repeat(5, 1))


def test_plane_grid_reads_like_a_plot():
    z = plane_grid(3, 2.0, latent_dim=4)
    assert z.shape == (9, 4)
    assert z[0, :2].tolist() == [-2.0, 2.0]  # top-left: x = -extent, y = +extent
    assert z[8, :2].tolist() == [2.0, -2.0]
    assert torch.count_nonzero(z[:, 2:]) == 0
