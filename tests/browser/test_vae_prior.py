"""The VAE page offers a fitted model's two priors: the mixture where real digits encode, and N(0, I)."""

from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query


def test_the_sample_grid_switches_between_the_fitted_prior_and_n01(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=vae-mnist&seed=3")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    grid = page.locator("#sample-grid")
    expect(grid).to_have_attribute("src", PNG)
    picker = page.locator("#sample-prior")
    expect(picker).to_be_visible()
    expect(picker).to_have_value("fitted")
    expect(page.locator("#sample-caption")).to_contain_text("fitted mixture")
    fitted = grid.get_attribute("src")
    picker.select_option("standard")
    expect(page.locator("#sample-caption")).to_contain_text("N(0, I)")
    assert grid.get_attribute("src") != fitted and query(page)["prior"] == "standard"
    expect(page.locator("#sample .objective")).to_contain_text("N(0, T²·I)")
    page.reload()  # the choice is in the link
    expect(page.locator("#sample-prior")).to_have_value("standard")


def test_a_model_without_a_fitted_prior_shows_no_choice(page: Page, live_server: str):
    page.goto(f"{live_server}/vae?model=cvae-mnist")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#sample-grid")).to_have_attribute("src", PNG)
    expect(page.locator("#sample-prior")).to_be_hidden()
