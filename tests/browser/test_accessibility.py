"""axe-core (tests/browser/vendor/axe-core, a test-only copy) on every page, in normal and presentation
mode: no violation of impact "serious" or "critical"."""

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
BLOCKING = {"serious", "critical"}

# what each page shows once it is ready to be checked
READY = {
    "/": "[data-family=vae] .sample-strip img[src^='data:image/png']",
    "/vae": "body[data-ready=true] #sample-grid[src^='data:image/png']",
    "/gan": "body[data-ready=true] #sample-grid[src^='data:image/png']",
    "/diffusion": "body[data-ready=true] #forward img[src^='data:image/png']",
    "/flow": "body[data-ready=true] #sample-grid[src^='data:image/png']",
    "/pixelcnn": "body[data-ready=true] #stream[data-received]",
    "/score": "body[data-ready=true] #field-canvas[data-key]",
    "/vqvae": "body[data-ready=true] #codebook-grid .vq-code img[src^='data:image/png']",
    "/quiz": "body[data-ready=true] #quiz-grid .quiz-cell img[src^='data:image/png']",
    "/compare": "body[data-ready=true] .cmp-grid[data-state=done] img.digit[src^='data:image/png']",
    "/docs": ".swagger-ui .opblock-summary-control",
}


def axe_violations(page: Page) -> list[dict]:
    """Run axe on the page (injected by evaluate: the page's CSP refuses an inline <script> tag)."""
    page.evaluate(AXE)
    return page.evaluate("""async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
        .map((v) => ({id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.join(" "))}))""")


@pytest.mark.parametrize("present", [False, True], ids=["normal", "present"])
@pytest.mark.parametrize("path", list(READY))
def test_no_serious_axe_violations(page: Page, live_server: str, path: str, present: bool):
    if present and path == "/docs":
        pytest.skip("/docs is Swagger UI's page: it has no genlab header, so no presentation mode")
    if present:
        page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{live_server}{path}{'?present=1' if present else ''}")
    expect(page.locator(READY[path]).first).to_be_attached(timeout=30_000)
    if present:
        expect(page.locator("html.present")).to_be_attached()
    bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    report = "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {v['targets'][:8]}" for v in bad)
    assert not bad, f"axe on {path}{' (present)' if present else ''}:\n{report}"


@pytest.mark.parametrize("path", [p for p in READY if p != "/docs"] + ["/lab"])
def test_no_serious_axe_violations_before_the_pictures_arrive(browser, browser_context_args, live_server: str,
                                                              path: str):
    """The page as served, before its scripts fill it: what a screen reader meets on a slow server (an empty
    chart box once broke a rule that the filled one hid)."""
    context = browser.new_context(**browser_context_args)
    try:
        context.route("**/static/js/**", lambda route: route.abort())  # the page's own scripts never run
        page = context.new_page()
        page.goto(f"{live_server}{path}")
        bad = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    finally:
        context.close()
    report = "\n".join(f"{v['impact']} {v['id']} ({v['help']}): {v['targets'][:8]}" for v in bad)
    assert not bad, f"axe on {path} as served:\n{report}"
