import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image

from server.images import BadImage, decode_upload, make_grid, mnist_format, to_data_url, to_png


def data_url(img: Image.Image, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


def test_png_round_trip_keeps_8_bit_values():
    x = torch.linspace(0, 1, 784).reshape(1, 28, 28)
    back = np.asarray(Image.open(io.BytesIO(to_png(x))), dtype=np.float32) / 255
    assert np.abs(back - x[0].numpy()).max() <= 0.5 / 255 + 1e-6
    assert to_data_url(b"\x89PNG").startswith("data:image/png;base64,")


def test_grid_layout_with_gaps():
    images = torch.ones(10, 1, 28, 28)
    grid = make_grid(images, per_row=8, gap=2)
    assert grid.shape == (1, 58, 238)
    assert grid[0, 28, 0] == 0 and grid[0, 0, 28] == 0 and grid[0, 30, 0] == 1
    assert grid[0, 30:, 60:].sum() == 0  # second row holds only 2 images


def test_mnist_format_fits_ink_in_20px_and_centres_its_mass():
    big = np.zeros((400, 300), np.float32)
    big[50:350, 200:260] = 1.0  # a tall bar far from the centre
    x = mnist_format(big)[0, 0].numpy()
    rows = np.flatnonzero(x.sum(1) > 0.05)
    assert rows[-1] - rows[0] + 1 <= 21
    ys, xs = np.mgrid[0:28, 0:28]
    assert abs((ys * x).sum() / x.sum() - 13.5) <= 1 and abs((xs * x).sum() / x.sum() - 13.5) <= 1


def test_dark_ink_on_white_paper_is_inverted_and_blank_stays_blank():
    img = Image.new("L", (200, 200), 255)
    img.paste(0, (90, 40, 110, 160))
    x = decode_upload(data_url(img))
    assert x.shape == (1, 1, 28, 28) and x.max() > 0.9 and x[0, 0, 0, 0] == 0
    assert decode_upload(data_url(Image.new("L", (50, 50), 0))).sum() == 0


def test_transparent_canvas_and_jpeg_are_accepted():
    rgba = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    rgba.paste((255, 255, 255, 255), (40, 10, 60, 90))
    assert decode_upload(data_url(rgba)).max() > 0.9
    assert decode_upload(data_url(rgba.convert("RGB"), "JPEG")).max() > 0.8


@pytest.mark.parametrize("url", [
    "not a data url", "data:image/gif;base64,R0lGODlhAQABAAAAACw=", "data:image/png;base64,####",
    "data:image/png;base64," + base64.b64encode(b"plain text, not a png").decode(),
])
def test_non_images_are_refused(url):
    with pytest.raises(BadImage):
        decode_upload(url)


def test_gif_bytes_behind_a_png_label_are_refused():
    with pytest.raises(BadImage):
        decode_upload(data_url(Image.new("L", (10, 10)), "GIF").replace("image/gif", "image/png"))


def test_size_limits():
    with pytest.raises(BadImage, match="4096"):
        decode_upload(data_url(Image.new("L", (10, 4097))))
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1100, 1100), dtype=np.uint8))
    with pytest.raises(BadImage, match="bytes"):
        decode_upload(data_url(noise))


@pytest.mark.parametrize("pixels", [[0.0] * 783, [float("nan")] + [0.0] * 783, [2.0] * 784])
def test_bad_pixel_lists_are_refused(pixels):
    with pytest.raises(BadImage):
        decode_upload(pixels)
