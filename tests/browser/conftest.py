"""Browser tests drive Debian's Chromium (never a downloaded browser) against the live_server fixture.

The fixtures are our own, over Playwright's sync API, rather than the pytest-playwright plugin's: we need
only a browser, a fresh context per test and a page, and the plugin's session fixtures are being removed
from under it (PytestRemovedIn10Warning). The names are the plugin's, so the tests read the same."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict:
    """How Chromium starts: the system one, headless."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); "
                    "the browser tests never download a browser", pytrace=False)
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict:
    """A lecture-hall projector: 1280 x 800."""
    return {"viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def browser(browser_type_launch_args) -> Iterator[Browser]:
    """One Chromium for the session; each test gets its own context (cookies, storage, routes)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(**browser_type_launch_args)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, browser_context_args, live_server) -> Iterator[Page]:
    """A page whose JavaScript errors fail the test, and whose default timeout fits a two-core server."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
