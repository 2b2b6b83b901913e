import base64
import io
import struct
import warnings
import zlib

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageFile, PngImagePlugin

from server import hostile_uploads as hostile
from server import images
from server.images import (
    BadImage,
    ImageTooLarge,
    configure_pillow,
    decode_upload,
    make_grid,
    mnist_format,
    to_data_url,
    to_png,
)


def data_url(img: Image.Image, fmt: str = "PNG") -> str:
    buf = io.BytesIO()
    img.save(buf, format=fmt)
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(buf.getvalue()).decode()


def test_png_round_trip_keeps_8_bit_values():
    x = torch.linspace(0, 1, 784).reshape(1, 28, 28)
    back = np.asarray(Image.open(io.BytesIO(to_png(x))), dtype=np.float32) / 255
    assert np.abs(back - x[0].numpy()).max() <= 0.5 / 255 + 1e-6
    assert to_data_url(b"\x89PNG").startswith("data:image/png;base64,")


@pytest.mark.parametrize("shape", [(1, 28, 28), (1, 29, 150), (28, 28)])
def test_the_direct_png_encoder_gives_pillows_pixels_exactly(shape):
    """Written without Pillow (server.images.png_bytes), decoded by it: the same 8-bit levels Pillow's own
    encoder stores, for a digit, a grid's odd sizes and a bare (H, W) picture; and a batch encoded at once
    gives each image's own PNG."""
    x = torch.rand(shape, generator=torch.Generator().manual_seed(0))
    expected = (x.reshape(shape[-2:]).numpy() * 255).round().astype(np.uint8)
    decoded = Image.open(io.BytesIO(to_png(x)))
    decoded.load()
    assert decoded.mode == "L" and np.array_equal(np.asarray(decoded), expected)
    batch = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(1))
    assert images.image_urls(batch) == [to_data_url(to_png(image)) for image in batch]


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


# Issue 12, points 3 and 4: hostile uploads must cost little memory and never escape as anything but
# BadImage (422) or ImageTooLarge (413). Tests run with Pillow configured as create_app configures it.

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.fixture(autouse=True)
def pillow_as_served(monkeypatch):
    """configure_pillow() as create_app runs it; monkeypatch puts Pillow's globals back afterwards."""
    for module, name in [(Image, "MAX_IMAGE_PIXELS"), (PngImagePlugin, "MAX_TEXT_CHUNK"),
                         (PngImagePlugin, "MAX_TEXT_MEMORY"), (ImageFile, "LOAD_TRUNCATED_IMAGES")]:
        monkeypatch.setattr(module, name, getattr(module, name))
    configure_pillow()


@pytest.mark.parametrize("make, refusal", [
    (hostile.text_bomb_png, ImageTooLarge),  # point 4: Pillow's "Decompressed data too large" was a 500
    (hostile.icc_bomb_png, ImageTooLarge),  # point 4: the same bomb through the colour profile
    (hostile.truncated_png, BadImage),
    (hostile.not_an_image, BadImage),
])
def test_hostile_payloads_are_refused_as_too_large_or_bad(make, refusal):
    with pytest.raises(BadImage) as caught:
        decode_upload(make())
    assert (caught.type is ImageTooLarge) == (refusal is ImageTooLarge)


@pytest.mark.parametrize("tag, body", [(b"zTXt", b"Comment\x00\x00"), (b"iCCP", b"icc\x00\x00")])
def test_configured_limits_refuse_chunks_that_pillows_defaults_would_inflate(tag, body):
    """100 KiB inflated is under Pillow's default 1 MiB cap but over ours; the profile must be refused, not read."""
    url = hostile.data_url(hostile.small_png(hostile.chunk(tag, body + zlib.compress(bytes(100 * 2**10)))))
    with pytest.raises(ImageTooLarge):
        decode_upload(url)


def test_sizes_are_refused_from_the_header_before_any_pixel_is_decoded():
    no_pixels = hostile.PNG_SIGNATURE + hostile.chunk(b"IHDR", struct.pack(">IIBBBBB", 4097, 1, 8, 0, 0, 0, 0))
    with pytest.raises(ImageTooLarge, match="4096"):
        decode_upload(hostile.data_url(no_pixels + hostile.chunk(b"IDAT", b"not zlib")))


@pytest.mark.parametrize("side", [5000, 60_000])
def test_pillow_bombs_are_too_large_even_when_warnings_are_errors(side):
    """5000^2 trips Pillow's bomb warning, 60000^2 its bomb error: both are ours to answer 413."""
    header = hostile.PNG_SIGNATURE + hostile.chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0))
    with warnings.catch_warnings(), pytest.raises(ImageTooLarge):
        warnings.simplefilter("error")
        decode_upload(hostile.data_url(header + hostile.chunk(b"IDAT", zlib.compress(b""))))


def test_pixel_limit_applies_on_its_own(monkeypatch):
    monkeypatch.setattr(images, "MAX_UPLOAD_PIXELS", 100)
    decode_upload(data_url(Image.new("L", (10, 10))))
    with pytest.raises(ImageTooLarge, match="100 pixels"):
        decode_upload(data_url(Image.new("L", (11, 10))))


def test_oversized_encoding_is_too_large():
    noise = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1100, 1100), dtype=np.uint8))
    with pytest.raises(ImageTooLarge, match="bytes"):
        decode_upload(data_url(noise))


def _rss_mb(field: str) -> float:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field)) / 1024


@pytest.mark.parametrize("colour_type, limit_mb", [(hostile.RGBA, 100), (hostile.GRAY, 40)])
def test_a_legal_4096_square_decodes_in_little_memory(colour_type, limit_mb):
    """Point 3: the float-RGBA decode peaked ~580 MB (RGBA) / ~530 MB (gray) over the resting RSS."""
    url = hostile.large_png(4096, colour_type)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # restart the high-water mark (VmHWM) from the current RSS
    before = _rss_mb("VmRSS")
    x = decode_upload(url)
    assert _rss_mb("VmHWM") - before < limit_mb
    assert x.shape == (1, 1, 28, 28) and x.max() > 0.9  # and the bar is still there


def test_shrinking_large_uploads_keeps_the_mnist_result():
    """Shrinking before the MNIST crop must not change what the model sees (vs the old full-size float path)."""
    img = Image.new("RGBA", (2000, 2000), (255, 255, 255, 0))  # white under transparency: flatten first
    draw = ImageDraw.Draw(img)
    draw.ellipse((600, 400, 1400, 1600), outline=(255, 255, 255, 255), width=130)
    draw.line((1000, 200, 1100, 1800), fill=(255, 255, 255, 255), width=100)
    rgba = np.asarray(img, np.float32) / 255
    reference = mnist_format((rgba[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32)) * rgba[..., 3])
    difference = (decode_upload(data_url(img)) - reference).abs()
    assert difference.max() < 0.1 and difference.mean() < 0.01


def _decodes_or_refuses(raw: bytes, mime: str = "image/png") -> None:
    """The fuzz property: a tensor, or BadImage (ImageTooLarge included); anything else is a 500."""
    try:
        assert decode_upload(hostile.data_url(raw, mime)).shape == (1, 1, 28, 28)
    except BadImage:
        pass


def _valid(fmt: str) -> bytes:
    img = Image.new("RGB", (40, 30), "white")
    ImageDraw.Draw(img).line((5, 5, 35, 25), fill="black", width=4)
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **({"pnginfo": _text_info()} if fmt == "PNG" else {"progressive": True}))
    return buffer.getvalue()


def _text_info() -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "fuzz me " * 20, zip=True)
    return info


VALID = {"PNG": _valid("PNG"), "JPEG": _valid("JPEG")}
CHUNK_TAGS = [b"IHDR", b"PLTE", b"tRNS", b"zTXt", b"iTXt", b"tEXt", b"iCCP", b"gAMA", b"sBIT", b"acTL", b"fcTL",
              b"fdAT", b"eXIf", b"IDAT", b"pHYs", b"bKGD", b"IEND"]


@FUZZ
@given(st.binary(max_size=4096), st.sampled_from(["image/png", "image/jpeg"]))
def test_fuzz_random_bytes(raw, mime):
    _decodes_or_refuses(raw, mime)
    _decodes_or_refuses(hostile.PNG_SIGNATURE + raw)  # past the signature, into the chunk parser


@FUZZ
@given(st.sampled_from(sorted(VALID)), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=8),
       st.integers(1, 10**6))
def test_fuzz_mutated_and_truncated_images(fmt, flips, keep):
    raw = bytearray(VALID[fmt])
    for position, value in flips:
        raw[position % len(raw)] = value
    _decodes_or_refuses(bytes(raw[:keep]), f"image/{fmt.lower()}")


@FUZZ
@given(st.sampled_from(CHUNK_TAGS), st.binary(max_size=512), st.booleans(),
       st.tuples(st.integers(1, 64), st.integers(1, 64), st.sampled_from([1, 2, 4, 8, 16]),
                 st.sampled_from([0, 2, 3, 4, 6]), st.integers(0, 1)))
def test_fuzz_chunk_data_with_valid_crcs(tag, data, deflate, header):
    """Well-formed chunks (correct CRCs) with random contents reach the parsers and decoders behind the CRC check."""
    ihdr = struct.pack(">IIBBBBB", *header[:4], 0, 0, header[4])
    idat = zlib.compress(bytes(range(256)) * 40)
    raw = (hostile.PNG_SIGNATURE + hostile.chunk(b"IHDR", ihdr)
           + hostile.chunk(tag, zlib.compress(data) if deflate else data)
           + hostile.chunk(b"IDAT", idat) + hostile.chunk(b"IEND", b""))
    _decodes_or_refuses(raw)
