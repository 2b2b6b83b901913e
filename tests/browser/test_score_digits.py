"""The /score page's digits sections in a real browser against the shipped ncsn-mnist and ddpm-mnist: ⑤ one
held-out digit noised at the levels asked, each row's cosine between the NCSN's score and the DDPM's −ε/σ the
same number the API gives, the digit, noise, levels and class in the URL and back after a reload; ⑥ annealed
Langevin on digits streamed frame by frame to n final digits, started and stopped from the keyboard; axe on both."""

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, open_ready, query

NCSN = "ncsn-mnist"
DDPM = "ddpm-mnist"
BASE = f"/score?ncsn={NCSN}&ddpm={DDPM}"
SLOW = 90_000  # a two-core CI box training something else
STREAM = 180_000
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ncsn(live_server: str) -> dict:
    """The score network on digits, with its card; it must be loaded beside the pixel DDPM."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    by_id = {m["id"]: m for m in listing}
    assert NCSN in by_id and "image_score" in by_id[NCSN]["capabilities"], \
        f"{NCSN} is not loaded ({sorted(by_id)}): genlab train ncsn --id {NCSN} --conditional"
    assert DDPM in by_id and "noise" in by_id[DDPM]["capabilities"], f"{DDPM} is not loaded"
    return by_id[NCSN]


def unfocus(page: Page) -> None:
    """Shortcuts are off in a focused select or number field: give the focus back to the page."""
    page.evaluate("document.activeElement?.blur()")


def table_key(page: Page) -> str:
    """The settings of the table on screen (ncsn|ddpm|digit index|noise seed|levels|label) once it is drawn."""
    expect(page.locator("#digits")).to_have_attribute("data-state", "done", timeout=SLOW)
    return page.locator("#digits").get_attribute("data-key")


def noisy_digits(page: Page) -> list[str]:
    """The noisy digit of every row (the first picture of each)."""
    return page.locator("#same-body tr td:nth-of-type(1) img").evaluate_all("(imgs) => imgs.map((i) => i.src)")


def test_rows_are_the_levels_asked_and_the_cosines_are_the_apis(page: Page, live_server: str, ncsn):
    open_ready(page, f"{live_server}{BASE}&sec=digits&dlevels=4&dnoise=5&di=2&dclass=7")
    key = table_key(page)
    rows = page.locator("#same-body tr")
    expect(rows).to_have_count(4)
    # the same digit the page picked (the 3rd of the first set of held-out 7s), asked directly
    digits = httpx.get(f"{live_server}/api/data/digits", params={"split": "heldout", "n": 8, "seed": 0, "label": 7},
                       timeout=30).json()["digits"]
    chosen = digits[2]
    assert key == f"{NCSN}|{DDPM}|{chosen['index']}|5|4|-"
    expect(page.locator("#digit-caption")).to_contain_text(f"#{chosen['index']}, a 7")
    out = httpx.post(f"{live_server}/api/ncsn/{NCSN}/same-object", timeout=120,
                     json={"image": {"pixels": chosen["pixels"]}, "diffusion": DDPM, "levels": 4, "seed": 5}).json()
    assert len(out["rows"]) == 4
    for i, row in enumerate(out["rows"]):
        tr = rows.nth(i)
        assert tr.get_attribute("data-level") == str(row["level"])
        cell = tr.locator(".cosine-cell")
        assert float(cell.get_attribute("data-cosine")) == row["cosine"]
        assert float(cell.locator(".cosine-number").inner_text()) == pytest.approx(row["cosine"], abs=5.1e-4)
        expect(cell).to_have_class("cosine-cell good" if row["cosine"] > 0.9 else
                                   ("cosine-cell fair" if row["cosine"] > 0.5 else "cosine-cell poor"))
        sigma = tr.locator(".sigma-big").inner_text()
        assert sigma.startswith("σ = ") and float(sigma[4:]) == pytest.approx(row["sigma"], rel=5e-3)
        expect(tr.locator("img")).to_have_count(5)
        assert tr.locator("img").nth(1).get_attribute("src") == row["ncsn_score"]
    config = ncsn["card"]["config"]
    assert out["rows"][0]["sigma"] == pytest.approx(config["sigma_max"], rel=1e-3)  # the ladder's ends are compared
    assert out["rows"][-1]["sigma"] == pytest.approx(config["sigma_min"], rel=1e-3)
    mean = sum(r["cosine"] for r in out["rows"]) / 4
    assert float(page.locator("#mean-cosine").inner_text()) == pytest.approx(mean, abs=5.1e-4)


def test_digit_noise_levels_and_label_change_the_picture_and_the_url_and_survive_a_reload(page: Page,
                                                                                          live_server: str, ncsn):
    open_ready(page, f"{live_server}{BASE}&sec=digits")
    key = table_key(page)
    expect(page.locator("#same-body tr")).to_have_count(5)  # five levels by default
    noisy = noisy_digits(page)
    digit = page.locator("#digits").get_attribute("data-digit")
    page.keyboard.press(".")  # the next held-out digit
    expect(page.locator("#digits")).not_to_have_attribute("data-key", key, timeout=SLOW)
    key = table_key(page)
    assert page.locator("#digits").get_attribute("data-digit") != digit
    assert query(page)["di"] == "1"
    assert noisy_digits(page) != noisy
    expect(page.locator("#digit-thumbs button").nth(1)).to_have_attribute("aria-pressed", "true")
    noisy = noisy_digits(page)
    page.keyboard.press("s")  # new noise z: the same digit, another picture
    expect(page.locator("#digits")).not_to_have_attribute("data-key", key, timeout=SLOW)
    key = table_key(page)
    assert query(page)["dnoise"] == page.locator("#noise-seed").input_value() == key.split("|")[3]
    assert noisy_digits(page) != noisy
    page.locator("#digit-class").select_option("3")  # a held-out 3, the first of its set
    expect(page.locator("#digit-caption")).to_contain_text("a 3", timeout=SLOW)
    assert query(page)["dclass"] == "3" and "di" not in query(page)
    unfocus(page)
    page.keyboard.press("+")
    expect(page.locator("#same-body tr")).to_have_count(6, timeout=SLOW)
    assert query(page)["dlevels"] == "6"
    page.keyboard.press("l")  # both models told the class
    expect(page.locator("#digit-label")).to_be_checked()
    assert query(page)["dlabel"] == "1"
    expect(page.locator("#digits")).to_have_attribute("data-key", re.compile(r"\|6\|3$"), timeout=SLOW)
    key = table_key(page)
    noisy = noisy_digits(page)
    page.reload()
    expect(page.locator("#digits")).to_have_attribute("data-key", key, timeout=SLOW)
    table_key(page)
    expect(page.locator("#digit-class")).to_have_value("3")
    expect(page.locator("#digit-levels")).to_have_value("6")
    expect(page.locator("#digit-label")).to_be_checked()
    assert noisy_digits(page) == noisy  # the same digit and the same noise: the same picture


def test_langevin_streams_frames_and_ends_with_n_digits(page: Page, live_server: str, ncsn):
    open_ready(page, f"{live_server}{BASE}&sec=digit-langevin&gn=2&gseed=3")
    section = page.locator("#digit-langevin")
    expect(section).to_have_attribute("data-state", "idle")  # nothing runs until asked
    expect(page.locator("#dl-n")).to_have_value("2")
    page.wait_for_timeout(300)
    page.keyboard.press("g")
    expect(section).to_have_attribute("data-state", "running")
    expect(page.locator("#dl-digits img")).to_have_count(2)
    expect(page.locator("#dl-level")).to_contain_text(" / ", timeout=SLOW)  # a frame on screen: "level / levels"
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    frames = int(section.get_attribute("data-frames"))
    assert frames >= 10, f"the digits should be shown frame by frame, got {frames} frames"
    images = page.locator("#dl-digits img")
    expect(images).to_have_count(2)
    for i in range(2):
        expect(images.nth(i)).to_have_attribute("src", PNG)
    bar = page.locator("#dl-progress")
    total = int(bar.get_attribute("aria-valuemax"))
    config = ncsn["card"]["config"]
    assert total == config["levels"] * config["steps_per_level"] + 1
    assert bar.get_attribute("aria-valuenow") == str(total)
    expect(page.locator("#dl-step")).to_have_text(f"{total} / {total}")
    expect(page.locator("#dl-segments .seg.past")).to_have_count(config["levels"] + 1)
    assert section.get_attribute("data-seed") == "3"
    assert "n=2" in section.get_attribute("data-url") and "seed=3" in section.get_attribute("data-url")
    # the same digits as sampling with that n and seed
    sample = httpx.post(f"{live_server}/api/models/{NCSN}/sample", json={"n": 2, "seed": 3}, timeout=180).json()
    assert [images.nth(i).get_attribute("src") for i in range(2)] == sample["images"]


def test_run_button_class_and_stop(page: Page, live_server: str, ncsn):
    open_ready(page, f"{live_server}{BASE}&sec=digit-langevin")
    section = page.locator("#digit-langevin")
    page.locator("#dl-class").select_option("7")
    page.locator("#dl-n").select_option("1")
    assert query(page)["gclass"] == "7" and query(page)["gn"] == "1"
    expect(section).to_have_attribute("data-state", "idle")  # a setting alone does not start a run
    page.locator("#dl-run").click()
    expect(section).to_have_attribute("data-state", "running")
    expect(page.locator("#dl-digits figcaption")).to_have_text(["class 7"], timeout=SLOW)
    assert "label=7" in section.get_attribute("data-url")
    page.keyboard.press("x")
    expect(section).to_have_attribute("data-state", "stopped")
    frames = section.get_attribute("data-frames")
    page.wait_for_timeout(1500)
    assert section.get_attribute("data-frames") == frames, "a stopped run must show no more frames"
    page.keyboard.press("G")  # a new seed, then a run to the end
    expect(section).to_have_attribute("data-state", "done", timeout=STREAM)
    assert query(page).get("gseed", "0") == section.get_attribute("data-seed")
    page.reload()
    expect(page.locator("#dl-class")).to_have_value("7")
    expect(page.locator("#dl-n")).to_have_value("1")
    expect(page.locator("#dl-seed")).to_have_value(query(page).get("gseed", "0"))


def axe_violations(page: Page) -> list[dict]:
    page.evaluate(AXE)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .filter((v) => v.impact === "serious" || v.impact === "critical")
        .map((v) => ({id: v.id, help: v.help, targets: v.nodes.map((n) => n.target.join(" "))}))""")


@pytest.mark.parametrize("present", [False, True], ids=["normal", "present"])
def test_digits_sections_have_no_serious_axe_violations_and_fit_the_projector(page: Page, live_server: str, ncsn,
                                                                             present: bool):
    if present:
        page.set_viewport_size({"width": 1920, "height": 1080})
    open_ready(page, f"{live_server}{BASE}&sec=digits&gn=1{'&present=1' if present else ''}")
    table_key(page)
    page.keyboard.press("g")
    expect(page.locator("#digit-langevin")).to_have_attribute("data-state", "done", timeout=STREAM)
    bad = axe_violations(page)
    assert not bad, "\n".join(f"{v['id']} ({v['help']}): {v['targets'][:8]}" for v in bad)
    width = page.viewport_size["width"]
    box = page.locator("#same-table").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, f"the table should fit the screen: {box}"
    if present:
        assert page.locator("#same-body img").first.bounding_box()["width"] >= 120, "digits should be larger on the projector"
