"""The VAE page's reparameterization section: μ, σ, one ε and z = μ + σ·ε per latent dimension for the
drawn digit, seven decoded pictures (z = μ and six draws), "draw ε again", and the ε seed in the link."""

import math

from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, query

ROWS = "#reparam-table tr.reparam-dim"
SAME_MEANS = """() => {
    const dots = [...document.querySelectorAll('#posterior-chart circle.err-dot title')]
        .map((t) => t.textContent.match(/mean (-?[0-9.]+)/)[1]);
    const rows = [...document.querySelectorAll('#reparam-table tr.reparam-dim')].map((r) => (+r.dataset.mu).toFixed(2));
    const section = document.getElementById('reparam');
    return dots.length > 0 && dots.join() === rows.join() && !section.classList.contains('busy')
        && document.querySelectorAll('#reparam-strip img').length === 7;
}"""


def shown_number(text: str) -> float:
    return float(text.strip().replace("−", "-"))


def table(page: Page) -> list[dict[str, float]]:
    """Every row's numbers: the data attributes (full precision) and the text on screen."""
    return page.locator(ROWS).evaluate_all("""rows => rows.map((r) => ({
        mu: +r.dataset.mu, sigma: +r.dataset.sigma, logvar: +r.dataset.logvar, eps: +r.dataset.eps, z: +r.dataset.z,
        text: [...r.querySelectorAll('td.mu, td.sigma, td.eps, td.z')].map((td) => td.textContent)}))""")


def images(page: Page) -> list[str]:
    strip = page.locator("#reparam-strip img")
    expect(strip).to_have_count(7)
    for i in range(7):
        expect(strip.nth(i)).to_have_attribute("src", PNG)
    return strip.evaluate_all("imgs => imgs.map((i) => i.src)")


def check_rows(rows: list[dict[str, float]], dim: int) -> None:
    assert len(rows) == dim
    for r in rows:
        assert abs(r["sigma"] - math.exp(0.5 * r["logvar"])) < 1e-9
        assert abs(r["z"] - (r["mu"] + r["sigma"] * r["eps"])) < 1e-9
        mu, sigma, eps, z = (shown_number(t) for t in r["text"])
        for shown, key in zip((mu, sigma, eps, z), ("mu", "sigma", "eps", "z")):
            assert abs(shown - r[key]) <= 0.0005 + 1e-9  # shown to 3 decimals (JS and Python round halves apart)
        assert abs(z - (mu + sigma * eps)) < 2e-3  # the numbers on screen, each rounded to 3 decimals


def test_reparam_section_for_a_drawn_digit(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&sec=draw&eps=5")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    draw(page, SEVEN)
    expect(page.locator("#draw-recon")).to_have_attribute("src", PNG)
    section = page.locator("#reparam")
    section.scroll_into_view_if_needed()
    expect(page.locator("#reparam-source")).to_contain_text("your drawing")
    expect(section).to_have_attribute("data-eps", "5")
    # μ is the drawing's posterior mean, the one the drawing section plots (once the last stroke's
    # answer is on screen: the section follows the drawing while it is drawn)
    page.wait_for_function(SAME_MEANS)
    rows = table(page)
    check_rows(rows, 16)
    before = images(page)
    assert len(set(before)) > 1  # the draws decode to different pictures (σ > 0)

    # draw ε again (the key): new ε, z and pictures; the same μ and σ
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("a")
    expect(section).not_to_have_attribute("data-eps", "5")
    seed = query(page)["eps"]
    expect(section).to_have_attribute("data-eps", seed)
    again = table(page)
    check_rows(again, 16)
    assert [(r["mu"], r["sigma"]) for r in again] == [(r["mu"], r["sigma"]) for r in rows]
    assert all(a["eps"] != r["eps"] and a["z"] != r["z"] for a, r in zip(again, rows))
    after = images(page)
    assert after[0] == before[0]  # z = μ decodes to the same picture
    assert after[1:] != before[1:]

    # the permalink (drawing and ε seed) shows the same ε
    page.goto(page.url)
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    # go there as a reader would (a nav click): a bare scroll can be undone by the page holding the
    # linked section in view while its pictures arrive, and sections start only when they near the screen
    page.locator(".section-nav a[data-sec=reparam]").click()
    expect(page.locator("#reparam-source")).to_contain_text("your drawing")
    expect(section).to_have_attribute("data-eps", seed)
    assert [r["eps"] for r in table(page)] == [r["eps"] for r in again]


def test_reparam_section_for_the_conditional_and_2d_vaes(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=cvae-mnist&class=7&sec=reparam&eps=3")
    section = page.locator("#reparam")
    # before anything is drawn: a held-out digit, encoded and decoded with its own class
    expect(page.locator("#reparam-source")).to_contain_text("held-out")
    expect(page.locator("#reparam-source")).to_contain_text("cvae-mnist")
    check_rows(table(page), 16)
    images(page)
    draw(page, SEVEN)
    expect(page.locator("#reparam-source")).to_contain_text("your drawing (class 7)")
    check_rows(table(page), 16)
    images(page)
    page.locator("#reparam-again").click()
    expect(section).not_to_have_attribute("data-eps", "3")

    page.goto(f"{live_server}/vae?model=vae2d-mnist&sec=reparam")
    expect(page.locator("#reparam-source")).to_contain_text("vae2d-mnist")
    expect(page.locator(ROWS)).to_have_count(2)
    check_rows(table(page), 2)
    images(page)
