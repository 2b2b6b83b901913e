"""Offline and under the CSP: /docs and /redoc render from vendored assets with every request to
another origin aborted, and no page (explorers included) trips the Content-Security-Policy."""

import pytest
from playwright.sync_api import Page, expect

# What shows that each page has done its first round of work (pictures drawn, reference rendered).
LOADED = {
    "/": "[data-family=vae] .sample-strip img[src^='data:image/png']",
    "/vae": "#sample-grid[src^='data:image/png']",
    "/gan": "#sample-grid[src^='data:image/png']",
    "/diffusion": "#forward img[src^='data:image/png']",
    "/vqvae": "#codebook-grid .vq-code img[src^='data:image/png']",
    "/quiz": "#quiz-grid .quiz-cell img[src^='data:image/png']",
    "/compare": ".cmp-grid[data-state=done] img.digit[src^='data:image/png']",
    "/docs": ".opblock-summary-path[data-path='/api/models/{model_id}/sample']",
    "/redoc": "h1:has-text('genlab')",
}


def offline(page: Page, base: str) -> list[str]:
    """Abort every request that leaves `base` (a machine with no network); returns their URLs."""
    foreign: list[str] = []

    def abort(route):
        foreign.append(route.request.url)
        route.abort()

    page.route(lambda url: not url.startswith(base), abort)
    return foreign


def csp_violations(page: Page) -> list[str]:
    """Console messages in which Chromium reports something the CSP blocked (filled as the page runs)."""
    messages: list[str] = []
    page.on("console", lambda m: messages.append(m.text)
            if "Content Security Policy" in m.text or "Refused to" in m.text else None)
    return messages


def test_swagger_ui_lists_the_operations_offline(page: Page, live_server: str):
    foreign = offline(page, live_server)
    page.goto(f"{live_server}/docs")
    expect(page.locator("#operations-tag-sample")).to_be_visible()
    sample = page.locator(LOADED["/docs"])
    expect(sample).to_be_visible()
    sample.click()  # expands: the request body schema comes from /openapi.json
    expect(page.locator(".opblock-body").get_by_text("Request body")).to_be_visible()
    assert foreign == []


def test_redoc_renders_the_api_title_offline(page: Page, live_server: str):
    foreign = offline(page, live_server)
    page.goto(f"{live_server}/redoc")
    expect(page.locator("h1", has_text="genlab")).to_be_visible()
    expect(page.get_by_role("menuitem", name="sample")).to_be_visible()
    expect(page.locator("h2", has_text="Sample Images")).to_be_attached()  # the operation, from /openapi.json
    assert foreign == []


@pytest.mark.parametrize("path", list(LOADED))
def test_page_runs_under_the_csp_without_other_origins(page: Page, live_server: str, path: str):
    foreign = offline(page, live_server)
    violations = csp_violations(page)
    response = page.goto(f"{live_server}{path}")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator(LOADED[path]).first).to_be_visible()
    page.wait_for_load_state("networkidle", timeout=60_000)  # every picture asked for (slow on a busy machine)
    assert violations == [], violations
    assert foreign == [], foreign
