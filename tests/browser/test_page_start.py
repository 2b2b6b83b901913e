"""The start every explorer page shares (static/js/lib/page.js loadPageModels): with none of its models
loaded a page says which checkpoint is missing; a link to a model that is not loaded falls back to the
page's default and says so."""

import json

import pytest
from playwright.sync_api import Page, expect

# page -> what its message names when none of its models is loaded
PAGES = {
    "vae": "family \"vae\"",
    "diffusion": "checkpoints/ddpm-mnist.json",
    "flow": "checkpoints/flow-mnist.json",
    "pixelcnn": "checkpoints/pixelcnn-mnist.json",
    "vqvae": "checkpoints/vqvae-mnist.json",
    "quiz": "the sample capability",
}


@pytest.mark.parametrize("name", PAGES)
def test_a_page_without_its_models_says_which_checkpoint_is_missing(page: Page, live_server: str, name: str):
    page.route("**/api/models", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps({"models": [], "failed": []})))
    page.goto(f"{live_server}/{name}")
    banner = page.locator("#global-error")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(PAGES[name])


@pytest.mark.parametrize("name", ["flow", "vae"])
def test_a_link_to_a_model_that_is_not_loaded_falls_back_and_says_so(page: Page, live_server: str, name: str):
    page.goto(f"{live_server}/{name}?model=no-such-model")
    banner = page.locator("#global-error")
    expect(banner).to_contain_text("Model no-such-model from the link is not loaded")
    expect(banner).to_contain_text("showing")
    # the sections then load (the held-out digits, the samples) and their success must not wipe the page's message:
    # a section without an error box of its own clears only what it put in the banner
    expect(page.locator("#sample-grid[src^='data:image/png']")).to_be_attached(timeout=30_000)
    if name == "flow":
        expect(page.locator("#digit-source .thumb").first).to_be_attached(timeout=30_000)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Model no-such-model from the link is not loaded")
