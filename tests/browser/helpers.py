"""Helpers the browser tests share (not a test module: pytest collects only test_*.py)."""

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Page, expect

PNG = re.compile(r"^data:image/png;base64,")


def query(page: Page) -> dict[str, str]:
    """The page's query string as a flat dict (the permalink state)."""
    return {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}


def grid_src(page: Page, key: str) -> str:
    """The sample grid's data URL once the grid for `key` (model|seed|class|T) is shown."""
    grid = page.locator(f'#sample-grid[data-key="{key}"]')
    expect(grid).to_have_attribute("src", PNG)
    return grid.get_attribute("src")
