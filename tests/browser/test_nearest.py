"""The nearest-training-digit button (static/js/lib/nearest.js) on pages that never wire it: a cell of the VAE's
sample grid and the GAN's single slider digit, by pointer and by the N key; a training digit is called a copy."""

import base64
import io
import re

import numpy as np
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG
from tests.browser.test_accessibility import BLOCKING, axe_violations

FIRST_ANSWER_MS = 60_000  # the server's first question also classifies the 10,000 shipped digits


def decode(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"), dtype=np.float64)


def answered(page: Page) -> None:
    """The dialog is open and shows neighbours in both spaces (3 training digits + the nearest unseen one each)."""
    expect(page.locator("#nearest")).to_be_visible()
    expect(page.locator("#nearest .nearest-row img")).to_have_count(8, timeout=FIRST_ANSWER_MS)
    expect(page.locator("#nearest .nearest-row img").first).to_have_attribute("src", PNG)


def test_a_grid_cell_is_one_click_from_its_nearest_training_digits(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&seed=3")
    grid = page.locator("body[data-ready=true] #sample-grid")
    expect(grid).to_have_attribute("src", PNG)
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    col, row = 5, 2
    scale = box["width"] / 238  # 8 digits of 28 px and 7 gaps of 2 per row
    page.mouse.move(box["x"] + (col * 30 + 14) * scale, box["y"] + (row * 30 + 14) * scale)
    button = page.locator(".nearest-button")
    expect(button).to_be_visible()
    expect(page.locator(".nearest-frame")).to_be_visible()

    with page.expect_request("**/api/data/nearest") as asked:
        button.click()
    answered(page)
    expect(page.locator("#nearest-verdict")).to_have_text(re.compile(r"copy"))
    # what was asked about is exactly the digit in that cell, pixel for pixel
    sent = np.array(asked.value.post_data_json["image"]["pixels"]).reshape(28, 28) * 255
    cell = decode(grid.get_attribute("src"))[row * 30:row * 30 + 28, col * 30:col * 30 + 28]
    assert np.abs(sent - cell).max() < 0.5

    page.keyboard.press("Escape")
    expect(page.locator("#nearest")).to_be_hidden()
    expect(grid).to_be_focused()

    # a training digit, put where a sample would be, is called what it is
    digit = page.request.get(f"{live_server}/api/data/digits?split=train&n=1&seed=4").json()["digits"][0]
    zoom = page.locator("#zoom-img")
    zoom.evaluate("(img, src) => { img.src = src; }", digit["image"])
    zoom.hover()
    button.click()
    answered(page)
    expect(page.locator("#nearest-verdict")).to_have_text(re.compile(rf"exact copy of training digit #{digit['index']}\b"))
    expect(page.locator("#nearest .nearest-row figcaption").first).to_contain_text(f"#{digit['index']}")
    page.keyboard.press("Escape")
    expect(zoom).to_be_focused()


def test_the_n_key_asks_about_the_digit_under_the_pointer(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model=dcgan-mnist&sec=sliders")
    digit = page.locator("#slider-img")
    expect(digit).to_have_attribute("src", PNG)
    digit.hover()
    expect(page.locator(".nearest-button")).to_be_visible()
    expect(page.locator(".nearest-frame")).to_be_hidden()  # a single digit needs no frame
    page.keyboard.press("N")
    answered(page)
    expect(page.locator("#nearest-verdict")).to_have_text(re.compile(r"copy"))
    expect(page.locator("#nearest .overlay-close")).to_be_focused()
    bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not bad, f"axe with the dialog open: {bad}"
    page.keyboard.press("Tab")  # the dialog keeps the focus: its one control again
    expect(page.locator("#nearest .overlay-close")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#nearest")).to_be_hidden()
    expect(digit).to_be_focused()
    # the shortcut is listed with the shared ones
    page.keyboard.press("?")
    expect(page.locator("#help-keys")).to_contain_text("nearest training digits")
