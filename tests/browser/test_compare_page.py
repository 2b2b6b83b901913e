"""The compare page (/compare) in Chromium against the shipped evaluation table: three families side by side,
the table with a row per model and a column group per axis, the radar and the precision / recall plane; picks
kept in the URL; sorting by a column, by mouse and by keyboard; a server without a table. No figure is
hard-coded: the assertions are read from GET /api/evaluation, so a re-measured table passes too."""

import json

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query

THREE = ["vae-mnist", "dcgan-mnist", "ddpm-mnist"]  # three families; the page's default picks
AXES = ["quality", "diversity", "likelihood", "cost", "memorization", "control"]


@pytest.fixture
def table(page: Page, live_server: str) -> dict:
    table = page.request.get(f"{live_server}/api/evaluation").json()
    assert len({row["model"] for row in table["models"]} & set(THREE)) == 3, "the table lacks a default pick"
    return table


def open_compare(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=30_000)


def test_three_families_side_by_side_on_every_axis(page: Page, live_server: str, table: dict):
    open_compare(page, f"{live_server}/compare?seed=5")
    assert query(page)["models"] == ",".join(THREE)  # the defaults, written into the link
    grids = page.locator("#grids .cmp-grid")
    expect(grids).to_have_count(3)
    for i, model in enumerate(THREE):
        expect(grids.nth(i)).to_have_attribute("data-model", model)
        expect(grids.nth(i)).to_contain_text(model)
    # the diffusion model's column takes seconds on a CPU: it says so while it waits
    for model in THREE:
        grid = page.locator(f'.cmp-grid[data-model="{model}"][data-state=done]')
        expect(grid).to_be_attached(timeout=60_000)
        expect(grid.locator("img.digit")).to_have_count(16)
        expect(grid.locator("img.digit").first).to_have_attribute("src", PNG)

    rows = page.locator("#eval-table tbody tr[data-model]")
    expect(rows).to_have_count(len(table["models"]))
    expect(page.locator("#eval-table tbody.picked-rows tr[data-model]")).to_have_count(3)
    for i, model in enumerate(THREE):  # picked first, in picking order
        expect(rows.nth(i)).to_have_attribute("data-model", model)
    groups = page.locator("#eval-table thead th[scope=colgroup]")
    expect(groups).to_have_text(AXES, ignore_case=True)
    gan = page.locator('#eval-table tr[data-model="dcgan-mnist"] td.null').first
    expect(gan).to_contain_text("no likelihood: GAN")
    assert "combined" not in page.locator("#eval-table").inner_text().lower()
    expect(page.locator("#csv-link")).to_have_attribute("href", "/api/evaluation?format=csv")
    expect(page.locator("#measured")).to_contain_text(f"{table['measured']['n']:,} samples per model")
    if table["measured"]["gpu"] is None:  # measured without a GPU: the column says why it is empty
        expect(page.locator("#measured")).to_contain_text("GPU times on none (no GPU there: that column is left out)")
        expect(page.locator("#eval-table thead")).not_to_contain_text("GPU")
        expect(page.locator("#eval-table thead")).to_contain_text("ms / image (1 core)")

    expect(page.locator("#radar svg .radar-shape")).to_have_count(3)
    expect(page.locator("#radar-table tbody tr")).to_have_count(6)
    expect(page.locator("#pr-plane svg .pr-point")).to_have_count(len(table["models"]))
    expect(page.locator("#pr-plane svg .pr-point.picked")).to_have_count(3)
    most_precise = max(table["models"], key=lambda r: r["precision"])["model"]
    expect(page.locator("#pr-reading")).to_contain_text(f"most precise: {most_precise}")
    picked = [r for r in table["models"] if r["model"] in THREE]
    covering = max(picked, key=lambda r: r["recall"])["model"]  # the sentence is written from the figures
    expect(page.locator("#pr-reading")).to_contain_text(f"{covering} covers the most")

    page.keyboard.press("c")  # the training curves start when their section comes near
    expect(page.locator("#curve-panels svg.curve-panel")).to_have_count(3, timeout=15_000)


def test_picks_are_kept_in_the_link(page: Page, live_server: str, table: dict):
    page.route("**/sample", lambda route: route.abort())  # the grids are the other test's; keep this one quick
    open_compare(page, f"{live_server}/compare?models=vae-mnist,dcgan-mnist&seed=9&class=4")
    expect(page.locator("#grids .cmp-grid")).to_have_count(2)
    expect(page.locator("#pick-3")).to_be_disabled()  # the slots fill in order
    extra = next(r["model"] for r in table["models"] if r["model"] not in ("vae-mnist", "dcgan-mnist"))
    page.select_option("#pick-2", extra)
    expect(page.locator("#grids .cmp-grid")).to_have_count(3)
    assert query(page)["models"] == f"vae-mnist,dcgan-mnist,{extra}"
    page.select_option("#pick-1", "vae-mnist")  # a model another slot holds: the two swap
    assert query(page)["models"] == f"dcgan-mnist,vae-mnist,{extra}"
    expect(page.locator("#radar svg .radar-shape")).to_have_count(3)

    page.reload()
    expect(page.locator("body[data-ready=true]")).to_be_attached(timeout=30_000)
    for slot, model in enumerate(["dcgan-mnist", "vae-mnist", extra]):
        expect(page.locator(f"#pick-{slot}")).to_have_value(model)
        expect(page.locator("#grids .cmp-grid").nth(slot)).to_have_attribute("data-model", model)
    expect(page.locator("#seed")).to_have_value("9")
    expect(page.locator("#class")).to_have_value("4")
    page.select_option("#pick-2", "")  # "none" drops the third
    expect(page.locator("#grids .cmp-grid")).to_have_count(2)
    assert query(page)["models"] == "dcgan-mnist,vae-mnist"


def test_sort_by_a_column_by_mouse_and_keyboard(page: Page, live_server: str, table: dict):
    page.route("**/sample", lambda route: route.abort())
    open_compare(page, f"{live_server}/compare?sec=table")
    others = page.locator("#eval-table tbody.other-rows tr[data-model]")
    expect(others).to_have_count(len(table["models"]) - 3)
    by_model = {r["model"]: r for r in table["models"]}

    def shown_order() -> list[float]:
        return [by_model[m]["recall"] for m in others.evaluate_all("rows => rows.map((r) => r.dataset.model)")]

    page.locator("#sort-recall").click()  # higher is better: best first
    expect(page.locator("#sort-recall").locator("xpath=..")).to_have_attribute("aria-sort", "descending")
    assert shown_order() == sorted(shown_order(), reverse=True)
    assert query(page)["sort"] == "recall:desc"
    page.keyboard.press("Enter")  # the header keeps the focus: again reverses
    expect(page.locator("#sort-recall").locator("xpath=..")).to_have_attribute("aria-sort", "ascending")
    assert shown_order() == sorted(shown_order())
    page.reload()  # the link keeps the order
    expect(page.locator("#sort-recall").locator("xpath=..")).to_have_attribute("aria-sort", "ascending")
    page.keyboard.press("o")  # hide the others
    expect(page.locator("#eval-table tbody.other-rows")).to_be_hidden()
    assert query(page)["others"] == "0"


def test_without_a_table_it_says_so_and_still_draws(page: Page, live_server: str):
    page.route("**/api/evaluation", lambda route: route.fulfill(
        status=404, content_type="application/json",
        body=json.dumps({"detail": "no evaluation table: run genlab evaluate --all --write"})))
    open_compare(page, f"{live_server}/compare?models=vae-mnist,dcgan-mnist")
    expect(page.locator("#table-missing")).to_contain_text("genlab evaluate --all --write")
    expect(page.locator("#eval-table")).to_have_count(0)
    expect(page.locator('.cmp-grid[data-model="dcgan-mnist"] img.digit')).to_have_count(16, timeout=30_000)
