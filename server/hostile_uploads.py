"""Hostile image uploads as data URLs, built by hand so each one reaches exactly the decoder path it targets.

Shared by the upload tests and `genlab bench abuse` (issue 12, points 3 and 4). Pillow cannot write most of
these (oversized compressed chunks, truncated files), so the PNG chunks are assembled with zlib and struct.
"""

import base64
import struct
import zlib

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
GRAY, RGBA = 0, 6  # PNG colour types
BOMB_BYTES = 16 * 2**20  # what a bomb chunk inflates to; zeros compress ~1000:1, so ~16 KB on the wire


def data_url(raw: bytes, mime: str = "image/png") -> str:
    return f"data:{mime};base64," + base64.b64encode(raw).decode("ascii")


def chunk(tag: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, tag, data, CRC over tag + data."""
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def png_bytes(width: int, height: int, rows: list[bytes], colour_type: int = GRAY, extra: bytes = b"") -> bytes:
    """An 8-bit PNG from unfiltered scanlines (`rows` cycles if shorter than `height`); `extra` chunks precede IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    packer = zlib.compressobj(9)
    idat = b"".join(packer.compress(b"\x00" + rows[y % len(rows)]) for y in range(height)) + packer.flush()
    return PNG_SIGNATURE + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def small_png(extra: bytes = b"") -> bytes:
    """A legal 28x28 grayscale PNG holding a white vertical bar: the carrier for the chunk attacks."""
    return png_bytes(28, 28, [bytes(12) + b"\xff" * 4 + bytes(12)], GRAY, extra)


def large_png(side: int = 4096, colour_type: int = RGBA) -> str:
    """A legal side x side PNG (a white bar on a transparent canvas by default) that compresses to tens of KB.

    Legal at 4096 px, yet decoding it naively as float RGBA cost ~540 MB per request (point 3)."""
    channels = 4 if colour_type == RGBA else 1
    bar = side // 8
    stroke = bytes(channels * (side - bar) // 2) + b"\xff" * channels * bar
    row = stroke + bytes(channels * side - len(stroke))
    blank = bytes(channels * side)
    rows = [blank] * (side // 8) + [row] * (side - side // 4) + [blank] * (side // 8)
    return data_url(png_bytes(side, side, rows, colour_type))


def text_bomb_png() -> str:
    """A zTXt chunk of ~16 KB that inflates to 16 MiB: Pillow raised 'Decompressed data too large' (point 4)."""
    ztxt = b"Comment\x00\x00" + zlib.compress(bytes(BOMB_BYTES), 9)
    return data_url(small_png(chunk(b"zTXt", ztxt)))


def icc_bomb_png() -> str:
    """An iCCP (colour profile) chunk that inflates to 16 MiB: the same bomb through another chunk (point 4)."""
    iccp = b"bomb\x00\x00" + zlib.compress(bytes(BOMB_BYTES), 9)
    return data_url(small_png(chunk(b"iCCP", iccp)))


def truncated_png() -> str:
    """A legal PNG cut off inside its pixel data: the header parses, the decode runs out of bytes."""
    raw = png_bytes(256, 256, [bytes(x * y % 251 for x in range(256)) for y in range(256)])
    return data_url(raw[: len(raw) * 2 // 3])


def not_an_image() -> str:
    """Plain text labelled as a PNG."""
    return data_url(b"this is not an image, whatever the label says\n" * 4)
