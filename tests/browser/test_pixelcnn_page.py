"""The PixelCNN explorer in a real browser against the real server: the pixel stream fills the canvas,
draws each pixel's distribution, pauses, steps and stops; completions keep the given rows; the heat
map and class posterior render for a real digit and a drawing; the likelihood panel separates exact,
bound and the VAE's Bernoulli figure."""

import base64
import io
import re

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, query

MODEL = "pixelcnn-mnist"


@pytest.fixture(scope="module")
def models(live_server: str) -> dict[str, dict]:
    """The loaded models by id; pixelcnn-mnist must be one of them."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    by_id = {m["id"]: m for m in listing}
    assert MODEL in by_id, f"{MODEL} is not loaded from checkpoints/ (train it: genlab train pixelcnn)"
    return by_id


def pixels(data_url: str) -> np.ndarray:
    """A 28x28 PNG data URL -> its 8-bit grey levels."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).convert("L"))


def filled(page: Page) -> int:
    return int(page.locator("#stream-canvas").get_attribute("data-filled"))


def wait_until(page: Page, attribute: str, more_than: int, timeout_ms: int = 15_000) -> int:
    """Poll an integer data attribute ("#id data-name") until it exceeds `more_than` (wait_for_function
    would evaluate a string, which the page's CSP refuses)."""
    selector, name = attribute.split()
    waited = 0
    while True:
        value = int(page.locator(selector).get_attribute(name) or 0)
        if value > more_than or waited >= timeout_ms:
            assert value > more_than, f"{attribute} stayed at {value} (wanted > {more_than})"
            return value
        page.wait_for_timeout(100)
        waited += 100


def test_pixel_stream_grows_pauses_steps_and_stops(page: Page, live_server: str, models):
    page.goto(f"{live_server}/pixelcnn?seed=5&class=3&speed=25")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    section = page.locator("#stream")
    first = wait_until(page, "#stream-canvas data-filled", 4, timeout_ms=30_000)
    wait_until(page, "#stream-canvas data-filled", first + 5)
    # the bar chart shows the newest pixel's 256-level distribution (blue bars, the drawn level orange)
    expect(page.locator("#probs-chart")).to_have_attribute("data-pixel", re.compile(r"^\d+$"))
    coloured = page.evaluate("""() => {
        const c = document.getElementById('probs-chart');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i + 2] > 150 && d[i] < 120 || d[i] > 200 && d[i + 2] < 60) n += 1;
        return n;
    }""")
    assert coloured > 20
    expect(page.locator("#probs-entropy")).to_contain_text("bits")
    # the canvas holds as many sampled pixels as it says; the cursor marks the newest one
    expect(page.locator("#stream-cursor")).to_be_visible()
    # space pauses: nothing more is drawn; → draws exactly one more pixel
    page.keyboard.press(" ")
    expect(section).to_have_attribute("data-state", "paused")
    paused = filled(page)
    page.wait_for_timeout(600)
    assert filled(page) == paused
    wait_until(page, "#stream data-received", paused)
    page.keyboard.press("ArrowRight")
    expect(page.locator("#stream-canvas")).to_have_attribute("data-filled", str(paused + 1))
    page.keyboard.press(" ")
    expect(section).to_have_attribute("data-state", re.compile("running|done"))
    # stop closes the stream: nothing more is drawn or received
    page.locator("#stream-stop").click()
    expect(section).to_have_attribute("data-state", "stopped")
    stopped, received = filled(page), int(section.get_attribute("data-received"))
    assert stopped < 784
    page.wait_for_timeout(1500)
    assert filled(page) == stopped
    assert int(section.get_attribute("data-received")) == received
    sampled = page.evaluate("""() => {
        const c = document.getElementById('stream-canvas');
        const d = c.getContext('2d').getImageData(0, 0, 28, 28).data;
        let n = 0;
        for (let i = 0; i < d.length; i += 4) if (!(d[i] === 0x2e && d[i + 1] === 0x34 && d[i + 2] === 0x40)) n += 1;
        return n;
    }""")
    assert sampled == stopped  # raster order: exactly the first `stopped` pixels are drawn
    assert query(page)["class"] == "3"


def test_completion_keeps_the_given_rows(page: Page, live_server: str, models):
    with page.expect_response(lambda r: r.url.endswith("/complete") and r.ok, timeout=60_000) as answer:
        page.goto(f"{live_server}/pixelcnn?sec=complete&keep_rows=10&class=7&seed=2")
    out = answer.value.json()
    assert out["keep_rows"] == 10 and out["label"] == 7
    given = pixels(out["given"])
    assert given[10:].max() == 0  # the model is given nothing below row 10
    for src in out["images"]:
        assert np.array_equal(pixels(src)[:10], given[:10])  # every completion keeps the top 10 rows
    assert len({src for src in out["images"]}) > 1  # and they differ below
    pics = page.locator("#complete-pics")
    expect(pics.locator(".completions .cut")).to_have_count(len(out["images"]))
    expect(pics.locator(".given img")).to_have_attribute("src", out["given"])
    line = pics.locator(".completions .cut").first
    box, cut = line.bounding_box(), line.locator(".cut-line").bounding_box()
    assert cut["y"] - box["y"] == pytest.approx(box["height"] * 10 / 28, abs=3)
    # the slider asks again and keeps its value in the link
    with page.expect_response(lambda r: r.url.endswith("/complete") and r.ok, timeout=60_000) as again:
        page.locator("#keep-rows").fill("20")
    assert again.value.json()["keep_rows"] == 20
    assert query(page)["keep_rows"] == "20"


def test_heatmap_for_a_real_digit_and_a_drawing(page: Page, live_server: str, models):
    page.goto(f"{live_server}/pixelcnn?sec=heatmap")
    held = page.locator(".heat-col[data-which=held]")
    expect(held.locator(".heat-map")).to_have_attribute("src", PNG, timeout=30_000)
    expect(held.locator(".posterior svg rect")).to_have_count(10)
    expect(held.locator(".heat-bpd")).to_contain_text("bits/dim")
    drawn = page.locator(".heat-col[data-which=draw]")
    expect(drawn.locator(".heat-empty")).to_be_visible()
    draw(page, SEVEN, pad="#pc-src-pad")
    expect(drawn.locator(".heat-map")).to_have_attribute("src", PNG, timeout=90_000)  # a busy CI machine
    expect(drawn.locator(".posterior svg rect")).to_have_count(10)
    expect(drawn.locator(".heat-empty")).to_be_hidden()
    best = drawn.locator(".posterior svg").get_attribute("data-best")
    assert best is not None and 0 <= int(best) <= 9
    assert query(page).get("src") == "draw" and query(page).get("draw")


def test_likelihood_panel_lists_exact_bound_and_the_vae_apart(page: Page, live_server: str, models):
    page.goto(f"{live_server}/pixelcnn?sec=likelihood")
    panel = page.locator("#lik-panel")
    expect(panel).to_have_attribute("data-done", re.compile("held-out"), timeout=90_000)
    table = panel.locator(".lik-table")
    expect(table.locator(f"tr[data-model={MODEL}][data-kind=exact]")).to_have_count(1)
    expect(table.locator(f"tr[data-model={MODEL}]")).to_have_class(re.compile("own"))
    if "flow-mnist" in models:
        expect(table.locator("tr[data-model=flow-mnist][data-kind=exact]")).to_have_count(1)
    if "ddpm-mnist" in models:
        expect(table.locator("tr[data-model=ddpm-mnist][data-kind=bound]")).to_have_count(1)
    if "vae-mnist" in models:
        expect(table.locator("tr[data-model=vae-mnist]")).to_have_count(0)
        expect(panel.locator(".lik-apart-item[data-model=vae-mnist]")).to_contain_text("Bernoulli")
    # the PixelCNN figure is its exact −log p(x) in bits/dim: the same number the API gives
    digit = httpx.get(f"{live_server}/api/data/digits?split=heldout&n=8&seed=0", timeout=10).json()["digits"][0]
    shown = float(table.locator(f"tr[data-model={MODEL}]").get_attribute("data-bpd"))
    expected = _marginal_bpd(live_server, digit["pixels"])
    assert shown == pytest.approx(expected, abs=1e-4)


def _marginal_bpd(base: str, pixels_: list[float]) -> float:
    """PixelCNN's exact bits/dim of an image with no class given (the marginal, from the API)."""
    answer = httpx.post(f"{base}/api/models/{MODEL}/log-prob", json={"image": {"pixels": pixels_}, "seed": 0}, timeout=30)
    return answer.raise_for_status().json()["bits_per_dim"]
