"""The header every page shares: presentation mode (P, the Present button, ?present=1), copy link (u),
reset (q), the "?" dialog's focus trap, and keyboard use of the sample grid and the latent map."""

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query

PAGES = ["/", "/vae", "/gan", "/diffusion", "/flow", "/pixelcnn", "/vqvae", "/quiz", "/compare"]
EXPLORERS = ("/vae", "/gan", "/diffusion", "/flow", "/pixelcnn", "/vqvae", "/quiz", "/compare")


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    if any(path in url for path in EXPLORERS):
        expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=30_000)
    else:
        expect(page.locator("#families .card").first).to_be_attached()


@pytest.mark.parametrize("path", PAGES)
def test_presentation_mode_by_key_button_and_link(page: Page, live_server: str, path: str):
    page.set_viewport_size({"width": 1920, "height": 1080})
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    open_page(page, f"{live_server}{path}")
    # keys.js warns when a page's own shortcut uses one of the shared letters (it would be ignored)
    assert not [w for w in warnings if "shortcut" in w], warnings
    html, button = page.locator("html"), page.locator("#present-button")
    assert page.locator("main").bounding_box()["width"] < 1300  # capped at 1260 px
    page.keyboard.press("P")
    expect(html).to_have_class("present")
    expect(button).to_have_attribute("aria-pressed", "true")
    assert query(page).get("present") == "1"
    assert page.locator("main").bounding_box()["width"] > 1700
    page.reload()  # the URL keeps it
    expect(html).to_have_class("present")
    expect(button).to_have_attribute("aria-pressed", "true")
    assert page.locator("main").bounding_box()["width"] > 1700
    button.click()
    expect(html).not_to_have_class("present")
    assert "present" not in query(page)
    button.click()
    expect(html).to_have_class("present")


def test_presentation_mode_scales_the_pictures_up(page: Page, live_server: str):
    page.set_viewport_size({"width": 1920, "height": 1080})
    open_page(page, f"{live_server}/vae?model=vae-mnist")
    normal = page.locator("#sample-grid").bounding_box()["width"]
    page.keyboard.press("P")
    expect(page.locator("html")).to_have_class("present")
    assert page.locator("#sample-grid").bounding_box()["width"] > 1.3 * normal


def test_copy_link_and_reset(browser, browser_context_args, live_server: str):
    context = browser.new_context(**browser_context_args, permissions=["clipboard-read", "clipboard-write"])
    try:
        page = context.new_page()
        open_page(page, f"{live_server}/vae?model=vae-mnist&seed=42&temp=0.7")
        page.keyboard.press("u")
        expect(page.locator("#copy-status")).to_have_text("Link copied ✓")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
        assert "seed=42" in page.url
        page.evaluate("navigator.clipboard.writeText('')")
        page.locator("#copy-link").click()
        expect(page.locator("#copy-status")).to_have_text("Link copied ✓")
        assert page.evaluate("navigator.clipboard.readText()") == page.url

        page.locator("#reset-page").click()
        # the URL is what a reset changes; the page's own readiness is awaited next ("load" waits on every
        # resource, and once, on a loaded CI machine, did not come within 30 s)
        page.wait_for_url(f"{live_server}/vae", wait_until="commit")
        expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=30_000)
        expect(page.locator("#seed")).to_have_value("0")
        # in presentation mode a reset keeps the mode and drops the rest, by key too
        open_page(page, f"{live_server}/gan?seed=5&present=1")
        page.keyboard.press("q")
        page.wait_for_url(f"{live_server}/gan?present=1")
        expect(page.locator("html")).to_have_class("present")
    finally:
        context.close()


def test_help_dialog_traps_focus_and_returns_it(page: Page, live_server: str):
    open_page(page, f"{live_server}/gan")
    dialog = page.locator("#help")
    expect(dialog).to_have_attribute("role", "dialog")
    expect(dialog).to_have_attribute("aria-modal", "true")
    expect(dialog).to_have_attribute("aria-labelledby", "help-title")
    opener = page.locator("#copy-link")
    opener.focus()
    page.keyboard.press("?")
    expect(dialog).to_be_visible()
    for _ in range(3):  # the close button is its only control: Tab and shift+Tab stay on it
        page.keyboard.press("Tab")
        assert page.evaluate("document.getElementById('help').contains(document.activeElement)")
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.getElementById('help').contains(document.activeElement)")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    # the list shows the shared letters on every page
    expect(page.locator("#help-keys")).to_contain_text("presentation mode")
    expect(page.locator("#help-keys")).to_contain_text("copy this page's link")


@pytest.mark.parametrize("path", ["/vae?model=vae-mnist", "/gan?model=dcgan-mnist"])
def test_sample_grid_by_keyboard(page: Page, live_server: str, path: str):
    open_page(page, f"{live_server}{path}")
    grid = page.locator("#sample-grid")
    expect(grid).to_have_attribute("src", PNG)
    grid.focus()
    expect(grid).to_be_focused()
    cursor = page.locator("#sample .cell-cursor")
    page.keyboard.press("ArrowRight")
    expect(cursor).to_be_visible()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#zoom-index")).to_have_text("1")  # moving does not pick
    page.keyboard.press("Enter")
    expect(page.locator("#zoom-index")).to_have_text("11")  # row 2, column 3
    assert query(page)["cell"] == "10"
    box, img = cursor.bounding_box(), grid.bounding_box()
    assert img["x"] + img["width"] * 2 / 8 - 4 < box["x"] < img["x"] + img["width"] * 3 / 8
    assert img["y"] + img["height"] / 8 - 4 < box["y"] < img["y"] + img["height"] * 2 / 8


def test_latent_map_by_keyboard(page: Page, live_server: str):
    open_page(page, f"{live_server}/vae?model=vae-mnist&sec=map")
    expect(page.locator("#map-img")).to_have_attribute("src", PNG)
    wrap = page.locator("#map-wrap")
    expect(wrap).to_have_attribute("aria-label", "2-D latent map: arrow keys move a cursor, Enter decodes the digit there")
    wrap.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#map-overlay .cursor-box")).to_have_count(1)
    page.keyboard.press("Enter")
    expect(page.locator("#map-digit")).to_have_attribute("src", PNG)
    q = query(page)
    assert float(q["mx"]) > 0 and float(q["my"]) > 0, q
