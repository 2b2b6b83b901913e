"""Issue 13, "Broken in the browser" points 10-14 and teaching point 17, reproduced in a real browser
against the real server: scrubbers that stay where they are dragged, the sliders' reset / zero buttons,
a linked section on a 1920 x 1080 screen, drawings restored from permalinks, the upload's thumbnails,
and the diffusion page's guided default. CPU cost is kept small (n <= 2, <= 12 steps)."""

import base64
import io
import re
import time
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import Locator, Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, query

DIFFUSION = "ddpm-mnist"


def _ready(page: Page) -> None:
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def _final_grid(page: Page) -> str:
    section = page.locator("#reverse[data-final^='data:image/png']")
    expect(section).to_be_attached(timeout=30_000)
    return section.get_attribute("data-final")


def _drag(page: Page, slider: Locator, start: float, end: float) -> None:
    """Drag across a range input with the mouse, from fraction `start` of its width to `end`; the button
    is released only after checking nothing, so callers look at the result after the release too."""
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] * start, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * end, y, steps=10)
    page.mouse.up()


# --- point 10: the frame scrubbers -------------------------------------------------------------------


def _assert_drag_moves_and_stays(page: Page, player: Locator, xt: str, last: int) -> None:
    scrub = player.locator("[data-act=scrub]")
    before = page.locator(xt).get_attribute("src")
    _drag(page, scrub, 0.98, 0.3)
    frame = int(player.get_attribute("data-frame"))
    assert 0 < frame < last, f"the drag to 30% left the player on frame {frame} of 0..{last}"
    assert scrub.input_value() == str(frame)  # the slider shows the frame it moved to
    assert page.locator(xt).get_attribute("src") != before
    page.wait_for_timeout(700)  # nothing pulls it back (no play, no stream, no redraw)
    expect(player).to_have_attribute("data-frame", str(frame))
    expect(player).to_have_attribute("data-playing", "false")
    assert scrub.input_value() == str(frame)


def test_dragging_the_reverse_scrubber_moves_the_frame_and_it_stays(page: Page, live_server: str):
    page.goto(f"{live_server}/diffusion?model={DIFFUSION}&seed=3&class=1&steps=12&n=1&sec=reverse")
    _final_grid(page)
    player = page.locator("#rev-player")
    expect(player).to_have_attribute("data-frame", "11")
    _assert_drag_moves_and_stays(page, player, "#rev-xt", 11)
    assert query(page)["frame"] == player.get_attribute("data-frame")


def test_dragging_the_inpainting_scrubber_moves_the_frame_and_it_stays(page: Page, live_server: str):
    page.goto(f"{live_server}/diffusion?model={DIFFUSION}&seed=3&steps=8&sec=inpaint")
    expect(page.locator("#inpaint[data-final^='data:image/png']")).to_be_attached(timeout=30_000)
    player = page.locator("#inp-player")
    expect(player).to_have_attribute("data-frames", "8")
    expect(player).to_have_attribute("data-playing", "false", timeout=10_000)  # the autoplay has ended
    _assert_drag_moves_and_stays(page, player, "#inp-xt", 7)


# --- point 11: "Reset to sample" and "All zero" ------------------------------------------------------


def test_vae_slider_buttons_zero_and_reset_the_latent(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&seed=3&sec=sliders")
    img = page.locator("#slider-img")
    expect(img).to_have_attribute("src", PNG)
    sliders = page.locator("#slider-list input[type=range]")
    expect(sliders).to_have_count(16)
    sample_src = img.get_attribute("src")
    sample = sliders.evaluate_all("els => els.map((e) => e.value)")
    assert any(float(v) != 0 for v in sample)
    sliders.nth(0).fill("2.5")
    expect(img).not_to_have_attribute("src", sample_src)

    page.locator("#slider-zero").click()
    expect(sliders.nth(0)).to_have_value("0")
    assert sliders.evaluate_all("els => els.map((e) => Number(e.value))") == [0] * 16
    assert query(page)["z"] == ",".join(["0"] * 16)
    zero_src = img.get_attribute("src")
    assert zero_src not in (sample_src, None)
    expect(page.locator("#slider-meta")).to_contain_text("z = 0")

    page.locator("#slider-reset").click()
    expect(img).to_have_attribute("src", sample_src)  # the seed's sample, decoded again
    assert sliders.evaluate_all("els => els.map((e) => e.value)") == sample
    assert "z" not in query(page)


def test_gan_slider_buttons_zero_and_reset_the_latent(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model=dcgan-mnist&seed=3&sec=sliders")
    img = page.locator("#slider-img")
    expect(img).to_have_attribute("data-z", re.compile(","))
    sample_z = img.get_attribute("data-z")
    sample_src = img.get_attribute("src")
    sliders = page.locator("#gan-slider-list input[type=range]")
    sliders.nth(1).fill("-2.5")
    expect(img).not_to_have_attribute("data-z", sample_z)

    page.locator("#slider-zero").click()
    expect(img).to_have_attribute("data-z", ",".join(["0"] * 64))
    assert sliders.evaluate_all("els => els.map((e) => Number(e.value))") == [0] * 8
    assert query(page)["z"] == ",".join(["0"] * 64)
    assert img.get_attribute("src") != sample_src

    page.locator("#slider-reset").click()
    expect(img).to_have_attribute("data-z", sample_z)
    expect(img).to_have_attribute("src", sample_src)
    assert "z" not in query(page)


# --- point 12: the linked section on a wide screen ----------------------------------------------------

SECTION_IN_VIEW = """() => {
  const line = innerHeight * 0.3;
  const ids = [...document.querySelectorAll('.section-nav a')].map((a) => a.dataset.sec);
  let found = ids[0];
  for (const id of ids) if (document.getElementById(id).getBoundingClientRect().top <= line) found = id;
  return found;
}"""


@pytest.mark.parametrize("path, sec", [("/vae?model=vae-mnist", "draw"), ("/vae?model=vae-mnist", "beta"),
                                       ("/gan?model=dcgan-mnist", "judge")])
def test_a_linked_section_opens_in_view_and_highlighted_at_1920(page: Page, live_server: str, path: str, sec: str):
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}{path}&sec={sec}")
    _ready(page)
    page.wait_for_timeout(2500)  # pictures arrive and the sections above grow
    assert query(page).get("sec") == sec
    expect(page.locator(".section-nav a[aria-current=true]")).to_have_attribute("data-sec", sec)
    top = page.locator(f"#{sec}").bounding_box()["y"]
    at_bottom = page.evaluate("() => scrollY + innerHeight >= document.documentElement.scrollHeight - 2")
    assert 0 <= top < 1080 - 150, f"#{sec} starts at {top} px"  # its heading is on screen
    if not at_bottom:
        assert top < 130, f"#{sec} starts at {top} px, not under the toolbar"  # scrolled to its start

    # scrolling by hand hands the highlight (and ?sec) to the section under the reading line
    page.mouse.move(960, 700)
    page.mouse.wheel(0, -1400)
    page.wait_for_timeout(800)
    in_view = page.evaluate(SECTION_IN_VIEW)
    assert in_view != sec
    expect(page.locator(".section-nav a[aria-current=true]")).to_have_attribute("data-sec", in_view)
    assert query(page)["sec"] == in_view



def test_a_nav_click_to_the_short_last_section_keeps_it_highlighted(page: Page, live_server: str):
    """β is too short to reach the top: after the smooth scroll it is still the one highlighted and linked."""
    page.goto(f"{live_server}/vae?model=vae-mnist")
    _ready(page)
    page.locator(".section-nav a[data-sec=beta]").click()
    page.wait_for_timeout(2500)  # the smooth scroll, past sections that start and grow on the way
    expect(page.locator(".section-nav a[aria-current=true]")).to_have_attribute("data-sec", "beta")
    assert query(page)["sec"] == "beta"
    assert 0 <= page.locator("#beta").bounding_box()["y"] < 800 - 100

# --- point 13: drawings in permalinks ------------------------------------------------------------------

PAD_MEANS = """(sel) => {
  const c = document.querySelector(sel);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const s = c.width / 28;
  const out = [];
  for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) {
    let sum = 0;
    for (let yy = 0; yy < s; yy++) for (let xx = 0; xx < s; xx++) sum += d[4 * ((y * s + yy) * c.width + x * s + xx)];
    out.push(Math.round(sum / (s * s)));
  }
  return out;
}"""


def decode_drawing(text: str) -> list[int]:
    """The URL's drawing: 784 grey levels 0..3, 4 pixels a byte, base64url without padding."""
    raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    assert len(raw) == 196
    return [(raw[i // 4] >> (2 * (3 - i % 4))) & 3 for i in range(784)]


def _drawing_in_link(page: Page, seconds: float = 15) -> list[int]:
    """The drawing the link holds once it holds the whole stroke: the page writes the link while the
    pen moves, so on a busy machine an early look can catch half a stroke."""
    deadline = time.monotonic() + seconds
    while not ((text := query(page).get("draw")) and sum(v > 0 for v in decode_drawing(text)) > 30):
        assert time.monotonic() < deadline, f"the link never held the whole drawing: {text!r}"
        page.wait_for_timeout(100)
    assert len(text) <= 300, len(text)
    levels = decode_drawing(text)
    assert sum(v > 0 for v in levels) < 400  # a stroke, not a full pad
    return levels


def _reopen(page: Page) -> None:
    link = page.url
    page.goto("about:blank")
    page.goto(link)
    _ready(page)


def test_a_vae_permalink_restores_the_drawing(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&sec=draw")
    _ready(page)
    draw(page, SEVEN)
    levels = _drawing_in_link(page)
    page.wait_for_load_state("networkidle")  # the last stroke's reconstruction is on screen
    seen = page.locator("#draw-input").get_attribute("src")
    recon = page.locator("#draw-recon").get_attribute("src")
    _reopen(page)
    assert page.evaluate(PAD_MEANS, "#pad") == [85 * v for v in levels]
    expect(page.locator("#draw-input")).to_have_attribute("src", seen)  # the model sees the same pixels
    expect(page.locator("#draw-recon")).to_have_attribute("src", recon)
    page.keyboard.press("c")
    assert "draw" not in query(page)


def test_a_gan_judge_permalink_restores_the_drawing(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model=dcgan-mnist&sec=judge")
    _ready(page)
    draw(page, SEVEN)
    levels = _drawing_in_link(page)
    page.wait_for_load_state("networkidle")
    score = page.locator("#judge-score").inner_text()
    seen = page.locator("#judge-input").get_attribute("src")
    _reopen(page)
    assert page.evaluate(PAD_MEANS, "#pad") == [85 * v for v in levels]
    expect(page.locator("#judge-input")).to_have_attribute("src", seen)
    expect(page.locator("#judge-score")).to_have_text(score)
    page.keyboard.press("R")  # a real digit replaces the drawing, in the link too
    page.wait_for_function("() => new URLSearchParams(location.search).get('jin')?.startsWith('real:')")
    assert "draw" not in query(page)


def test_a_diffusion_permalink_restores_the_drawn_x0(page: Page, live_server: str):
    page.goto(f"{live_server}/diffusion?model={DIFFUSION}&seed=5&t=100&sec=forward")
    _ready(page)
    expect(page.locator("#fwd-xt")).to_have_attribute("src", PNG)
    page.locator("input[name=src][value=draw]").evaluate("el => el.click()")
    draw(page, SEVEN)
    levels = _drawing_in_link(page)
    assert query(page)["src"] == "draw"
    expect(page.locator("#fwd-x0[data-source=draw]")).to_have_attribute("src", PNG)
    page.wait_for_load_state("networkidle")
    x0 = page.locator("#fwd-x0").get_attribute("src")
    xt = page.locator("#fwd-xt").get_attribute("src")
    _reopen(page)
    expect(page.locator("input[name=src][value=draw]")).to_be_checked()
    assert page.evaluate(PAD_MEANS, "#pad") == [85 * v for v in levels]
    expect(page.locator("#fwd-x0")).to_have_attribute("src", x0)
    expect(page.locator("#fwd-xt")).to_have_attribute("src", xt)


# --- point 14: the upload's thumbnails -------------------------------------------------------------------


def _seven(size: tuple[int, int], noise: int = 0) -> Image.Image:
    """A dark 7 on light paper, off-centre (what the server inverts, crops and centres)."""
    w, h = size
    image = Image.new("L", size, 250)
    ImageDraw.Draw(image).line([(0.2 * w, 0.2 * h), (0.55 * w, 0.2 * h), (0.3 * w, 0.9 * h)], fill=20, width=max(3, w // 14))
    if noise:
        rng = np.random.default_rng(0)
        pixels = np.asarray(image, np.int16) + rng.integers(-noise, noise + 1, (h, w))
        image = Image.fromarray(pixels.clip(0, 255).astype(np.uint8))
    return image


def _pixels(data_url: str) -> np.ndarray:
    png = base64.b64decode(data_url.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), np.float32) / 255


def test_the_upload_thumbnails_show_the_uploaded_image(page: Page, live_server: str, tmp_path: Path):
    small = tmp_path / "seven.png"
    _seven((120, 90)).save(small)
    file_url = "data:image/png;base64," + base64.b64encode(small.read_bytes()).decode()
    formatted = httpx.post(f"{live_server}/api/models/{DIFFUSION}/noise", json={"image": file_url, "t": 0},
                           timeout=30).json()["x_0"]

    page.goto(f"{live_server}/diffusion?model={DIFFUSION}&seed=5&sec=forward")
    _ready(page)
    expect(page.locator("#fwd-xt")).to_have_attribute("src", PNG)
    held = page.locator("#fwd-x0").get_attribute("src")
    page.locator("input[name=src][value=upload]").evaluate("el => el.click()")
    page.set_input_files("#upload", small)
    expect(page.locator("#upload-thumb")).to_have_attribute("src", file_url)  # the file as chosen
    expect(page.locator("#fwd-x0")).to_have_attribute("src", formatted)  # x_0 as the model saw it
    assert formatted != held

    # a phone photo (over the API's 1 MB, 2400 px wide) is shrunk by the page, not refused
    big = tmp_path / "photo.png"
    _seven((2400, 1800), noise=3).save(big)
    assert big.stat().st_size > 1_100_000
    page.set_input_files("#upload", big)
    expect(page.locator("#fwd-x0")).not_to_have_attribute("src", formatted)
    expect(page.locator("#upload-thumb")).not_to_have_attribute("src", file_url)
    expect(page.locator("#upload-note")).to_contain_text("photo.png")
    shown = _pixels(page.locator("#fwd-x0").get_attribute("src"))
    assert np.abs(shown - _pixels(formatted)).mean() < 0.08  # the same 7, formatted the same way
    assert np.abs(shown - _pixels(held)).mean() > 2 * np.abs(shown - _pixels(formatted)).mean()
    expect(page.locator("#forward .error")).to_be_hidden()


# --- point 17: the guided default of the reverse process ---------------------------------------------------


def test_the_reverse_process_defaults_to_class_3_at_w_3_and_offers_unconditional(page: Page, live_server: str):
    page.goto(f"{live_server}/diffusion?model={DIFFUSION}&seed=7&steps=8&n=2&sec=reverse")
    _final_grid(page)
    q = query(page)
    assert (q["class"], q["w"]) == ("3", "3")
    expect(page.locator("#class")).to_have_value("3")
    expect(page.locator("#w-field")).not_to_have_class(re.compile(r"\bdisabled\b"))
    expect(page.locator("#rev-caption")).to_contain_text("class 3 · w = 3")
    uncond = page.get_by_label(re.compile(r"Unconditional \(∅\)"))
    expect(uncond).not_to_be_checked()

    # unconditional is a deliberate comparison: ticked, the run has no class, and the link says so
    uncond.check()
    page.wait_for_function("() => new URLSearchParams(location.search).get('class') === 'none'")
    expect(page.locator("#class")).to_have_value("")
    expect(page.locator("#w-field")).to_have_class(re.compile(r"\bdisabled\b"))
    expect(page.locator("#rev-caption")).to_contain_text("class ∅")
    expect(page.locator("#rev-note")).to_contain_text("for comparison")
    page.reload()
    _ready(page)
    expect(page.locator("#rev-uncond")).to_be_checked()
    expect(page.locator("#class")).to_have_value("")
    page.locator("#rev-uncond").uncheck()
    page.wait_for_function("() => new URLSearchParams(location.search).get('class') === '3'")
    expect(page.locator("#rev-caption")).to_contain_text("class 3")

    # links written before the default: no class (with the page's settings) meant ∅, a class meant that class
    old = f"{live_server}/diffusion?model={DIFFUSION}&seed=7&sampler=ddim&steps=8&eta=0&w=3&n=2&sec=reverse"
    page.goto(old)
    _ready(page)
    expect(page.locator("#class")).to_have_value("")
    expect(page.locator("#rev-uncond")).to_be_checked()
    assert query(page)["class"] == "none"
    page.goto(old.replace("&sampler=", "&class=4&sampler="))
    _ready(page)
    expect(page.locator("#class")).to_have_value("4")
    expect(page.locator("#rev-caption")).to_contain_text("class 4")

