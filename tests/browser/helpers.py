"""Helpers the browser tests share (not a test module: pytest collects only test_*.py)."""

import re
import time
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

PNG = re.compile(r"^data:image/png;base64,")


def query(page: Page) -> dict[str, str]:
    """The page's query string as a flat dict (the permalink state)."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def open_ready(page: Page, url: str, timeout: float = 30_000) -> None:
    """Open a page and wait until its script has wired the controls (body[data-ready]): a control set before
    that is overwritten when the page reads its state from the URL."""
    page.goto(url)
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=timeout)


def grid_src(page: Page, key: str) -> str:
    """The sample grid's data URL once the grid for `key` (model|seed|class|T) is shown."""
    grid = page.locator(f'#sample-grid[data-key="{key}"]')
    expect(grid).to_have_attribute("src", PNG)
    return grid.get_attribute("src")


def _settled_box(page: Page, selector: str, seconds: float = 30) -> dict:
    """The element's box once it has stayed put for a moment (pictures above it may still be arriving)."""
    deadline = time.monotonic() + seconds
    box = page.locator(selector).bounding_box()
    while True:
        page.wait_for_timeout(250)
        again = page.locator(selector).bounding_box()
        if again == box or time.monotonic() > deadline:
            return again
        box = again


SEVEN = [[(70, 60), (210, 60), (180, 120), (150, 180), (125, 240)]]
"""Strokes of a "7" on the 280 x 280 drawing pad (one list of points per stroke)."""


def draw(page: Page, strokes: list[list[tuple[int, int]]], pad: str = "#pad") -> None:
    """Draw `strokes` (points in 280 x 280 pad units) on the pad with the mouse, the pad first
    scrolled to the middle of the viewport (clear of the sticky toolbar).

    As a reader would, it scrolls with the wheel first: a page opened at a `?sec=` section holds that
    section at the top while pictures above it arrive, and would move the pad under the pen."""
    canvas = page.locator(pad)
    page.mouse.wheel(0, 1)
    canvas.evaluate("el => el.scrollIntoView({block: 'center'})")
    box = _settled_box(page, pad)
    scale = box["width"] / 280
    for stroke in strokes:
        page.mouse.move(box["x"] + stroke[0][0] * scale, box["y"] + stroke[0][1] * scale)
        page.mouse.down()
        for x, y in stroke[1:]:
            page.mouse.move(box["x"] + x * scale, box["y"] + y * scale, steps=6)
        page.mouse.up()
