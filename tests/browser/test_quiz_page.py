"""The quiz page's round trip in Chromium: digits called fake by click and by keyboard, the reveal with its
score and every cell marked, a link that keeps the calls and the reveal, and the same revealed round after a
reload (dcgan-mnist: a round takes a moment even on two busy cores)."""

from playwright.sync_api import Page, expect

from tests.browser.helpers import query

ROUND = "model=dcgan-mnist&seed=3&n=16"


def test_call_reveal_share_and_reload(page: Page, live_server: str):
    page.goto(f"{live_server}/quiz?{ROUND}")
    expect(page.locator("#round[data-state=playing]")).to_be_attached(timeout=30_000)
    cells = page.locator("#quiz-grid .quiz-cell")
    expect(cells).to_have_count(16)
    cells.nth(0).click()
    cells.nth(2).click()
    cells.nth(2).click()  # again: taken back
    expect(cells.nth(0)).to_have_attribute("aria-pressed", "true")
    expect(cells.nth(2)).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("ArrowLeft")  # the focus is on cell 2, where the last click left it
    page.keyboard.press("ArrowDown")
    expect(cells.nth(5)).to_be_focused()
    page.keyboard.press(" ")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    expect(cells.nth(6)).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#called")).to_contain_text("3 digits called fake")
    assert query(page)["picks"] == "0,5,6" and "reveal" not in query(page)

    page.keyboard.press("r")
    expect(page.locator("#round[data-state=revealed]")).to_be_attached()
    answers = page.request.post(f"{live_server}/api/quiz/dcgan-mnist/answers",
                                data={"seed": 3, "n": 16, "picks": [0, 5, 6]}).json()
    fakes = answers["fakes"]
    expect(page.locator("#result .quiz-score")).to_have_text(
        f"You found {answers['hits']} of {len(fakes)} fakes, "
        + (f"{answers['false_alarms']} real digit{'s' if answers['false_alarms'] != 1 else ''} called fake."
           if answers["false_alarms"] else "no real digit called fake."))
    for i in range(16):  # in words (the label, the tag), not by colour alone
        truth = "fake" if i in fakes else "real"
        right = (i in fakes) == (i in (0, 5, 6))
        expect(cells.nth(i)).to_have_attribute("aria-label", f"digit {i + 1}, row {i // 4 + 1}, column {i % 4 + 1}: {truth}, "
                                               f"called {'fake' if i in (0, 5, 6) else 'real'}, {'right' if right else 'wrong'}")
        expect(cells.nth(i).locator(".quiz-tag")).to_have_text(f"{'✓' if right else '✗'} {truth.upper()}")
    expect(cells.nth(1)).to_be_disabled()  # the round is over: calls are final (aria-disabled)
    cells.nth(1).click(force=True)
    expect(cells.nth(1)).to_have_attribute("aria-pressed", "false")
    state = query(page)
    assert {k: state[k] for k in ("model", "seed", "n", "picks", "reveal")} == {
        "model": "dcgan-mnist", "seed": "3", "n": "16", "picks": "0,5,6", "reveal": "1"}

    score = page.locator("#result").text_content()
    page.reload()  # the link alone brings back the revealed round
    expect(page.locator("#round[data-state=revealed]")).to_be_attached(timeout=30_000)
    expect(page.locator("#result")).to_have_text(score)
    expect(page.locator("#quiz-grid .quiz-cell[aria-pressed=true]")).to_have_count(3)
    expect(page.locator("#reveal")).to_be_disabled()
