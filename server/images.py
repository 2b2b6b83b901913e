"""Pure image helpers: tensors <-> PNG bytes and data URLs, grids, and MNIST-style upload decoding."""

import base64
import binascii
import io
import re
import struct
import zlib
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import torch
from PIL import Image, ImageChops, ImageFile, PngImagePlugin

# Upload limits (issue 12). Sizes are read from the header and refused before any pixel is decoded.
MAX_UPLOAD_BYTES = 1_000_000  # encoded bytes, after base64
MAX_UPLOAD_SIDE = 4096  # px, either side
MAX_UPLOAD_PIXELS = 4096 * 4096  # width x height; also Pillow's bomb limit (it warns above it, refuses 2x it)
MAX_TEXT_CHUNK = 64 * 2**10  # inflated bytes of one zTXt/iTXt/iCCP chunk: a few KB on the wire can inflate 1000x
MAX_TEXT_MEMORY = 256 * 2**10  # inflated bytes of all text chunks of one image
WORK_SIDE = 512  # px: uploads shrink (in 8 bits) to at most this a side before any float math
STRIP_ROWS = 16  # shrunk rows made per strip of the full-size image
UPLOAD_FORMATS = ("PNG", "JPEG")
DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg);base64,(.*)$", re.DOTALL)
TEXT_BOMB = re.compile(r"too large|MAX_TEXT", re.IGNORECASE)  # Pillow's ValueErrors for inflated text/ICC chunks
UNREADABLE = (OSError, SyntaxError, EOFError, struct.error, zlib.error, IndexError, KeyError, TypeError)


class BadImage(ValueError):
    """An upload that is not a usable image; routes answer it with 422."""


class ImageTooLarge(BadImage):
    """An upload over the byte, side or pixel limits, or one that inflates past them (a bomb); answered 413."""


def configure_pillow() -> None:
    """Set Pillow's process-wide limits for untrusted uploads; create_app calls it, never an import.

    Pillow inflates iCCP profiles with the same MAX_TEXT_CHUNK cap as text, and refuses (rather than
    skips) an over-cap chunk only while LOAD_TRUNCATED_IMAGES is off, so that is pinned too."""
    Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_PIXELS
    PngImagePlugin.MAX_TEXT_CHUNK = MAX_TEXT_CHUNK
    PngImagePlugin.MAX_TEXT_MEMORY = MAX_TEXT_MEMORY
    ImageFile.LOAD_TRUNCATED_IMAGES = False


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_ZLIB_LEVEL = 6  # zlib's default: on digits (mostly black) level 1 saves no time and costs bytes


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """[0, 1] floats -> 8-bit levels, a whole batch in one pass (clamped, rounded half to even)."""
    return (images.detach().float().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(levels: np.ndarray) -> bytes:
    """An (H, W) uint8 array as an 8-bit grayscale PNG, written directly: signature, IHDR, one IDAT of rows
    with filter 0, IEND. Half the time of Pillow's encoder for a 28 x 28 digit (the object and buffer set-up
    dominate at that size), and the same pixels."""
    height, width = levels.shape
    rows = np.zeros((height, width + 1), dtype=np.uint8)  # a leading 0 per row: filter type None
    rows[:, 1:] = levels
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8 bits, grayscale, deflate, no interlace
    return (PNG_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(rows.tobytes(), PNG_ZLIB_LEVEL))
            + _chunk(b"IEND", b""))


def to_png(image: torch.Tensor) -> bytes:
    """(1, H, W) or (H, W) in [0, 1] -> 8-bit grayscale PNG bytes."""
    levels = to_uint8(image)
    return png_bytes(levels.reshape(levels.shape[-2:]))


def to_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image_urls(images: torch.Tensor) -> list[str]:
    """(N, 1, H, W) -> one PNG data URL per image."""
    return [to_data_url(png_bytes(levels[0])) for levels in to_uint8(images)]


def rescale(image: torch.Tensor, low: float, high: float) -> torch.Tensor:
    """Values over [low, high] -> [0, 1] for display, clamped: how a picture shows numbers that are
    not pixels (a latent, a layer's state, bits of surprise). A flat range shows black."""
    return ((image - low) / max(high - low, 1e-12)).clamp(0, 1)


def make_grid(images: torch.Tensor, per_row: int = 8, gap: int = 2) -> torch.Tensor:
    """(N, 1, H, W) -> (1, H', W'): images in rows of `per_row`, `gap` dark pixels between them."""
    n, _, h, w = images.shape
    cols = min(per_row, n)
    rows = -(-n // cols)
    grid = torch.zeros(1, rows * (h + gap) - gap, cols * (w + gap) - gap)
    for i, image in enumerate(images.detach().float().cpu()):
        r, c = divmod(i, cols)
        grid[:, r * (h + gap):r * (h + gap) + h, c * (w + gap):c * (w + gap) + w] = image
    return grid


def pixels_to_tensor(pixels: list[float]) -> torch.Tensor:
    """784 intensities in [0, 1], already MNIST-formatted -> (1, 1, 28, 28)."""
    array = torch.tensor(pixels, dtype=torch.float32)
    if array.numel() != 784 or not torch.isfinite(array).all() or array.min() < 0 or array.max() > 1:
        raise BadImage("pixels must be 784 finite values in [0, 1]")
    return array.reshape(1, 1, 28, 28)


def decode_data_url(url: str) -> np.ndarray:
    """A PNG/JPEG data URL -> grayscale float array in [0, 1], white digit on black, at most WORK_SIDE a side.

    Memory bound: the size is checked from the header before any pixel is decoded; a PNG is then decoded
    once at full size in Pillow's own storage (1 byte/px gray or palette, 2 for 16-bit gray, 4 for RGB(A):
    at most 64 MiB at the 4096 x 4096 limit), and a JPEG straight to gray at 1/2..1/8 scale. Flattening and
    shrinking run in 8 bits on strips of STRIP_ROWS * k rows, so the peak extra is that decoded image plus
    one strip; floats only ever see the <= WORK_SIDE result (1 MiB)."""
    raw = _upload_bytes(url)
    with _decoder_errors(), Image.open(io.BytesIO(raw), formats=UPLOAD_FORMATS) as img:
        _check_size(*img.size)
        gray = np.asarray(_shrink_to_gray(img), dtype=np.float32) / 255
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if border.mean() > 0.5 else gray  # dark ink on light paper -> MNIST polarity


def _upload_bytes(url: str) -> bytes:
    match = DATA_URL.match(url)
    if not match:
        raise BadImage("image must be a data:image/png or data:image/jpeg base64 URL")
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadImage("image data is not valid base64") from exc
    if len(raw) > MAX_UPLOAD_BYTES:
        raise ImageTooLarge(f"image is {len(raw)} bytes; the limit is {MAX_UPLOAD_BYTES}")
    return raw


def _check_size(width: int, height: int) -> None:
    if max(width, height) > MAX_UPLOAD_SIDE or width * height > MAX_UPLOAD_PIXELS:
        raise ImageTooLarge(f"image is {width}x{height}; the limit is {MAX_UPLOAD_SIDE} px a side "
                            f"and {MAX_UPLOAD_PIXELS} pixels")


@contextmanager
def _decoder_errors() -> Iterator[None]:
    """Pillow's many ways to fail -> ours: bombs are ImageTooLarge (413), anything else unreadable BadImage (422)."""
    try:
        yield
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(f"image would decode past this server's limit of {MAX_UPLOAD_PIXELS} pixels") from exc
    except ValueError as exc:
        if TEXT_BOMB.search(str(exc)):
            raise ImageTooLarge("image metadata (a text chunk or colour profile) inflates past the limit") from exc
        raise BadImage("image data could not be decoded") from exc
    except UNREADABLE as exc:
        raise BadImage("image data could not be decoded") from exc


def _shrink_to_gray(img: Image.Image) -> Image.Image:
    """Full-size image -> 8-bit "L" at most WORK_SIDE a side, box-averaged strip by strip."""
    k = _shrink_factor(img.size)
    if img.format == "JPEG" and k > 1:
        img.draft("L", (-(-img.width // k), -(-img.height // k)))  # libjpeg scales by 1/2..1/8 as it decodes
        k = _shrink_factor(img.size)
    img.load()
    small = Image.new("L", (-(-img.width // k), -(-img.height // k)))
    rows = STRIP_ROWS * k  # a multiple of k, so strips shrink to whole rows
    for top in range(0, img.height, rows):
        strip = _flatten_alpha(img.crop((0, top, img.width, min(top + rows, img.height))))
        small.paste(strip.reduce(k), (0, top // k))
    return small


def _shrink_factor(size: tuple[int, int]) -> int:
    return -(-max(size) // WORK_SIDE)


def _flatten_alpha(img: Image.Image) -> Image.Image:
    """Any mode -> 8-bit luminance; transparent pixels count as background (black), so a transparent canvas works."""
    if not img.has_transparency_data:
        return img.convert("L")
    rgba = img.convert("RGBA")
    return ImageChops.multiply(rgba.convert("L"), rgba.getchannel("A"))


def mnist_format(gray: np.ndarray) -> torch.Tensor:
    """The MNIST recipe: crop to the ink, fit the longer side to 20 px, centre the mass in 28x28."""
    ink = gray > 0.1 * gray.max() if gray.max() > 0 else np.zeros_like(gray, dtype=bool)
    if not ink.any():
        return torch.zeros(1, 1, 28, 28)
    rows, cols = np.flatnonzero(ink.any(1)), np.flatnonzero(ink.any(0))
    crop = gray[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    scale = 20 / max(crop.shape)
    size = (max(1, round(crop.shape[1] * scale)), max(1, round(crop.shape[0] * scale)))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize(size, Image.LANCZOS), np.float32) / 255
    canvas = np.zeros((28, 28), np.float32)
    top, left = (28 - size[1]) // 2, (28 - size[0]) // 2
    canvas[top:top + size[1], left:left + size[0]] = small
    return _centre_mass(canvas)


def _centre_mass(canvas: np.ndarray) -> torch.Tensor:
    total = canvas.sum()
    ys, xs = np.mgrid[0:28, 0:28]
    dy = round(13.5 - (ys * canvas).sum() / total)
    dx = round(13.5 - (xs * canvas).sum() / total)
    shifted = np.roll(canvas, (dy, dx), axis=(0, 1))
    return torch.from_numpy(shifted.clip(0, 1)).reshape(1, 1, 28, 28)


def decode_upload(image: str | list[float]) -> torch.Tensor:
    """An API image (data URL or 784 pixels) -> (1, 1, 28, 28) in [0, 1]."""
    return pixels_to_tensor(image) if isinstance(image, list) else mnist_format(decode_data_url(image))
