"""Placing digits in dcgan-mnist's latent space in a real browser: two held-out digits are projected (their
G(z) and distance shown), the GAN's path between their z beside vae-mnist's between their posterior means; a
drawing replaces an end and is kept in the link. One test: each projection is a search of ~1 s of CPU."""

import re

from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, query

SEARCH_MS = 45_000  # two searches on a busy two-core runner


def test_two_digits_are_projected_and_interpolated_beside_the_vae(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model=dcgan-mnist&sec=project")
    section = page.locator("#project")
    expect(section).to_have_attribute("data-projected", "1", timeout=SEARCH_MS)
    for end in "ab":
        expect(page.locator(f"#project-input-{end}")).to_have_attribute("src", PNG)
        expect(page.locator(f"#project-recon-{end}")).to_have_attribute("src", PNG)
        expect(page.locator(f"#project-note-{end}")).to_contain_text("distance 0.0")  # a held-out digit G can draw
    expect(page.locator("#project-strip-gan img")).to_have_count(10)
    expect(page.locator("#project-strip-vae img")).to_have_count(10)
    expect(page.locator("#project-chart svg path").first).to_be_attached()
    assert section.locator(".error").is_hidden()
    before = page.locator("#project-strip-gan img").first.get_attribute("src")

    draw(page, SEVEN, pad="#project-pad-a")
    expect(section).to_have_attribute("data-projected", "2", timeout=SEARCH_MS)
    assert query(page)["pa"].startswith("draw:") and query(page)["pb"] == "real:8"
    assert page.locator("#project-strip-gan img").first.get_attribute("src") != before
    page.keyboard.press("a")  # the shortcut p jumps back here from elsewhere (a: the model cards)
    expect(page).to_have_url(re.compile(r"sec=cards"))
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile(r"sec=project"))
