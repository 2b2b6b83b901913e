"""The live lab (/lab) in a real browser against the real server and its lab workers: play grows the loss
chart and changes the picture, pause stops the step count, step n adds n, presets and hand-set
hyper-parameters land in the URL and in the running model, a refused value is shown and undone, a full
lab is waited out on screen, each family draws its pictures, a drawn distribution trains, and an MNIST
run shows its sample grid."""

import re
import time
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import PNG, query

PICTURE = "document.getElementById('scene').toDataURL()"


@pytest.fixture
def lab(page: Page, live_server: str) -> Iterator[Page]:
    """The page; afterwards every session it opened is ended, so the next test finds the lab free."""
    yield page
    session = page.evaluate("document.body.dataset.session || null")
    if session:
        httpx.delete(f"{live_server}/api/lab/sessions/{session}", timeout=10)


def opened(page: Page, url: str) -> str:
    """Open `url` and wait for its session's step-0 frame; the session id."""
    page.goto(url)
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.locator("#state-badge")).to_have_attribute("data-state", "paused", timeout=60_000)
    expect(page.locator("#step-count")).to_have_attribute("data-step", "0")
    return page.evaluate("document.body.dataset.session")


def step_count(page: Page) -> int:
    return int(page.locator("#step-count").get_attribute("data-step"))


def test_play_pause_step(lab: Page, live_server: str):
    opened(lab, f"{live_server}/lab?family=gan&data=8gaussians&seed=0&spf=5")
    before = lab.evaluate(PICTURE)
    expect(lab.locator("#scene-legend .legend-toggle")).not_to_have_count(0)
    lab.keyboard.press(" ")
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "playing")
    expect(lab.locator("#loss-chart")).to_have_attribute("data-points", re.compile(r"^([3-9]|\d{2,})$"), timeout=30_000)
    expect(lab.locator("#loss-chart canvas")).to_be_attached()
    expect(lab.locator("#metric-chart")).to_have_attribute("data-points", re.compile(r"^([3-9]|\d{2,})$"))
    assert lab.evaluate(PICTURE) != before, "the picture did not change while training"
    grown = int(lab.locator("#loss-chart").get_attribute("data-points"))

    lab.keyboard.press(" ")
    # the badge turns when the worker has taken the pause, between two steps: slow on a loaded CI box (5 s was not enough once)
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused", timeout=30_000)
    time.sleep(0.5)  # a frame already on its way may still land
    paused_at = step_count(lab)
    assert paused_at > 0
    time.sleep(1.5)
    assert step_count(lab) == paused_at, "the step count moved while paused"
    assert int(lab.locator("#loss-chart").get_attribute("data-points")) >= grown

    lab.keyboard.press("s")  # n = 50 by default
    expect(lab.locator("#step-count")).to_have_attribute("data-step", str(paused_at + 50))
    lab.locator("#step-n").fill("7")
    lab.locator("#step-n").press("Enter")
    lab.locator("#scene").click()  # out of the number field, so the keys are shortcuts again
    lab.keyboard.press("ArrowRight")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", str(paused_at + 57))
    assert query(lab)["n"] == "7"
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused")

    lab.keyboard.press("r")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "0")


def test_presets_and_hyperparameters_follow_the_url(lab: Page, live_server: str):
    opened(lab, f"{live_server}/lab?family=gan&data=8gaussians&seed=1")
    assert "preset" not in query(lab)
    expect(lab.locator(".hp[data-changed=true]")).to_have_count(0)
    lab.keyboard.press("1")  # the first GAN preset: mode-collapse (G 20x faster, 5 G steps per D step)
    expect(lab.locator("#preset")).to_have_value("mode-collapse")
    assert query(lab)["preset"] == "mode-collapse"
    expect(lab.locator(".hp[data-name=lr_g] .hp-number")).to_have_value("0.02")
    expect(lab.locator(".hp[data-name=g_steps] .hp-number")).to_have_value("5")
    expect(lab.locator(".hp[data-name=lr_g]")).to_have_attribute("data-changed", "true")
    expect(lab.locator("#preset-about")).to_contain_text("mode-collapse")

    lab.locator("#preset").select_option("fix-mode-collapse")
    expect(lab.locator("#hp-loss")).to_have_value("wgan-gp")
    assert query(lab)["preset"] == "fix-mode-collapse"

    number = lab.locator(".hp[data-name=batch_size] .hp-number")
    number.fill("64")
    number.press("Enter")
    expect(lab.locator(".hp[data-name=batch_size]")).to_have_attribute("data-changed", "true")
    for _ in range(50):
        if query(lab).get("hp") == "batch_size:64":
            break
        time.sleep(0.1)
    assert query(lab).get("hp") == "batch_size:64"
    state = httpx.get(f"{live_server}/api/lab/sessions/{lab.evaluate('document.body.dataset.session')}", timeout=10).json()
    assert state["hp"]["batch_size"] == 64 and state["hp"]["loss"] == "wgan-gp"

    # the permalink opens a session with the same hyper-parameters
    link = lab.url
    httpx.delete(f"{live_server}/api/lab/sessions/{lab.evaluate('document.body.dataset.session')}", timeout=10)
    opened(lab, link)
    expect(lab.locator("#hp-loss")).to_have_value("wgan-gp")
    expect(lab.locator(".hp[data-name=batch_size] .hp-number")).to_have_value("64")
    expect(lab.locator("#preset")).to_have_value("fix-mode-collapse")


def test_presets_offered_are_those_that_fit_the_data(lab: Page, live_server: str):
    """Minibatch discrimination is a 2-D model's switch: offered on 8 Gaussians, not on MNIST, where a link
    asking for it opens the session without it."""
    first = opened(lab, f"{live_server}/lab?family=gan&data=mnist&preset=fix-mode-collapse-minibatch")
    offered = lab.locator("#preset option").evaluate_all("options => options.map(o => o.value)")
    assert "fix-mode-collapse" in offered and "fix-mode-collapse-minibatch" not in offered
    assert "preset" not in query(lab)
    lab.locator("#data").select_option("8gaussians")
    expect(lab.locator("#preset option[value=fix-mode-collapse-minibatch]")).to_be_attached()
    # wait for the new session, so the fixture ends it (else it lingers and fills this client's share)
    expect(lab.locator("body")).not_to_have_attribute("data-session", first, timeout=60_000)
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused", timeout=60_000)


def test_a_refused_value_is_shown_and_undone(lab: Page, live_server: str):
    opened(lab, f"{live_server}/lab?family=gan&data=8gaussians")
    number = lab.locator(".hp[data-name=lr_g] .hp-number")
    number.fill("5")  # above the bound of 0.5
    number.press("Enter")
    expect(lab.locator("#hp-error")).to_be_visible()
    expect(lab.locator("#hp-error")).to_contain_text("lr_g")
    expect(number).to_have_value("0.001")  # back to the value in force
    assert "hp" not in query(lab)


def test_a_full_lab_is_waited_out(lab: Page, live_server: str):
    """This client already holds its share of sessions: the page says so, counts down, and gets in once one ends."""
    limits = httpx.get(f"{live_server}/api/lab/options", timeout=10).json()["limits"]
    held = []
    for _ in range(min(limits["client_sessions"], limits["sessions"])):
        answer = httpx.post(f"{live_server}/api/lab/sessions", json={"family": "flow", "data": "moons"}, timeout=60)
        assert answer.status_code == 201, answer.text
        held.append(answer.json()["id"])
    try:
        lab.goto(f"{live_server}/lab?family=gan")
        expect(lab.locator("#state-badge")).to_have_attribute("data-state", "waiting", timeout=30_000)
        expect(lab.locator("#lab-error")).to_contain_text("Trying again in")
    finally:
        for session in held:
            httpx.delete(f"{live_server}/api/lab/sessions/{session}", timeout=10)
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused", timeout=90_000)
    expect(lab.locator("#lab-error")).to_be_hidden()


@pytest.mark.parametrize(("family", "layers"), [
    ("vae", {"grid", "data", "samples"}),
    ("flow", {"heat", "grid", "samples"}),
    ("diffusion", {"field", "paths", "samples"}),
])
def test_each_family_draws_its_pictures(lab: Page, live_server: str, family: str, layers: set[str]):
    opened(lab, f"{live_server}/lab?family={family}&data=moons&n=100")
    before = lab.evaluate(PICTURE)
    lab.keyboard.press("s")
    expect(lab.locator("#scene")).to_have_attribute("data-step", "100", timeout=30_000)
    assert lab.evaluate(PICTURE) != before
    shown = set(lab.locator("#scene-legend .legend-toggle").evaluate_all("els => els.map((e) => e.dataset.layer)"))
    assert layers <= shown
    if family == "vae":
        expect(lab.locator("#latent-block")).to_be_visible()
        expect(lab.locator("#kl-bars .kl-row")).to_have_count(2)
    # a legend entry hides its layer
    lab.locator("#scene-legend .legend-toggle[data-layer=samples]").click()
    expect(lab.locator("#scene-legend .legend-toggle[data-layer=samples]")).to_have_attribute("aria-pressed", "false")


def test_a_drawn_distribution_trains(lab: Page, live_server: str):
    lab.goto(f"{live_server}/lab?family=gan&data=drawn")
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "drawing")
    pad = lab.locator("#draw-pad")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    lab.mouse.move(box["x"] + 60, box["y"] + 60)
    lab.mouse.down()
    lab.mouse.move(box["x"] + 340, box["y"] + 300, steps=30)
    lab.mouse.up()
    count = int(lab.locator("#draw-count").inner_text())
    assert count > 10
    lab.locator("#draw-train").click()
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused", timeout=60_000)
    assert query(lab)["data"] == "drawn"
    assert len(query(lab)["pts"]) == 4 * count
    expect(lab.locator("#scene-legend .legend-toggle[data-layer=data]")).to_be_attached()


@pytest.mark.parametrize("family", ["gan", "flow", "diffusion"])
def test_mnist_shows_a_sample_grid(lab: Page, live_server: str, family: str):
    opened(lab, f"{live_server}/lab?family={family}&data=mnist")
    grid = lab.locator("#mnist-grid")
    expect(grid).to_be_visible()
    expect(grid).to_have_attribute("src", PNG)
    expect(lab.locator("#scene")).to_be_hidden()
    lab.keyboard.press("s")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "50", timeout=60_000)
    expect(lab.locator("#hist-block")).to_be_visible(timeout=30_000)
    expect(lab.locator("#class-hist svg rect.hist-bar")).to_have_count(10)


def test_log_download(lab: Page, live_server: str):
    opened(lab, f"{live_server}/lab?family=flow&data=moons&n=20")
    lab.keyboard.press("s")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "20", timeout=30_000)
    href = lab.locator("#download-log").get_attribute("href")
    assert href.endswith("/log.csv")
    rows = httpx.get(f"{live_server}{href}", timeout=10).text.strip().splitlines()
    assert rows[0].startswith("step,") and "nll" in rows[0]
    assert rows[-1].startswith("20,")


def test_an_export_opens_again_in_the_lab(lab: Page, live_server: str):
    """Issue 15: a 2-D run's export (a download: no other page shows it) opens again from the export's link, at
    its step, with its family, data and seed in the toolbar, and the link is a permalink of that export."""
    opened(lab, f"{live_server}/lab?family=vae&data=moons&seed=4&n=30")
    lab.keyboard.press("s")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "30", timeout=30_000)
    lab.keyboard.press("e")
    again = lab.get_by_role("link", name="Open it again in the lab")
    expect(again).to_be_visible(timeout=30_000)
    first = lab.evaluate("document.body.dataset.session")
    httpx.delete(f"{live_server}/api/lab/sessions/{first}", timeout=10)  # the lab holds few sessions per client
    again.click()
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "30", timeout=60_000)
    expect(lab.locator("#state-badge")).to_have_attribute("data-state", "paused")
    assert (lab.locator("#family").input_value(), lab.locator("#data").input_value(), lab.locator("#seed").input_value()) \
        == ("vae", "moons", "4")
    assert re.fullmatch(r"lab-vae-moons-[0-9a-f]{6}", query(lab)["export"])
    expect(lab.locator("#lab-error")).to_contain_text("Reopened")
    lab.keyboard.press("s")
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "80", timeout=30_000)  # n: the default 50
    lab.keyboard.press("n")  # a new seed is a new run: the link no longer names the export
    expect(lab.locator("#step-count")).to_have_attribute("data-step", "0", timeout=60_000)
    assert "export" not in query(lab)
