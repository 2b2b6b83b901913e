"""The normalizing-flow explorer in a real browser against the real server: samples that follow the
temperature, the layer strip whose running total ends at the shown bits/dim, a lossless round trip,
interpolation, and the likelihood panel with "likelihood is not typicality" stating live numbers."""

import math
import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query

MODEL = "flow-mnist"


@pytest.fixture(scope="module")
def models(live_server: str) -> dict[str, dict]:
    """The loaded models by id; flow-mnist must be one of them."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    by_id = {m["id"]: m for m in listing}
    assert MODEL in by_id, f"{MODEL} is not loaded from checkpoints/ (train it: genlab train flow)"
    return by_id


def signed(text: str) -> float:
    """'+3317.8' / '−546.3' (a minus sign) -> float."""
    return float(text.replace("Σ", "").replace("−", "-").strip())


def test_samples_render_and_change_with_temperature(page: Page, live_server: str, models):
    page.goto(f"{live_server}/flow?seed=3")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#temp")).to_have_value("0.7")  # the flow's default T
    grid = page.locator(f'#sample-grid[data-key="{MODEL}|3|0.7"]')
    expect(grid).to_have_attribute("src", PNG)
    cool = grid.get_attribute("src")
    page.locator("#temp").fill("1.1")
    warm = page.locator(f'#sample-grid[data-key="{MODEL}|3|1.1"]')
    expect(warm).to_have_attribute("src", PNG)
    assert warm.get_attribute("src") != cool
    assert query(page)["temp"] == "1.1"
    page.keyboard.press("T")  # + 0.1, up to the slider's top of 1.2
    expect(page.locator(f'#sample-grid[data-key="{MODEL}|3|1.2"]')).to_have_attribute("src", PNG)
    page.keyboard.press("T")
    expect(page.locator("#temp-out")).to_have_text("1.20")
    # the same noise at five temperatures: every strip filled, the current one marked
    expect(page.locator("#temp-strips img[src^='data:image/png']")).to_have_count(20)
    expect(page.locator(".temp-row.current")).to_have_attribute("data-t", "1.2")


def test_layer_strip_adds_up_to_the_likelihood(page: Page, live_server: str, models):
    page.goto(f"{live_server}/flow?sec=layers&di=2")
    strip = page.locator("#layer-strip")
    expect(strip).to_have_attribute("data-count", re.compile(r"^\d+$"), timeout=30_000)
    count = int(strip.get_attribute("data-count"))
    assert count > 10
    expect(strip.locator(".layer-cell")).to_have_count(count)
    expect(strip.locator(".layer-cell img[src^='data:image/png']")).to_have_count(count)
    # every cell has its log-det and the running total
    cells = strip.locator(".layer-cell")
    lds = [signed(t) for t in cells.locator(".layer-ld").all_inner_texts()]
    totals = [signed(t) for t in cells.locator(".layer-total").all_inner_texts()]
    assert len(lds) == len(totals) == count
    assert abs(sum(lds) - totals[-1]) < 0.1 * count  # each shown to 0.1
    total = signed(page.locator("#total-logp").inner_text())
    assert total == pytest.approx(totals[-1], abs=0.1)
    bpd = float(page.locator("#layers-bpd").inner_text())
    assert bpd == pytest.approx(8 - total / (784 * math.log(2)), abs=2e-3)  # the running total is log p
    expect(page.locator("#logp-chart svg path")).to_have_count(1)
    assert query(page).get("di") == "2"


def test_round_trip_is_lossless(page: Page, live_server: str, models):
    page.goto(f"{live_server}/flow?sec=roundtrip")
    for img in ("#trip-x", "#trip-z", "#trip-back"):
        expect(page.locator(img)).to_have_attribute("src", PNG, timeout=30_000)
    expect(page.locator("#roundtrip")).to_have_attribute("data-changed", re.compile(r"^\d+$"))
    assert float(page.locator("#trip-err").inner_text()) < 1e-3
    changed = int(page.locator("#trip-changed").inner_text())
    assert changed <= 3, f"{changed} pixels changed level on a round trip"
    if changed == 0:
        expect(page.locator("#trip-note")).to_contain_text("Lossless: exact inverse")
    assert float(page.locator("#trip-bpd").inner_text()) > 0


def test_interpolation_strip(page: Page, live_server: str, models):
    page.goto(f"{live_server}/flow?sec=interp&isteps=6&imethod=slerp")
    strip = page.locator("#interp-strip")
    expect(strip.locator("img[src^='data:image/png']")).to_have_count(6, timeout=30_000)
    expect(strip.locator("img.end-frame")).to_have_count(2)
    page.locator("#interp-steps").fill("8")
    expect(strip.locator("img[src^='data:image/png']")).to_have_count(8)
    assert query(page)["isteps"] == "8"
    page.keyboard.press("l")  # slerp -> lerp
    expect(page.locator("input[name=interp-method][value=lerp]")).to_be_checked()
    assert query(page)["imethod"] == "lerp"


def test_likelihood_panel_and_typicality(page: Page, live_server: str, models):
    page.goto(f"{live_server}/flow?sec=likelihood")
    panel = page.locator("#lik-panel")
    expect(panel).to_have_attribute("data-done", re.compile("held-out"), timeout=90_000)
    table = panel.locator(".lik-table")
    exact = table.locator("tr[data-kind=exact]")
    expect(table.locator(f"tr[data-model={MODEL}][data-kind=exact]")).to_have_count(1)
    if "pixelcnn-mnist" in models:
        expect(table.locator("tr[data-model=pixelcnn-mnist][data-kind=exact]")).to_have_count(1)
    if "ddpm-mnist" in models:
        bound = table.locator("tr[data-model=ddpm-mnist][data-kind=bound]")
        expect(bound).to_have_count(1)
        expect(bound.locator(".lik-bpd")).to_contain_text("≤")
        # the same model's exact likelihood by its probability-flow ODE, on the same digit, when asked: below its bound
        offered = table.locator("tr[data-model=ddpm-mnist][data-asked=exact]")
        expect(offered).to_have_attribute("data-state", "offered")
        offered.locator("button.lik-ask").click()
        by_ode = table.locator("tr[data-model=ddpm-mnist][data-asked=exact][data-kind=exact]")
        expect(by_ode).to_have_count(1, timeout=120_000)
        expect(by_ode.locator(".lik-method")).to_contain_text("probability-flow ODE")
        assert float(by_ode.get_attribute("data-bpd")) < float(bound.get_attribute("data-bpd"))
    assert exact.count() >= 1
    if "vae-mnist" in models:  # the Bernoulli figure: apart, never in the table
        expect(table.locator("tr[data-model=vae-mnist]")).to_have_count(0)
        apart = panel.locator(".lik-apart-item[data-model=vae-mnist]")
        expect(apart).to_be_visible()
        expect(apart).to_contain_text("Bernoulli")
        expect(panel.locator(".lik-apart h3")).to_contain_text("not comparable")
    expect(panel.locator(".lik-legend")).to_contain_text("guaranteed lower bound")

    # likelihood is not typicality: the three numbers are the API's, stated in the verdict
    expect(page.locator("#likelihood")).to_have_attribute("data-typical", "done", timeout=30_000)
    shown = {c: float(page.locator(f".typ-card[data-case={c}]").get_attribute("data-bpd")) for c in ("blank", "grey", "digit")}
    blank = httpx.post(f"{live_server}/api/models/{MODEL}/log-prob", json={"image": {"pixels": [0.0] * 784}, "seed": 0}, timeout=30).json()
    assert shown["blank"] == pytest.approx(blank["bits_per_dim"], abs=1e-6)
    verdict = page.locator("#typical-verdict")
    for value in shown.values():
        expect(verdict).to_contain_text(f"{value:.2f}")
    word = "more probable than the real digit" if shown["blank"] < shown["digit"] else "the real digit beats the blank canvas"
    expect(verdict).to_contain_text(word)
