"""The GAN explorer in a real browser against the real server: the sample grid and its seed, the
training film scrubbed by chart and keys, D's verdict on a drawing, and permalinks. They use dcgan-mnist,
and the shipped gan-collapsed-mnist for its film filmed inside an epoch."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, SEVEN, draw, grid_src, query

MODEL = "dcgan-mnist"


def test_sample_grid_appears_and_n_draws_a_new_seed(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&seed=5")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    before = grid_src(page, f"{MODEL}|5||1")
    expect(page.locator("#zoom-img")).to_have_attribute("src", PNG)
    # typing in the seed field is not a shortcut
    page.locator("#seed").focus()
    page.keyboard.press("n")
    assert page.locator("#seed").input_value() == "5"
    page.locator("#seed").blur()

    page.keyboard.press("n")
    expect(page.locator("#seed")).not_to_have_value("5")
    seed = page.locator("#seed").input_value()
    assert query(page)["seed"] == seed
    assert grid_src(page, f"{MODEL}|{seed}||1") != before
    # truncation: T lowers the temperature by 0.1 and redraws
    page.keyboard.press("t")
    expect(page.locator("#temp-out")).to_have_text("0.90")
    assert grid_src(page, f"{MODEL}|{seed}||0.9") != before
    assert query(page)["temp"] == "0.9"


def test_scrubbing_the_film_chart_shows_the_nearest_frame(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&sec=film")
    grid = page.locator("#film-grid")
    expect(grid).to_have_attribute("src", PNG)
    frames = int(page.locator("#film-frame").get_attribute("max")) + 1
    assert frames >= 2, "dcgan-mnist's film should have several frames"
    expect(grid).to_have_attribute("data-frame", str(frames - 1))  # opens on the last frame
    expect(page.locator("#film-chart svg path").first).to_be_attached()
    assert page.locator("#film-chart .film-marker").count() == frames
    last = grid.get_attribute("src")

    area = page.locator("#film-chart .scrub-area")
    area.scroll_into_view_if_needed()
    box = area.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] - 2, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 2, y, steps=8)  # drag to the start of training
    page.mouse.up()
    expect(grid).to_have_attribute("data-frame", "0")
    assert grid.get_attribute("src") != last  # epoch-2 samples differ from the final ones
    assert query(page)["ff"] == "0" and query(page)["fm"] == MODEL
    expect(page.locator("#film-caption")).to_contain_text("epoch")

    page.keyboard.press("ArrowRight")
    expect(grid).to_have_attribute("data-frame", "1")
    page.locator("#film-frame").fill(str(frames - 1))
    expect(grid).to_have_attribute("data-frame", str(frames - 1))
    assert grid.get_attribute("src") == last


def test_the_collapse_panel_opens_the_collapsed_gans_film_with_its_frames_inside_the_epoch(page: Page, live_server: str):
    """gan-collapsed-mnist is filmed every 10 steps of its one epoch: frames between epoch ends read as
    "N% into epoch 1" with the losses of that step, not of a whole epoch."""
    page.goto(f"{live_server}/gan?model={MODEL}&sec=collapse")
    page.get_by_role("link", name=re.compile("Watch gan-collapsed-mnist collapse")).click()
    grid = page.locator("#film-grid")
    expect(grid).to_have_attribute("data-frame", "0")
    assert query(page)["fm"] == "gan-collapsed-mnist" and query(page)["ff"] == "0"
    expect(page.locator("#film-model")).to_have_value("gan-collapsed-mnist")
    assert int(page.locator("#film-frame").get_attribute("max")) >= 5
    first = grid.get_attribute("src")
    page.locator("#film-next").click()
    expect(grid).to_have_attribute("data-frame", "1")
    expect(page.locator("#film-caption")).to_contain_text(re.compile(r"\d+% into epoch 1 of 1"))
    expect(page.locator("#film-readout")).to_contain_text(re.compile(r"^step \d+: D loss"))
    assert grid.get_attribute("src") != first


def test_the_modes_strip_shows_one_picture_per_film_frame_and_opens_that_frame(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&sec=collapse")
    modes = page.locator("#collapse-modes .mode")
    expect(modes.first).to_be_attached()
    count = modes.count()
    assert count >= 5
    # each canvas gets its frame's first digit once the grid image has loaded; a frame may be blank (G's first
    # hop can be to nothing), but not more than a couple
    page.wait_for_function("""(count) => {
        const canvases = [...document.querySelectorAll('#collapse-modes canvas')];
        const drawn = canvases.filter((c) => c.getContext('2d').getImageData(0, 0, 28, 28).data.some((v, i) => i % 4 === 0 && v > 0));
        return canvases.length === count && drawn.length >= count - 2;
    }""", arg=count)
    modes.nth(3).click()
    expect(page.locator("#film-grid")).to_have_attribute("data-frame", "3")
    assert query(page)["fm"] == "gan-collapsed-mnist" and query(page)["ff"] == "3"


def test_drawing_gets_a_score_from_the_discriminator(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&sec=judge")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    draw(page, SEVEN)
    score = page.locator("#judge-score")
    expect(score).to_have_text(re.compile(r"^\d+(\.\d)?%$"), timeout=30_000)  # a loaded CI box: 5 s was not enough once
    p_real = float(score.inner_text().rstrip("%"))
    assert 0 <= p_real <= 100
    expect(page.locator("#judge-input")).to_have_attribute("src", PNG)
    expect(page.locator("#judge-sub")).to_contain_text("p(real) = σ(")
    expect(page.locator(f"#judge-all tr.current:has(code:text-is('{MODEL}'))")).to_be_visible()
    # once the last stroke is judged, the big number and the table of all judges agree
    page.wait_for_function("() => document.querySelector('#judge-all tr.current td.num')?.textContent"
                           " === document.querySelector('#judge-score').textContent")

    page.keyboard.press("c")
    expect(score).to_have_text("—")
    expect(page.locator("#judge-input")).not_to_have_attribute("src", PNG)
    # a held-out real digit is judged too, and its seed goes into the URL
    page.keyboard.press("R")
    expect(score).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    assert query(page)["jin"].startswith("real:")


def test_permalink_restores_the_same_pictures(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.fill("#seed", "1234")
    page.press("#seed", "Enter")
    page.locator("#temp").fill("0.7")
    src = grid_src(page, f"{MODEL}|1234||0.7")
    q = query(page)
    assert {k: q.get(k) for k in ("model", "seed", "temp")} == {"model": MODEL, "seed": "1234", "temp": "0.7"}

    # a latent slider: its value goes into the URL and the decoded digit changes
    page.locator("#sliders").scroll_into_view_if_needed()
    digit = page.locator("#slider-img")
    expect(digit).to_have_attribute("src", PNG)
    before = digit.get_attribute("src")
    page.locator("#gan-slider-list input[type=range]").nth(2).fill("2.5")
    expect(digit).not_to_have_attribute("src", before)
    expect(digit).to_have_attribute("data-z", re.compile(r"^([^,]+,){2}2\.5,"))
    slid = digit.get_attribute("src")
    assert query(page)["z"].split(",")[2] == "2.5"

    permalink = page.url
    assert query(page)["sec"] == "sliders"  # reopening scrolls back to the sliders
    page.goto("about:blank")
    page.goto(permalink)
    expect(page.locator("#seed")).to_have_value("1234")
    expect(page.locator("#slider-img")).to_have_attribute("src", slid)
    page.locator("#sample").scroll_into_view_if_needed()
    assert grid_src(page, f"{MODEL}|1234||0.7") == src
    # a different seed is a different picture (the comparison above can fail)
    page.fill("#seed", "1235")
    page.press("#seed", "Enter")
    assert grid_src(page, f"{MODEL}|1235||0.7") != src


def _histogram_counts(page: Page) -> dict[str, int]:
    """How many reference scores the judge's histogram holds per kind, summed from its bars' titles."""
    titles = page.locator("#judge-hist rect.hist-bar > title").all_text_contents()
    counts = {"real": 0, "samples": 0}
    for title in titles:
        n, kind = re.match(r"(\d+) (real digits|samples) scored", title).groups()
        counts["real" if kind == "real digits" else "samples"] += int(n)
    return counts


def test_judge_explains_what_d_knows_and_plots_its_scores_of_real_digits_and_samples(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&sec=judge")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    explain = page.locator("#judge-explain")
    expect(explain).to_contain_text("at equilibrium it says about ½")
    expect(explain).to_contain_text("never blanks or scribbles")
    expect(explain).to_contain_text("only as a difference")

    draw(page, SEVEN)
    score = page.locator("#judge-score")
    expect(score).to_have_text(re.compile(r"^\d+(\.\d)?%$"))
    hist = page.locator("#judge-hist svg")
    # 64 held-out real digits and 64 of the judge's samples, each a distribution of its own, and the drawing marked
    expect(hist).to_have_attribute("data-real", "64", timeout=60_000)
    expect(hist).to_have_attribute("data-fake", "64")
    assert _histogram_counts(page) == {"real": 64, "samples": 64}
    expect(page.locator("#judge-hist rect.hist-bar.real").first).to_be_visible()
    expect(page.locator("#judge-hist rect.hist-bar.fake").first).to_be_visible()
    expect(page.locator("#judge-hist line.hist-marker")).to_be_attached()
    expect(page.locator("#judge-hist path.hist-marker-head")).to_be_visible()
    page.wait_for_function("() => document.querySelector('#judge-hist .hist-marker-label')?.textContent"
                           " === 'this input ' + document.querySelector('#judge-score').textContent")
    expect(page.locator("#judge-hist-note")).to_contain_text(f"{MODEL}'s p(real): real digits average")

    # a cleared input leaves the two distributions and drops the marker
    page.keyboard.press("c")
    expect(page.locator("#judge-hist line.hist-marker")).to_have_count(0)
    assert _histogram_counts(page) == {"real": 64, "samples": 64}


def test_a_critic_histogram_reads_as_a_difference(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model=wgan-gp-mnist&judge=wgan-gp-mnist&sec=judge")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.locator("#pad").scroll_into_view_if_needed()
    page.keyboard.press("R")
    expect(page.locator("#judge-score")).to_have_text(re.compile(r"^[+−]\d+\.\d\d$"))
    expect(page.locator("#judge-hist svg")).to_have_attribute("data-fake", "64", timeout=60_000)
    assert _histogram_counts(page) == {"real": 64, "samples": 64}
    page.wait_for_function("() => document.querySelector('#judge-hist .hist-marker-label')?.textContent"
                           " === 'this input ' + document.querySelector('#judge-score').textContent")
    expect(page.locator("#judge-hist-note")).to_contain_text("Only the difference")


def test_model_cards_say_fd_is_measured_against_the_training_digits(page: Page, live_server: str):
    page.goto(f"{live_server}/gan?model={MODEL}&sec=cards")
    cards = page.locator("#cards")
    expect(cards.locator(".objective")).to_contain_text("of the 9,000 training digits")
    expect(cards.locator(".objective")).not_to_contain_text("halves")
    expect(page.locator("#cards-floor")).to_contain_text("the FD of the 1,000 held-out real digits against the training digits")


@pytest.mark.parametrize("model_id", ["dcgan-mnist", "wgan-gp-mnist"])
def test_a_gan_film_runs_from_the_untrained_generator_through_every_run(page: Page, live_server: str, model_id: str):
    """Issue 13, point 15: dcgan-mnist and wgan-gp-mnist were trained in several runs; each film starts at step 0
    and its caption says which run each frame belongs to, out of how many epochs in all."""
    page.goto(f"{live_server}/gan?model={model_id}&sec=film&fm={model_id}&ff=0")
    caption = page.locator("#film-caption")
    expect(caption).to_contain_text(re.compile(r"untrained, at epoch 0 of \d+ \(run 1 of (\d+)\)"), timeout=30_000)
    runs = int(re.search(r"run 1 of (\d+)", caption.inner_text()).group(1))
    assert runs > 1
    # the recipe line: the learning rate and step ratio it names are the last run's, and it says so
    expect(page.locator("#film-objective")).to_contain_text(re.compile(rf"epochs in {runs} runs; its last run: lr G"))
    page.locator("#film-frame").fill(page.locator("#film-frame").get_attribute("max"))
    expect(caption).to_contain_text(f"(run {runs} of {runs})")
