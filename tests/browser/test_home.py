"""The home page reads for a student (issue 13, points 18 and 19): what to try first, the family map
near the top with its content right, no developer text, and likelihoods only with their labels."""

import re

from playwright.sync_api import Page, expect


def test_the_family_map_comes_before_the_model_cards_and_says_the_right_things(page: Page, live_server: str):
    page.goto(f"{live_server}/")
    expect(page.locator("[data-family=vae] .sample-strip img").first).to_be_visible()
    map_top = page.locator("#family-map").bounding_box()["y"]
    assert map_top < page.locator("#families").bounding_box()["y"]
    rows = {row.locator("th").inner_text(): row.locator("td").all_inner_texts()
            for row in page.locator(".family-table tbody tr").all()}
    score = next(cells for name, cells in rows.items() if name.startswith("Score"))
    diffusion = next(cells for name, cells in rows.items() if name.startswith("Diffusion"))
    assert "probability-flow ODE" in score[0]  # score models have a likelihood, through the ODE
    assert "DDIM inversion" in diffusion[2]  # and diffusion has a latent: the inverted x_T


def test_no_developer_text_and_every_likelihood_labelled(page: Page, live_server: str):
    page.goto(f"{live_server}/")
    expect(page.locator("[data-family=diffusion] .measured").first).to_be_visible()
    text = page.locator("main").inner_text()
    assert "POST /api" not in text and "/api/models" not in text
    expect(page.locator(".chip")).to_have_count(0)
    likelihoods = [li for li in page.locator(".measured li").all_inner_texts() if li.startswith("likelihood")]
    assert len(likelihoods) >= 2
    for line in likelihoods:
        assert ("bound" in line or "exact" in line) and ("Bernoulli" in line or "256-level" in line), line
    vae = next(line for line in likelihoods if "nats" in line)
    ddpm = next(line for line in likelihoods if "bits per pixel" in line)
    assert "Bernoulli" in vae and "256-level" in ddpm  # different pixel models, said so on each figure


def test_try_first_links_open_the_sections_they_name(page: Page, live_server: str):
    page.goto(f"{live_server}/")
    links = page.locator("#try-first a")
    expect(links).to_have_count(8)  # six sections, then /compare and /quiz
    links.first.click()
    # the page may already have written its own state after the section (a loaded CI box navigates slowly)
    expect(page).to_have_url(re.compile(rf"^{re.escape(live_server)}/vae\?sec=sliders(&|$)"), timeout=20_000)
