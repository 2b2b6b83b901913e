"""The score and energy page (/score) in a real browser against the shipped 2-D checkpoints: the score field
drawn at the level the slider and [ ] pick, the backgrounds (the error map with its dense-vs-thin numbers),
Langevin particles streamed to their quality, the chain settings in the request and the URL (and back after a
reload), and an energy model's single level hiding the controls it cannot use."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import query

NCSN = "score-8gaussians"
EBM = "ebm-8gaussians"
SLOW = 30_000  # a two-core CI box training something else


@pytest.fixture(scope="module")
def models(live_server: str) -> dict[str, dict]:
    """The loaded score2d models by id; both 8-Gaussians checkpoints must be among them."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    by_id = {m["id"]: m for m in listing if m["family"] == "score2d"}
    assert {NCSN, EBM} <= set(by_id), f"score2d checkpoints missing: {sorted(by_id)} (genlab train score2d)"
    return by_id


def unfocus(page: Page) -> None:
    """Shortcuts are off in a focused select or number field: give the focus back to the page."""
    page.evaluate("document.activeElement?.blur()")


def test_field_draws_and_sigma_follows_slider_and_keys(page: Page, live_server: str, models):
    levels = len(models[NCSN]["card"]["config"]["sigmas"])
    page.goto(f"{live_server}/score?model={NCSN}")
    canvas = page.locator("#field-canvas")
    expect(canvas).to_have_attribute("data-key", f"{NCSN}|{levels - 1}|density|model", timeout=SLOW)
    assert query(page)["level"] == str(levels - 1)  # the smallest sigma by default
    page.keyboard.press("[")
    expect(canvas).to_have_attribute("data-level", str(levels - 2), timeout=SLOW)
    sigma = models[NCSN]["card"]["config"]["sigmas"][levels - 2]
    expect(page.locator("#sigma-out")).to_have_text(f"σ = {sigma:.3g}")
    assert query(page)["level"] == str(levels - 2)
    page.locator("#level").fill("2")
    expect(canvas).to_have_attribute("data-level", "2", timeout=SLOW)
    assert query(page)["level"] == "2"
    unfocus(page)
    page.keyboard.press("]")
    expect(canvas).to_have_attribute("data-level", "3", timeout=SLOW)
    page.keyboard.press("e")  # arrows: model -> exact
    expect(canvas).to_have_attribute("data-key", f"{NCSN}|3|density|exact")
    assert query(page)["arrows"] == "exact"
    page.reload()
    expect(canvas).to_have_attribute("data-key", f"{NCSN}|3|density|exact", timeout=SLOW)
    expect(page.locator("#level")).to_have_value("3")
    # the chart of errors against sigma marks the level on screen
    expect(page.locator("#error-chart svg path")).to_have_count(2)
    marker = page.locator("#error-chart line.chart-marker")
    assert float(marker.get_attribute("data-sigma")) == pytest.approx(models[NCSN]["card"]["config"]["sigmas"][3])


def test_backgrounds_and_dense_vs_thin_errors(page: Page, live_server: str, models):
    page.goto(f"{live_server}/score?model={NCSN}&bg=error")
    canvas = page.locator("#field-canvas")
    expect(canvas).to_have_attribute("data-bg", "error", timeout=SLOW)
    expect(page.locator("input[name=bg][value=error]")).to_be_checked()
    expect(page.locator("#bg-energy")).to_be_disabled()  # a score network has no energy
    dense = float(page.locator("#err-dense").inner_text())
    thin = float(page.locator("#err-thin").inner_text())
    assert thin > 5 * dense, f"at the smallest sigma the score should be far worse where data is thin: {dense} vs {thin}"
    expect(page.locator("#legend-note")).to_contain_text("σ·|s − s_ref|")
    page.keyboard.press("b")  # error -> (no energy) -> density
    expect(canvas).to_have_attribute("data-bg", "density")
    assert "bg" not in query(page)
    page.locator("input[name=bg][value=error]").check()
    expect(canvas).to_have_attribute("data-bg", "error")
    assert query(page)["bg"] == "error"
    page.goto(f"{live_server}/score?model={NCSN}&bg=error&level=0")  # at sigma_max the two are close
    expect(page.locator("#density-numbers")).to_have_attribute("data-level", "0", timeout=SLOW)
    assert float(page.locator("#err-thin").inner_text()) < 0.2


def test_particles_stream_and_show_quality(page: Page, live_server: str, models):
    page.goto(f"{live_server}/score?model={NCSN}&sec=particles&n=100&spl=5&seed=3")
    section = page.locator("#particles")
    expect(section).to_have_attribute("data-state", "done", timeout=SLOW)
    assert section.get_attribute("data-seed") == "3"
    frames = int(page.locator("#particles-canvas").get_attribute("data-frame"))
    assert frames > 5, "the particles should be shown frame by frame"
    assert float(page.locator("#q-mmd").inner_text()) < 0.05
    expect(page.locator("#q-cov")).to_have_text("100 %")
    float(page.locator("#q-tv").inner_text())
    expect(page.locator("#quality-body tr")).to_have_count(3)  # this run, the card's annealed and plain
    expect(page.locator("#quality-body tr[data-row=plain] td[data-metric=mmd]")).not_to_have_text("—")
    page.keyboard.press(" ")  # replay from the start
    expect(section).to_have_attribute("data-state", "running")
    page.keyboard.press(" ")
    expect(section).to_have_attribute("data-state", "paused")
    page.keyboard.press("r")  # a new seed
    expect(section).to_have_attribute("data-state", "done", timeout=SLOW)
    assert query(page)["seed"] != "3"
    assert section.get_attribute("data-seed") == query(page)["seed"]


def test_chain_settings_go_into_the_request_and_the_url(page: Page, live_server: str, models):
    page.goto(f"{live_server}/score?model={NCSN}&sec=particles&n=100&spl=5")
    section = page.locator("#particles")
    expect(section).to_have_attribute("data-state", "done", timeout=SLOW)
    assert "annealed=true" in section.get_attribute("data-url")
    page.keyboard.press("a")  # plain Langevin
    expect(section).to_have_attribute("data-url", re.compile(r"annealed=false"))
    expect(page.locator("#first-level")).to_be_disabled()
    assert query(page)["annealed"] == "0"
    expect(section).to_have_attribute("data-state", "done", timeout=SLOW)
    page.keyboard.press("a")
    page.locator("#first-level").select_option("2")
    page.locator("#last-level").select_option("9")
    page.locator("#spl").select_option("10")
    page.locator("#denoise").uncheck()
    page.locator("#eps").select_option(index=1)
    url = section.get_attribute("data-url")
    for field in ("annealed=true", "first_level=2", "last_level=9", "steps_per_level=10", "final_denoise=false",
                  "step_size="):
        assert field in url, f"{field} missing from {url}"
    state = query(page)
    assert (state["first"], state["last"], state["spl"], state["denoise"]) == ("2", "9", "10", "0")
    eps = state["eps"]
    expect(section).to_have_attribute("data-state", "done", timeout=SLOW)
    expect(page.locator("#levels-text")).to_have_text("8 levels × 10 steps")
    page.reload()
    expect(page.locator("#particles")).to_have_attribute("data-state", "done", timeout=SLOW)
    expect(page.locator("#first-level")).to_have_value("2")
    expect(page.locator("#last-level")).to_have_value("9")
    expect(page.locator("#spl")).to_have_value("10")
    expect(page.locator("#denoise")).not_to_be_checked()
    expect(page.locator("#annealed")).to_be_checked()
    assert float(page.locator("#eps").input_value()) == pytest.approx(float(eps))
    assert f"step_size={eps}" in page.locator("#particles").get_attribute("data-url")


def test_energy_model_has_one_level_and_an_energy(page: Page, live_server: str, models):
    page.goto(f"{live_server}/score?model={EBM}&sec=particles&n=100&spl=5")
    expect(page.locator("#field-canvas")).to_have_attribute("data-key", f"{EBM}|0|density|model", timeout=SLOW)
    expect(page.locator("#level")).to_be_disabled()
    for hidden in ("#level-controls", "#denoise-field", "#annealed-field"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator("#ebm-note")).to_be_visible()
    expect(page.locator("#error-chart-note")).to_contain_text("single noise level")
    page.keyboard.press("b")
    page.keyboard.press("b")
    expect(page.locator("#field-canvas")).to_have_attribute("data-bg", "energy")
    assert query(page)["bg"] == "energy"
    expect(page.locator("#legend-note")).to_contain_text("E(x)")
    expect(page.locator("#particles")).to_have_attribute("data-state", "done", timeout=SLOW)
    assert float(page.locator("#q-mmd").inner_text()) < 0.05
    expect(page.locator("#quality-body tr")).to_have_count(2)  # this run and the card's plain Langevin
    page.locator("#model").select_option(NCSN)  # back to a score network: its levels return, energy does not
    expect(page.locator("#field-canvas")).to_have_attribute("data-bg", "density", timeout=SLOW)
    expect(page.locator("#level-controls")).to_be_visible()
    assert query(page)["model"] == NCSN and "bg" not in query(page)


def test_presentation_mode_shows_the_whole_field(page: Page, live_server: str, models):
    page.set_viewport_size({"width": 1920, "height": 1080})
    warnings: list[str] = []
    page.on("console", lambda msg: warnings.append(msg.text) if msg.type == "warning" else None)
    page.goto(f"{live_server}/score?model={NCSN}&bg=error&sec=field&present=1")
    expect(page.locator("html.present")).to_be_attached()
    expect(page.locator("#field-canvas")).to_have_attribute("data-bg", "error", timeout=SLOW)
    assert not [w for w in warnings if "shortcut" in w], warnings  # no page key takes a shared letter
    page.wait_for_timeout(500)  # the jump to ?sec=field settles
    box = page.locator("#field-canvas").bounding_box()
    assert box["width"] > 600, "the field should be larger on the projector"
    assert box["y"] >= 0 and box["y"] + box["height"] <= 1080, f"the field should fit the screen: {box}"
    page.keyboard.press("P")
    expect(page.locator("html")).not_to_have_class("present")
    assert "present" not in query(page)
