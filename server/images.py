"""Pure image helpers: tensors <-> PNG bytes and data URLs, grids, and MNIST-style upload decoding."""

import base64
import binascii
import io
import re

import numpy as np
import torch
from PIL import Image, UnidentifiedImageError

MAX_UPLOAD_BYTES = 1_000_000
MAX_UPLOAD_SIDE = 4096
DATA_URL = re.compile(r"^data:image/(png|jpeg|jpg);base64,(.*)$", re.DOTALL)


class BadImage(ValueError):
    """An upload that is not a usable image; routes answer it with 422."""


def to_png(image: torch.Tensor) -> bytes:
    """(1, H, W) or (H, W) in [0, 1] -> 8-bit grayscale PNG bytes."""
    array = (image.detach().float().cpu().clamp(0, 1).squeeze(0).numpy() * 255).round().astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array, mode="L").save(buffer, format="PNG")
    return buffer.getvalue()


def to_data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def image_urls(images: torch.Tensor) -> list[str]:
    """(N, 1, H, W) -> one PNG data URL per image."""
    return [to_data_url(to_png(image)) for image in images]


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
    """A PNG/JPEG data URL -> grayscale float array in [0, 1], white digit on black."""
    match = DATA_URL.match(url)
    if not match:
        raise BadImage("image must be a data:image/png or data:image/jpeg base64 URL")
    try:
        raw = base64.b64decode(match.group(2), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadImage("image data is not valid base64") from exc
    if len(raw) > MAX_UPLOAD_BYTES:
        raise BadImage(f"image is {len(raw)} bytes; the limit is {MAX_UPLOAD_BYTES}")
    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.format not in ("PNG", "JPEG"):
                raise BadImage(f"image format {img.format} is not PNG or JPEG")
            if max(img.size) > MAX_UPLOAD_SIDE:
                raise BadImage(f"image is {img.size[0]}x{img.size[1]}; the limit is {MAX_UPLOAD_SIDE} px a side")
            gray = _flatten_alpha(img)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadImage("image data could not be decoded") from exc
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    return 1.0 - gray if border.mean() > 0.5 else gray  # dark ink on light paper -> MNIST polarity


def _flatten_alpha(img: Image.Image) -> np.ndarray:
    """Transparent pixels count as background (black), so a transparent canvas works too."""
    rgba = np.asarray(img.convert("RGBA"), dtype=np.float32) / 255
    luminance = rgba[..., :3] @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return luminance * rgba[..., 3]


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
