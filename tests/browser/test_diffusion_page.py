"""The diffusion explorer in a real browser against the real server: the reverse stream fills a
frame player that plays, pauses and steps; the forward slider re-noises the digit; a permalink
restores the same pixels. CPU cost is kept small (n <= 2, <= 12 steps)."""

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query


@pytest.fixture(scope="module")
def model(live_server: str) -> dict:
    """The diffusion model the page shows by default: ddpm-mnist, else the first diffusion model."""
    models = [m for m in httpx.get(f"{live_server}/api/models", timeout=10).json()["models"] if m["family"] == "diffusion"]
    assert models, "no diffusion model is loaded from checkpoints/ (expected ddpm-mnist)"
    return next((m for m in models if m["id"] == "ddpm-mnist"), models[0])


def _final_grid(page: Page) -> str:
    """Wait for the reverse run to finish; its final grid (the `done` event's) is on the section."""
    section = page.locator("#reverse[data-final^='data:image/png']")
    expect(section).to_be_attached(timeout=30_000)
    return section.get_attribute("data-final")


def test_stream_fills_the_player_which_plays_pauses_and_steps(page: Page, live_server: str, model: dict):
    page.goto(f"{live_server}/diffusion?model={model['id']}&seed=3&class=1&steps=12&n=2&sec=reverse")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    player = page.locator("#rev-player")
    xt = page.locator("#rev-xt")
    # the first frame shows as soon as it arrives; all 12 steps are kept (every = 1)
    expect(xt).to_have_attribute("src", PNG)
    _final_grid(page)
    expect(player).to_have_attribute("data-frames", "12")
    expect(player).to_have_attribute("data-frame", "11")  # it followed the stream to the last frame
    last_src = xt.get_attribute("src")
    # space plays from the start again: the frame counter advances and the picture changes
    page.keyboard.press(" ")
    expect(player).to_have_attribute("data-playing", "true")
    expect(player.locator("[data-role=info]")).to_contain_text(re.compile(r"frame ([4-9]|1[0-2])/12"))
    assert xt.get_attribute("src") != last_src
    # space again pauses: the frame stays put
    page.keyboard.press(" ")
    expect(player).to_have_attribute("data-playing", "false")
    paused_at = int(player.get_attribute("data-frame"))
    page.wait_for_timeout(400)
    assert int(player.get_attribute("data-frame")) == paused_at
    # the arrow keys step one frame, with a different x_t, and back to the same one
    page.keyboard.press("Home")
    expect(player).to_have_attribute("data-frame", "0")
    first = xt.get_attribute("src")
    page.keyboard.press("ArrowRight")
    expect(player).to_have_attribute("data-frame", "1")
    expect(player.locator("[data-role=info]")).to_contain_text("frame 2/12")
    assert xt.get_attribute("src") != first
    page.keyboard.press("ArrowLeft")
    expect(xt).to_have_attribute("src", first)
    assert query(page)["frame"] == "0"


def test_forward_slider_renoises_the_digit(page: Page, live_server: str, model: dict):
    T = model["card"]["config"]["timesteps"]
    t0, t1 = T // 10, T // 2
    page.goto(f"{live_server}/diffusion?model={model['id']}&seed=5&t={t0}&sec=forward")
    xt = page.locator(f"#fwd-xt[data-t='{t0}']")
    expect(xt).to_have_attribute("src", PNG)
    expect(page.locator("#fwd-x0")).to_have_attribute("src", PNG)
    before_src = xt.get_attribute("src")
    before_ab = float(page.locator("#fwd-ab").inner_text())
    assert 0 < before_ab < 1
    page.locator("#fwd-t").fill(str(t1))
    moved = page.locator(f"#fwd-xt[data-t='{t1}']")
    expect(moved).to_have_attribute("src", PNG)
    assert moved.get_attribute("src") != before_src
    after_ab = float(page.locator("#fwd-ab").inner_text())
    assert after_ab < before_ab  # more noise, less signal
    assert query(page)["t"] == str(t1)
    expect(page.locator("#fwd-formula")).to_contain_text(f"x_{t1} =")
    # "]" moves t up by T/40; the chart's marker follows
    page.keyboard.press("]")
    t2 = t1 + max(1, round(T / 40))
    expect(page.locator(f"#fwd-xt[data-t='{t2}']")).to_have_attribute("src", PNG)
    expect(page.locator("#sched-chart svg")).to_have_attribute("data-t", str(t2))


def test_permalink_restores_the_same_final_grid_and_frame(page: Page, live_server: str, model: dict):
    page.goto(f"{live_server}/diffusion?model={model['id']}&seed=11&class=4&steps=8&n=2&sec=reverse")
    first = _final_grid(page)
    q = query(page)
    assert (q["seed"], q["class"], q["steps"], q["n"]) == ("11", "4", "8", "2")
    # step back two frames: the link now names that frame too
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#rev-player")).to_have_attribute("data-frame", "5")
    shown = page.locator("#rev-xt").get_attribute("src")
    assert query(page)["frame"] == "5"
    page.reload()
    assert _final_grid(page) == first
    expect(page.locator("#rev-player")).to_have_attribute("data-frame", "5")
    expect(page.locator("#rev-xt")).to_have_attribute("src", shown)
    # another seed gives other pixels (so the equality above means something)
    page.locator("#seed").fill("12")
    page.locator("#seed").press("Enter")
    page.wait_for_function("new URLSearchParams(location.search).get('seed') === '12'")
    assert _final_grid(page) != first


def test_model_card_charts_the_sampler_curves(page: Page, live_server: str, model: dict):
    """The step-count and guidance curves of the card: one table row per measured point, FD over its floor."""
    curves = httpx.get(f"{live_server}/api/models/{model['id']}", timeout=10).json()["card"]["metrics"].get("curves")
    page.goto(f"{live_server}/diffusion?model={model['id']}&sec=training")
    if curves is None:
        expect(page.locator("#curve-steps")).to_contain_text("Not measured")
        return
    for box, points, key in (("#curve-steps", curves["steps"], "steps"), ("#curve-guidance", curves["guidance"], "guidance")):
        rows = page.locator(f"{box} tbody tr")
        expect(rows).to_have_count(len(points))
        first = points[0]
        expect(rows.first).to_contain_text(f"{first['frechet_distance'] / first['floor']:.2f}×")
        expect(page.locator(f"{box} svg")).to_be_visible()


def test_the_cost_quality_chart_names_the_best_sampler_at_each_budget(page: Page, live_server: str, model: dict):
    """The card's sampler curve (genlab evaluate --sampler-costs): a line per sampler, a table row per budget
    whose best cell is the lowest FD over floor among the samplers within that many evaluations, and the
    same advice on the home page."""
    curves = httpx.get(f"{live_server}/api/models/{model['id']}", timeout=10).json()["card"]["metrics"].get("curves") or {}
    page.goto(f"{live_server}/diffusion?model={model['id']}&sec=training")
    box = page.locator("#curve-samplers")
    points = curves.get("samplers")
    if not points:
        expect(box).to_contain_text("Not measured")
        return
    expect(box.locator("svg")).to_be_visible()
    budgets = sorted({p["evaluations"] for p in points if p["sampler"] == "ddim"})
    expect(box.locator("tbody tr")).to_have_count(len(budgets))
    for budget in budgets:
        within = {}
        for p in sorted(points, key=lambda p: p["evaluations"]):
            if p["evaluations"] <= budget:
                within[p["sampler"]] = p
        best = min(within.values(), key=lambda p: p["frechet_distance"] / p["floor"])
        expect(box.locator(f"tr[data-budget='{budget}']")).to_have_attribute("data-best", best["sampler"])
    expect(box.locator(".sampler-advice")).to_contain_text("Which sampler at which budget")
    page.goto(f"{live_server}/")
    expect(page.locator(f".model-row[data-model={model['id']}] .measured")).to_contain_text("which sampler at which budget")


def test_the_latent_model_is_on_the_same_cost_quality_chart(page: Page, live_server: str, model: dict):
    """Issue 16: latent diffusion's quality and cost beside the pixel model's on one chart: its DDIM line
    (dashed, in the legend), its point at each budget in a column of its own, and the network FLOPs of one
    evaluation of each model, from both cards (genlab evaluate --sampler-costs)."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    latent = next(m["id"] for m in listing if m["family"] == "latent_diffusion")
    metrics = {i: httpx.get(f"{live_server}/api/models/{i}", timeout=10).json()["card"]["metrics"] for i in (model["id"], latent)}
    ddim = sorted((p for p in metrics[latent]["curves"]["samplers"] if p["sampler"] == "ddim"), key=lambda p: p["evaluations"])
    gflop = {i: m["measured"]["samplers_curve"]["gflop_per_evaluation"] for i, m in metrics.items()}
    page.goto(f"{live_server}/diffusion?model={model['id']}&sec=training")
    box = page.locator("#curve-samplers")
    expect(box.locator("svg")).to_contain_text(f"latent DDIM ({latent})")
    expect(box.locator("thead th.latent")).to_have_text("latent DDIM")
    for p in ddim:
        expect(box.locator(f"tr[data-budget='{p['evaluations']}'] td.latent")).to_contain_text(
            f"{p['frechet_distance'] / p['floor']:.2f}×")
    note = box.locator(".latent-costs")
    expect(note).to_contain_text(f"{gflop[latent]:.3f} GFLOP per image there against {gflop[model['id']]:.3f} here")
    expect(note).to_contain_text(f"({gflop[latent] / gflop[model['id']]:.2f}×)")


def test_a_latent_curve_without_its_flops_leaves_the_chart_to_the_pixel_samplers(page: Page, live_server: str, model: dict):
    """A latent card whose curve was measured before the FLOPs were recorded has no cost to compare: the chart
    is drawn without it (it once broke the whole chart on the missing number)."""
    listing = httpx.get(f"{live_server}/api/models", timeout=10).json()["models"]
    latent = next(m["id"] for m in listing if m["family"] == "latent_diffusion")

    def without_flops(route):
        body = route.fetch().json()
        del body["card"]["metrics"]["measured"]["samplers_curve"]["gflop_per_evaluation"]
        route.fulfill(json=body)

    page.route(f"**/api/models/{latent}", without_flops)
    page.goto(f"{live_server}/diffusion?model={model['id']}&sec=training")
    box = page.locator("#curve-samplers")
    expect(box.locator(".sampler-advice")).to_contain_text("Which sampler at which budget")
    expect(box.locator("th.latent")).to_have_count(0)
    expect(box.locator(".latent-costs")).to_have_count(0)


def test_sde_and_ode_samplers_and_the_ode_inversion(page: Page, live_server: str, model: dict):
    page.goto(f"{live_server}/diffusion?model={model['id']}&seed=3&class=1&steps=6&n=1&sampler=ode&sec=reverse")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("input[name=sampler][value=ode]")).to_be_checked()
    ode = _final_grid(page)
    expect(page.locator("#rev-caption")).to_contain_text("ODE")
    expect(page.locator("#eta")).to_be_disabled()  # eta is DDIM's
    expect(page.locator("#langevin-fields")).to_be_hidden()
    page.locator("#rev-xt").click()  # focus out of any field, so keys are shortcuts
    page.keyboard.press("d")  # the next sampler after ode: annealed Langevin, with its own two controls
    expect(page.locator("input[name=sampler][value=langevin]")).to_be_checked()
    expect(page.locator("#langevin-fields")).to_be_visible()
    page.locator("#lv-step").select_option("0.0003")
    expect(page.locator("#rev-caption")).to_contain_text("ε = 0.0003", timeout=30_000)
    assert query(page)["ls"] == "0.0003" and query(page)["sampler"] == "langevin"
    page.locator("#lv-smax").select_option("10")  # the noise range and the final step are the reader's too
    page.locator("#lv-smin").select_option("0.2")
    page.locator("#lv-denoise").uncheck()
    expect(page.locator("#rev-caption")).to_contain_text("σ 10 → 0.2 · no final denoising", timeout=30_000)
    expect(page.locator("#reverse[data-final^='data:image/png']")).to_be_attached(timeout=30_000)
    assert {k: query(page)[k] for k in ("smax", "smin", "fd")} == {"smax": "10", "smin": "0.2", "fd": "0"}
    page.reload()
    expect(page.locator("#lv-smax")).to_have_value("10")
    expect(page.locator("#lv-denoise")).not_to_be_checked()
    page.locator("#rev-xt").click()
    page.keyboard.press("d")  # ... and round to ddim
    expect(page.locator("input[name=sampler][value=ddim]")).to_be_checked()
    page.locator("input[name=sampler][value=sde]").check()
    expect(page.locator("#reverse[data-final^='data:image/png']")).not_to_have_attribute("data-final", ode, timeout=30_000)
    assert query(page)["sampler"] == "sde"
    # the ODE inverts a digit and regenerates it; the link keeps the solver
    page.locator("input[name=inv-sampler][value=ode]").check()
    expect(page.locator("#inv-arrow")).to_have_text("ODE", timeout=60_000)
    expect(page.locator("#inv-note")).to_contain_text("ODE (Heun)")
    assert float(page.locator("#inv-err").text_content()) >= 0
    assert query(page)["isampler"] == "ode"


def test_the_compare_section_puts_the_latent_trajectory_beside_the_pixel_one(page: Page, live_server: str, model: dict):
    """Same seed, class and DDIM steps by ddpm-mnist and by the latent model: a strip of decoded x_t each."""
    page.goto(f"{live_server}/diffusion?model={model['id']}&seed=2&class=7&sec=compare")
    rows = page.locator("#cmp-latent .lat-row")
    expect(rows).to_have_count(2, timeout=30_000)
    for i in range(2):
        # t = 999 ... 0, every 10th step; queued behind the section's seven other runs: slow on a loaded CI box
        expect(rows.nth(i)).to_have_attribute("data-frames", "6", timeout=180_000)
    expect(page.locator("#cmp-latent-note")).to_contain_text("class 7")
    expect(rows.nth(1)).to_contain_text("latent-ddpm-mnist")
    pixel, latent = (rows.nth(i).locator("img").first.get_attribute("src") for i in range(2))
    assert pixel.startswith("data:image/png") and latent.startswith("data:image/png") and pixel != latent
