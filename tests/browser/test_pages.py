"""The pages in a real browser against the real server and shipped checkpoints: pictures appear,
controls change them, permalinks restore them, shortcuts work."""

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, grid_src, query


def test_home_lists_vae_models_and_shows_a_live_sample(page: Page, live_server: str):
    page.goto(f"{live_server}/")
    vae = page.locator("[data-family=vae]")
    expect(vae.locator(".model-row[data-model=vae-mnist]")).to_be_visible()
    expect(vae.locator(".model-row[data-model=vae-mnist] .abilities", has_text="draw new digits")).to_be_visible()
    samples = vae.locator(".sample-strip img")
    expect(samples).to_have_count(8)
    for i in range(8):
        expect(samples.nth(i)).to_have_attribute("src", PNG)
    assert page.locator(".family-table tbody tr").count() == 7
    expect(page.locator("article.family")).to_have_count(7)
    # the metric classifier is not a generative family and is not listed
    expect(page.locator(".model-row[data-model=digit-classifier]")).to_have_count(0)


def test_drawing_shows_reconstruction_and_elbo(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&sec=draw")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    draw(page, SEVEN)
    expect(page.locator("#draw-recon")).to_have_attribute("src", PNG)
    expect(page.locator("#draw-input")).to_have_attribute("src", PNG)
    expect(page.locator("#elbo-text")).to_contain_text("nats")
    numbers = [float(v) for v in re.findall(r"(-?\d+\.\d) nats", page.locator("#elbo-bars").inner_text())]
    assert len(numbers) >= 3 and all(v > 0 for v in numbers), numbers
    recon, kl, neg_elbo = numbers[:3]
    assert abs(recon + kl - neg_elbo) < 0.2  # -ELBO = recon + KL
    # one error bar per latent dimension of vae-mnist (16)
    expect(page.locator("#posterior-chart circle.err-dot")).to_have_count(16)
    # clearing removes the pictures again
    page.keyboard.press("c")
    expect(page.locator("#draw-recon")).not_to_have_attribute("src", PNG)


def test_moving_a_latent_slider_decodes_a_new_image(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&seed=3&sec=sliders")
    img = page.locator("#slider-img")
    expect(img).to_have_attribute("src", PNG)
    sliders = page.locator("#slider-list input[type=range]")
    expect(sliders).to_have_count(16)
    before = img.get_attribute("src")
    sliders.nth(0).fill("2.5")
    expect(img).not_to_have_attribute("src", before)
    expect(img).to_have_attribute("src", PNG)
    assert query(page)["z"].split(",")[0] == "2.5"


def test_permalink_restores_the_same_grid(page: Page, live_server: str):
    page.goto(f"{live_server}/vae")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    models = page.locator("#model option").evaluate_all("opts => opts.map(o => o.value)")
    model = next((m for m in models if m != "vae-mnist" and not m.startswith("cvae")), "vae-mnist")
    page.select_option("#model", model)
    page.fill("#seed", "1234")
    page.press("#seed", "Enter")
    page.locator("#temp").fill("0.7")
    key = f"{model}|1234||0.7"
    src = grid_src(page, key)
    permalink = page.url
    q = query(page)
    assert {k: q.get(k) for k in ("model", "seed", "temp")} == {"model": model, "seed": "1234", "temp": "0.7"}

    page.goto("about:blank")
    page.goto(permalink)
    expect(page.locator("body[data-ready=true]")).to_be_attached()  # controls are filled from /api/models
    expect(page.locator("#model")).to_have_value(model)
    expect(page.locator("#seed")).to_have_value("1234")
    assert grid_src(page, key) == src
    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    assert grid_src(page, key) == src
    # a different seed is a different picture (the comparison above can fail)
    page.fill("#seed", "1235")
    page.press("#seed", "Enter")
    assert grid_src(page, f"{model}|1235||0.7") != src


def test_clicking_the_latent_map_decodes_that_point(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?sec=map")
    expect(page.locator("#map-img")).to_have_attribute("src", PNG)
    expect(page.locator("#map-overlay circle.dot").first).to_be_attached()
    wrap = page.locator("#map-wrap")
    box = wrap.bounding_box()
    wrap.click(position={"x": box["width"] * 0.75, "y": box["height"] * 0.25})
    expect(page.locator("#map-digit")).to_have_attribute("src", PNG)
    expect(page.locator("#map-coords")).to_contain_text("z = (")
    q = query(page)
    x, y = float(q["mx"]), float(q["my"])
    assert 0.5 < x < 3.5 and 0.5 < y < 3.5, (x, y)  # upper right quarter of the ±3 plane
    first = page.locator("#map-digit").get_attribute("src")
    wrap.click(position={"x": box["width"] * 0.2, "y": box["height"] * 0.8})
    expect(page.locator("#map-digit")).not_to_have_attribute("src", first)
    assert float(query(page)["mx"]) < 0 and float(query(page)["my"]) < 0


def test_shortcuts_overlay_and_new_seed(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?seed=5")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#sample-grid")).to_have_attribute("src", PNG)
    overlay = page.locator("#help")
    expect(overlay).to_be_hidden()
    page.keyboard.press("?")
    expect(overlay).to_be_visible()
    expect(overlay).to_contain_text("new seed")
    page.keyboard.press("Escape")
    expect(overlay).to_be_hidden()

    # typing in a field is not a shortcut
    page.locator("#seed").focus()
    page.keyboard.press("n")
    assert page.locator("#seed").input_value() == "5"
    page.locator("#seed").blur()

    before = page.locator("#sample-grid").get_attribute("src")
    page.keyboard.press("n")
    expect(page.locator("#seed")).not_to_have_value("5")
    new_seed = page.locator("#seed").input_value()
    assert query(page)["seed"] == new_seed
    expect(page.locator("#sample-grid")).not_to_have_attribute("src", before)
