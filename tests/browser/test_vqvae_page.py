"""The VQ-VAE page (/vqvae) in a real browser against the shipped vqvae-mnist checkpoint: the codebook (every
code, the dead ones marked as the API counts them), a held-out digit's 49 tokens equal to the API's, a code
picked in the codebook outlined where the digit uses it, the prior streaming 49 tokens to the same digit as
/sample, the class / seed / temperature in the URL and back after a reload, the keys that write, the
sixteen samples, presentation mode and axe."""

import math
import re
from collections import Counter

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, query
from tests.browser.test_accessibility import BLOCKING, axe_violations

MODEL = "vqvae-mnist"
SLOW = 60_000  # a two-core CI box training something else
STREAM = 180_000  # 49 tokens, each a Transformer step and a decode


@pytest.fixture(scope="module")
def book(live_server: str) -> dict:
    """The model's codebook from the API (the checkpoint must be loaded)."""
    listing = httpx.get(f"{live_server}/api/models", timeout=30).json()["models"]
    ids = [m["id"] for m in listing if "codebook" in m["capabilities"]]
    assert MODEL in ids, f"{MODEL} is not loaded ({ids}): genlab train vqvae"
    return httpx.get(f"{live_server}/api/vqvae/{MODEL}/codebook", timeout=120).json()


def heldout(live_server: str, seed: int, index: int) -> dict:
    return httpx.get(f"{live_server}/api/data/digits?split=heldout&n=8&seed={seed}", timeout=30).json()["digits"][index]


def unfocus(page: Page) -> None:
    """Shortcuts are off in a focused select or number field: give the focus back to the page."""
    page.evaluate("document.activeElement?.blur()")


def test_codebook_shows_every_code_and_counts_the_dead(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}")
    grid = page.locator("#codebook-grid")
    expect(grid).to_have_attribute("data-model", MODEL, timeout=SLOW)
    codes = book["codes"]
    expect(grid.locator(".vq-code")).to_have_count(codes)
    expect(grid.locator(".vq-code img[src^='data:image/png']")).to_have_count(codes)
    expect(grid.locator(".vq-code.dead")).to_have_count(len(book["dead"]))
    assert grid.get_attribute("data-dead") == str(len(book["dead"]))
    expect(page.locator("#dead-count")).to_have_text(f"{len(book['dead'])} of {codes}")
    expect(page.locator("#book-codes")).to_have_text(str(codes))
    expect(page.locator("#book-perplexity")).to_have_text(f"{book['perplexity']:.1f} of {codes}")
    for k in book["dead"][:3]:
        expect(grid.locator(f".vq-code[data-code='{k}']")).to_have_class(re.compile(r"\bdead\b"))
    # most used first: the first button is the most used code
    page.locator("#book-order").select_option("usage")
    top = max(range(codes), key=lambda k: (book["usage"][k], -k))
    expect(grid.locator(".vq-code").first).to_have_attribute("data-code", str(top))
    assert query(page)["order"] == "usage"


def test_token_map_equals_the_api_and_a_picked_code_is_outlined(page: Page, live_server: str, book):
    digit = heldout(live_server, 0, 2)
    body = {"image": {"pixels": digit["pixels"]}, "label": digit["label"]}
    api = httpx.post(f"{live_server}/api/vqvae/{MODEL}/tokens", json=body, timeout=60).json()
    flat = [t for row in api["tokens"] for t in row]

    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=tokens&di=2")
    section = page.locator("#tokens")
    expect(section).to_have_attribute("data-key", re.compile(rf"held-out #{digit['index']}\b.*\|{digit['label']}$"),
                                      timeout=SLOW)
    cells = page.locator("#token-grid .vq-cell")
    expect(cells).to_have_count(49)
    assert [int(t) for t in cells.all_inner_texts()] == flat
    expect(page.locator("#tok-recon")).to_have_attribute("src", api["reconstruction"])
    expect(page.locator("#tok-input")).to_have_attribute("src", PNG)
    expect(page.locator("#tok-distinct")).to_have_text(f"{api['distinct']} of 49")
    expect(page.locator("#tok-naive")).to_have_text(f"{49 * math.log2(book['codes']):.0f} bits")
    assert float(page.locator("#bits-grid").get_attribute("data-total")) == pytest.approx(api["total_bits"])
    expect(page.locator("#tok-total")).to_have_text(f"{api['total_bits']:.1f} bits")
    bits = [float(c.get_attribute("data-bits")) for c in page.locator("#bits-grid .vq-cell").all()]
    assert bits == pytest.approx([b for row in api["token_bits"] for b in row])

    # pick this digit's most common code in the codebook: exactly its cells are outlined, and the URL keeps it
    code, times = Counter(flat).most_common(1)[0]
    page.locator(f"#codebook-grid .vq-code[data-code='{code}']").click()
    expect(page.locator("#token-grid .vq-cell.hl")).to_have_count(times)
    expect(page.locator("#token-grid .vq-cell.dim")).to_have_count(49 - times)
    assert query(page)["code"] == str(code)
    expect(page.locator(f"#codebook-grid .vq-code[data-code='{code}']")).to_have_attribute("aria-pressed", "true")

    # without a class there is no surprise to show
    page.locator("#tok-class").select_option("none")
    expect(page.locator("#bits-fig")).to_have_class(re.compile(r"\bvq-off\b"))
    expect(page.locator("#tok-total")).to_have_text("—")
    assert query(page)["tclass"] == "none"


def test_a_drawing_is_tokenized_and_measured_under_the_class_picked(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=tokens")
    section = page.locator("#tokens")
    expect(section).to_have_attribute("data-key", re.compile(r"held-out"), timeout=SLOW)
    page.locator("#tokens .tabs label", has_text="your drawing").click()
    draw(page, SEVEN, pad="#vq-src-pad")
    expect(section).to_have_attribute("data-key", f"{MODEL}|your drawing|", timeout=SLOW)  # no label: no surprise
    expect(page.locator("#bits-fig")).to_have_class(re.compile(r"\bvq-off\b"))
    expect(page.locator("#bits-caption")).to_contain_text("a drawing has no label")
    page.locator("#tok-class").select_option("7")
    expect(section).to_have_attribute("data-key", f"{MODEL}|your drawing|7", timeout=SLOW)
    expect(page.locator("#bits-grid .vq-cell[data-bits]")).to_have_count(49)
    tokens = [int(t) for t in page.locator("#token-grid").get_attribute("data-tokens").split(",")]
    assert len(tokens) == 49 and all(0 <= t < book["codes"] for t in tokens)
    assert "draw" in query(page) and query(page)["tclass"] == "7"


def test_the_prior_streams_49_tokens_to_the_same_digit_as_sample(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=writer&class=3&seed=5&temp=0.8&speed=0")
    section = page.locator("#writer")
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    grid = page.locator("#writer-grid")
    expect(grid).to_have_attribute("data-filled", "49")
    expect(grid.locator(".vq-cell[data-token]")).to_have_count(49)
    assert (section.get_attribute("data-seed"), section.get_attribute("data-label")) == ("5", "3")
    assert "temperature=0.8" in section.get_attribute("data-url")
    tokens = [int(t) for t in grid.get_attribute("data-tokens").split(",")]
    assert [int(t) for t in grid.locator(".vq-cell").all_inner_texts()] == tokens
    expect(page.locator("#top-list li")).to_have_count(min(8, book["codes"]))
    expect(page.locator("#top-list li.drawn")).to_have_count(1)
    expect(page.locator("#top-entropy")).to_have_text(re.compile(r"^\d+\.\d\d bits$"))
    sample = httpx.post(f"{live_server}/api/models/{MODEL}/sample",
                        json={"n": 1, "seed": 5, "label": 3, "temperature": 0.8}, timeout=120).json()
    expect(page.locator("#writer-image")).to_have_attribute("src", sample["images"][0])
    expect(page.locator("#writer-caption")).to_contain_text("token 49 of 49 · done")


def test_class_seed_and_temperature_round_trip_through_the_url(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=writer&speed=0")
    section = page.locator("#writer")
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    unfocus(page)
    page.keyboard.press("ArrowRight")  # random -> class 0
    page.keyboard.press("ArrowRight")  # -> class 1
    page.keyboard.press("]")  # T 1 -> 1.1
    page.locator("#seed").fill("42")
    page.locator("#seed").press("Enter")
    expect(section).to_have_attribute("data-url", re.compile(r"seed=42"))
    url = section.get_attribute("data-url")
    assert "label=1" in url and "temperature=1.1" in url, url
    state = query(page)
    assert (state["class"], state["seed"], state["temp"]) == ("1", "42", "1.1")
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    tokens = page.locator("#writer-grid").get_attribute("data-tokens")
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=SLOW)
    expect(page.locator("#class")).to_have_value("1")
    expect(page.locator("#seed")).to_have_value("42")
    expect(page.locator("#temp-out")).to_have_text("1.10")
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    assert section.get_attribute("data-url") == url
    assert page.locator("#writer-grid").get_attribute("data-tokens") == tokens  # the same seed, the same digit


def test_keys_write_pause_and_draw_a_new_seed(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}&seed=9&speed=2")
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=SLOW)
    section = page.locator("#writer")
    assert section.get_attribute("data-state") == "idle"  # off screen: nothing written yet
    unfocus(page)
    page.keyboard.press("Enter")
    expect(section).to_have_attribute("data-state", "running")
    expect(page.locator("#writer-grid")).not_to_have_attribute("data-filled", "0", timeout=STREAM)
    page.keyboard.press(" ")
    expect(section).to_have_attribute("data-state", "paused")
    filled = page.locator("#writer-grid").get_attribute("data-filled")
    page.wait_for_timeout(1500)
    assert page.locator("#writer-grid").get_attribute("data-filled") == filled, "a paused writing must not go on"
    page.keyboard.press(" ")
    expect(section).to_have_attribute("data-state", "running")
    page.locator("#write-speed").select_option("0")
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    assert section.get_attribute("data-seed") == "9"
    unfocus(page)
    page.keyboard.press("r")  # a new seed, written at once
    expect(section).not_to_have_attribute("data-seed", "9", timeout=STREAM)
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    assert query(page)["seed"] == section.get_attribute("data-seed") != "9"


def test_sixteen_samples_follow_class_and_temperature(page: Page, live_server: str, book):
    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=samples&seed=7&class=4&temp=0.7")
    grid = page.locator("#samples-grid")
    expect(grid).to_have_attribute("data-key", f"{MODEL}|7|4|0.7", timeout=SLOW)
    images = grid.locator("img")
    expect(images).to_have_count(16)
    expect(grid.locator("figcaption", has_text="class 4")).to_have_count(16)
    api = httpx.post(f"{live_server}/api/models/{MODEL}/sample",
                     json={"n": 16, "seed": 7, "label": 4, "temperature": 0.7}, timeout=120).json()
    assert [images.nth(i).get_attribute("src") for i in range(16)] == api["images"]
    unfocus(page)
    page.keyboard.press("x")  # a random class for each
    expect(grid).to_have_attribute("data-key", f"{MODEL}|7||0.7", timeout=SLOW)
    assert "class" not in query(page)


def test_presentation_mode_and_axe_once_everything_is_drawn(page: Page, live_server: str, book):
    page.set_viewport_size({"width": 1920, "height": 1080})
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    page.goto(f"{live_server}/vqvae?model={MODEL}&sec=writer&class=2&speed=0&code=0&present=1")
    expect(page.locator("html.present")).to_be_attached()
    expect(page.locator("#writer")).to_have_attribute("data-state", "done", timeout=STREAM)
    assert not [w for w in warnings if "shortcut" in w], warnings  # no page key takes a shared letter
    page.wait_for_timeout(500)  # the jump to ?sec=writer settles
    grid = page.locator("#writer-grid").bounding_box()
    image = page.locator("#writer-image").bounding_box()
    assert grid["width"] > 450 and image["width"] > 340, "the grid and the digit should be large on the projector"
    for box in (grid, image):
        assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, f"the writing should fit the screen: {box}"
    for sec in ("codebook", "tokens", "samples"):  # fill every section, then check the whole page
        page.evaluate(f"document.getElementById('{sec}').scrollIntoView()")
        page.wait_for_timeout(300)
    expect(page.locator("#token-grid")).to_have_attribute("data-filled", "49", timeout=SLOW)
    expect(page.locator("#samples-grid img")).to_have_count(16, timeout=SLOW)
    bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    assert not bad, "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {v['targets'][:8]}" for v in bad)
    page.keyboard.press("P")
    expect(page.locator("html")).not_to_have_class("present")
    assert "present" not in query(page)
