"""Regenerate docs/screenshots/*.png (the README tour) from a running server.

    .venv/bin/genlab serve --port 8765 &
    .venv/bin/python -m tests.browser.screenshots http://127.0.0.1:8765 [OUT_DIR]

Writes home, vae, diffusion, gan, flow, pixelcnn, score, vqvae, quiz and compare.png, one picture per section of each explorer, and
shortcuts.png, at 1280 x 800; the live lab (lab-*.png: a GAN collapsing and fixed (WGAN-GP; minibatch
discrimination), each family on a toy, a VAE whose decoder is too strong, GAN and diffusion runs on MNIST); then each page in presentation mode at 1920 x 1080 (<page>-present.png).
Not a test (pytest does not collect it). Uses the system Chromium.

    .venv/bin/python -m tests.browser.screenshots http://127.0.0.1:8765 docs/screenshots --only lab

takes only the named groups (home, vae, gan, diffusion, flow, pixelcnn, score, vqvae, quiz, compare, lab, present; comma-separated);
`present` honours --only too (lab-present.png for `--only lab`).
"""

import io
import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect, sync_playwright

from tests.browser.helpers import PNG as DATA
from tests.browser.helpers import SEVEN, draw

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
MAX_BYTES = 300_000


def save(png: bytes, name: str) -> None:
    """Write a PNG, reduced to a 256-colour palette if it would exceed MAX_BYTES."""
    path = OUT / name
    if len(png) > MAX_BYTES:
        image = Image.open(io.BytesIO(png)).convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        buffer = io.BytesIO()
        image.save(buffer, format="PNG", optimize=True)
        png = buffer.getvalue()
    path.write_bytes(png)
    print(f"{path} {len(png) // 1024} KB")


NINE = [[(150, 50), (100, 60), (80, 110), (120, 140), (170, 130), (190, 90), (160, 50)], [(185, 90), (180, 160), (170, 240)]]


def draw_nine(page: Page) -> None:
    draw(page, NINE)
    expect(page.locator("#draw-recon")).to_have_attribute("src", DATA)


def overview(page: Page, url: str, name: str) -> None:
    """The top of a page once its sample grid is drawn."""
    page.goto(url)
    expect(page.locator("#sample-grid")).to_have_attribute("src", DATA)
    time.sleep(1)
    save(page.screenshot(), name)


def sections(page: Page, prefix: str, ids: list[str], wait: float = 2.5) -> None:
    """Screenshot each section of an explorer page (with the toolbar unpinned, off the pictures)."""
    # a style property, not a <style> tag: the Content-Security-Policy refuses inline style elements
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    for section in ids:
        page.evaluate(f"document.getElementById('{section}').scrollIntoView()")
        time.sleep(wait)
        save(page.locator(f"#{section}").screenshot(), f"{prefix}-{section}.png")


def gan(page: Page, base: str) -> None:
    overview(page, f"{base}/gan?model=dcgan-mnist&seed=7&cell=3", "gan.png")
    page.goto(f"{base}/gan?model=dcgan-mnist&seed=7&steps=12&method=slerp&sec=interp")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    sections(page, "gan", ["interp", "sliders", "film", "collapse", "judge", "cards"])
    page.goto(f"{base}/gan?model=dcgan-mnist&fm=gan-collapsed-mnist&ff=9&sec=film")  # a hop, mid-epoch
    expect(page.locator("#film-grid[src^='data:image/png']")).to_be_attached()
    time.sleep(1)
    save(page.locator("#film").screenshot(), "gan-film-collapse.png")
    page.goto(f"{base}/gan?model=wgan-gp-mnist&fm=wgan-gp-mnist&ff=20&sec=film")  # WGAN-GP's film at the end of its second run
    expect(page.locator("#film-grid[src^='data:image/png']")).to_be_attached()
    time.sleep(1)
    save(page.locator("#film").screenshot(), "gan-film-wgan.png")
    page.goto(f"{base}/gan?model=dcgan-mnist&sec=project")  # two held-out digits placed by search: seconds each
    expect(page.locator("#project[data-projected]")).to_be_attached(timeout=120_000)
    sections(page, "gan", ["project"], wait=1)


def diffusion(page: Page, base: str) -> None:
    page.goto(f"{base}/diffusion?model=ddpm-mnist&seed=7")
    expect(page.locator("#forward img[src^='data:image/png']").first).to_be_visible()
    time.sleep(2)
    save(page.screenshot(), "diffusion.png")
    sections(page, "diffusion", ["reverse", "compare", "inpaint", "invert", "training"], wait=6)
    costs = page.locator("#curve-samplers")  # the README's chart: every sampler, and the latent model's DDIM
    expect(costs.locator(".latent-costs")).to_be_visible()
    costs.scroll_into_view_if_needed()
    save(costs.screenshot(), "diffusion-sampler-costs.png")


def flow(page: Page, base: str) -> None:
    overview(page, f"{base}/flow?seed=7", "flow.png")
    page.goto(f"{base}/flow?seed=7&di=3&sec=layers")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    sections(page, "flow", ["layers", "roundtrip", "interp"], wait=4)
    page.evaluate("document.getElementById('likelihood').scrollIntoView()")
    expect(page.locator("#lik-panel[data-done]")).to_be_attached(timeout=120_000)
    expect(page.locator("#likelihood[data-typical=done]")).to_be_attached()
    time.sleep(1)
    save(page.locator("#likelihood").screenshot(), "flow-likelihood.png")


def pixelcnn(page: Page, base: str) -> None:
    """The stream paused mid-digit, then completion, the heat map of a drawing and the likelihood panel."""
    page.goto(f"{base}/pixelcnn?seed=7&class=3")
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    for _ in range(600):  # pause on the stroke, where the distribution is interesting
        if int(page.locator("#stream-canvas").get_attribute("data-filled") or 0) >= 400:
            break
        time.sleep(0.1)
    page.keyboard.press(" ")
    time.sleep(0.5)
    save(page.screenshot(), "pixelcnn.png")
    save(page.locator("#stream").screenshot(), "pixelcnn-stream.png")
    page.evaluate("document.getElementById('complete').scrollIntoView()")
    expect(page.locator("#complete-pics .completions .cut").first).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.locator("#complete").screenshot(), "pixelcnn-complete.png")
    draw(page, SEVEN, pad="#pc-src-pad")
    page.evaluate("document.getElementById('heatmap').scrollIntoView()")
    expect(page.locator(".heat-col[data-which=draw] .posterior svg")).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.locator("#heatmap").screenshot(), "pixelcnn-heatmap.png")
    page.evaluate("document.getElementById('likelihood').scrollIntoView()")
    expect(page.locator("#lik-panel[data-done='your drawing']")).to_be_attached(timeout=120_000)
    time.sleep(1)
    save(page.locator("#likelihood").screenshot(), "pixelcnn-likelihood.png")


def score(page: Page, base: str) -> None:
    """The score field with the error map at the smallest sigma, the errors against sigma, the particles after
    an annealed run, and the energy model's field over its energy."""
    page.goto(f"{base}/score?model=score-8gaussians&bg=error&arrows=both&sec=field")
    expect(page.locator("#field-canvas[data-key]")).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.screenshot(), "score.png")
    sections(page, "score", ["field", "errors"], wait=1)
    page.goto(f"{base}/score?model=score-8gaussians&seed=7&sec=particles")
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    expect(page.locator("#particles[data-state=done]")).to_be_attached(timeout=120_000)
    time.sleep(0.5)
    save(page.locator("#particles").screenshot(), "score-particles.png")
    page.goto(f"{base}/score?model=ebm-8gaussians&bg=energy&sec=field")
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    expect(page.locator("#field-canvas[data-key]")).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.locator("#field").screenshot(), "score-ebm.png")
    score_digits(page, base)


def score_digits(page: Page, base: str) -> None:
    """The digits sections of /score: a held-out 3's scores from the NCSN and the DDPM side by side
    (score-digits.png), and annealed Langevin on digits half-way down the levels and at the end, also on the
    projector (score-langevin-mid.png, score-langevin.png, score-langevin-present.png)."""
    unpin = "document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })"
    page.goto(f"{base}/score?sec=digits&dclass=3&di=1&dlabel=1")
    page.evaluate(unpin)
    expect(page.locator("#digits[data-state=done]")).to_be_attached(timeout=120_000)
    time.sleep(1)
    save(page.locator("#digits").screenshot(), "score-digits.png")
    for present in (False, True):
        view = page.context.browser.new_page(viewport={"width": 1920, "height": 1080}) if present else page
        view.goto(f"{base}/score?gn=8&gseed=7{'&present=1' if present else ''}")
        view.evaluate(unpin)
        time.sleep(3)  # the pictures above arrive first
        # at the top of the screen (an element screenshot leaves what is below the screen blank)
        view.evaluate("window.scrollTo(0, document.getElementById('digit-langevin').getBoundingClientRect().top + scrollY - 8)")
        expect(view.locator("#digit-langevin[data-state=idle]")).to_be_attached(timeout=60_000)
        view.keyboard.press("g")
        for _ in range(1800):  # half-way down the levels: the digits coming out of the noise
            total = int(view.locator("#dl-progress").get_attribute("aria-valuemax") or 1)
            if int(view.locator("#digit-langevin").get_attribute("data-step") or 0) * 2 >= total:
                break
            time.sleep(0.1)
        if not present:
            save(view.locator("#digit-langevin").screenshot(), "score-langevin-mid.png")
        expect(view.locator("#digit-langevin[data-state=done]")).to_be_attached(timeout=180_000)
        time.sleep(0.5)
        save(view.screenshot() if present else view.locator("#digit-langevin").screenshot(),
             f"score-langevin{'-present' if present else ''}.png")
        if present:
            view.close()


def vqvae(page: Page, base: str, model: str = "vqvae-mnist") -> None:
    """The codebook with a code picked, a held-out digit's tokens and their surprise, the prior paused
    mid-digit on its top-8 codes, and the sixteen samples."""
    page.goto(f"{base}/vqvae?model={model}&seed=7&class=3&speed=20&code=0")
    expect(page.locator("#codebook-grid .vq-code img[src^='data:image/png']").first).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.screenshot(), "vqvae.png")
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    save(page.locator("#codebook").screenshot(), "vqvae-codebook.png")
    page.evaluate("document.getElementById('tokens').scrollIntoView()")
    expect(page.locator("#token-grid[data-filled='49']")).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.locator("#tokens").screenshot(), "vqvae-tokens.png")
    page.locator("#codebook-grid .vq-code[aria-pressed=true]").click()  # let go of the code: ③ in colour
    page.evaluate("document.activeElement?.blur()")  # Space below must pause the writing, not press the code again
    page.evaluate("document.getElementById('writer').scrollIntoView()")
    for _ in range(1800):  # pause mid-digit, where the alternatives are interesting
        if int(page.locator("#writer-grid").get_attribute("data-filled") or 0) >= 24:
            break
        time.sleep(0.1)
    page.keyboard.press(" ")
    time.sleep(0.5)
    save(page.locator("#writer").screenshot(), "vqvae-writer.png")
    page.keyboard.press(" ")
    expect(page.locator("#writer[data-state=done]")).to_be_attached(timeout=180_000)
    page.evaluate("document.getElementById('samples').scrollIntoView()")
    expect(page.locator("#samples-grid img")).to_have_count(16, timeout=60_000)
    time.sleep(1)
    save(page.locator("#samples").screenshot(), "vqvae-samples.png")


def quiz(page: Page, base: str) -> None:
    """A dcgan-mnist round with three digits called fake, then the round revealed: the score, every cell marked."""
    page.goto(f"{base}/quiz?model=dcgan-mnist&seed=7&n=16&picks=1,5,6")
    expect(page.locator("#round[data-state=playing]")).to_be_attached(timeout=60_000)
    time.sleep(1)
    save(page.screenshot(), "quiz.png")
    page.keyboard.press("r")
    expect(page.locator("#round[data-state=revealed]")).to_be_attached()
    page.evaluate("document.querySelectorAll('.toolbar').forEach((t) => { t.style.position = 'static'; })")
    time.sleep(0.5)
    save(page.locator("#round").screenshot(), "quiz-revealed.png")


COMPARE = "/compare?models=vae-mnist,dcgan-mnist,ddpm-mnist&seed=7"


def compare(page: Page, base: str) -> None:
    """Three families' samples with the same seed, then the table, the radar, the precision / recall plane and
    the training curves (compare-<section>.png)."""
    page.goto(f"{base}{COMPARE}")
    expect(page.locator(".cmp-grid[data-state=done]")).to_have_count(3, timeout=60_000)
    time.sleep(1)
    save(page.screenshot(), "compare.png")
    page.set_viewport_size({"width": 1280, "height": 1200})  # each chart section whole on the screen
    sections(page, "compare", ["table", "shape", "pr", "curves"])
    page.set_viewport_size({"width": 1280, "height": 800})


def lab_run(page: Page, base: str, link: str, until: int, name: str | None = None, then=None) -> None:
    """Open a lab link, play until step `until`, pause, and screenshot it (name: None takes none).
    `then(page)` may go on (apply a preset, play on) before the session is ended."""
    page.goto(f"{base}{link}")
    expect(page.locator("#state-badge[data-state=paused]")).to_be_attached(timeout=90_000)
    lab_play_to(page, until)
    if name:
        page.evaluate("window.scrollTo(0, 0)")
        time.sleep(0.3)
        save(page.screenshot(), name)
    if then:
        then(page)
    session = page.evaluate("document.body.dataset.session || null")
    if session:
        page.evaluate(f"fetch('/api/lab/sessions/{session}', {{method: 'DELETE'}})")
        time.sleep(0.5)


def lab_play_to(page: Page, until: int) -> None:
    """Play (Space) until the step count reaches `until`, then pause and let the last frame land."""
    page.keyboard.press(" ")
    for _ in range(3000):
        if int(page.locator("#step-count").get_attribute("data-step") or 0) >= until:
            break
        time.sleep(0.1)
    page.keyboard.press(" ")
    expect(page.locator("#state-badge[data-state=paused]")).to_be_attached()
    time.sleep(1.5)


def lab(page: Page, base: str) -> None:
    """The live lab: a GAN collapsing, then fixed mid-run by a preset; each other family on a toy; MNIST."""
    def fix(p: Page) -> None:
        p.keyboard.press("2")  # fix-mode-collapse on the running model
        expect(p.locator("#preset")).to_have_value("fix-mode-collapse")
        lab_play_to(p, 2200)
        p.evaluate("window.scrollTo(0, 0)")
        save(p.screenshot(), "lab-gan-fixed.png")
        p.evaluate("document.getElementById('hp-panel').scrollIntoView()")
        time.sleep(0.5)
        save(p.locator("#hp-panel").screenshot(), "lab-hyperparameters.png")

    lab_run(page, base, "/lab?family=gan&data=8gaussians&seed=0&preset=mode-collapse&spf=20", 800, "lab-gan.png", fix)
    lab_run(page, base, "/lab?family=vae&data=moons&seed=0&spf=20", 800, "lab-vae.png")
    lab_run(page, base, "/lab?family=flow&data=8gaussians&seed=0&spf=50", 1500, "lab-flow.png")
    lab_run(page, base, "/lab?family=diffusion&data=8gaussians&seed=0&spf=50", 2500, "lab-diffusion.png")
    lab_run(page, base, "/lab?family=gan&data=mnist&seed=0&spf=20", 300, "lab-mnist.png")
    lab_run(page, base, "/lab?family=diffusion&data=mnist&seed=0&spf=50", 800, "lab-mnist-diffusion.png")
    lab_run(page, base, "/lab?family=flow&data=mnist&seed=0&spf=250", 4000, "lab-mnist-flow.png")
    lab_run(page, base, "/lab?family=gan&data=8gaussians&seed=0&preset=fix-mode-collapse-minibatch&spf=50", 1000,
            "lab-gan-minibatch.png")
    lab_run(page, base, "/lab?family=vae&data=8gaussians&seed=0&preset=posterior-collapse-strong-decoder&spf=50", 1000,
            "lab-vae-strong-decoder.png")
    lab_reopened(page, base, "lab-reopened.png")


def lab_reopened(page: Page, base: str, name: str, present: bool = False) -> None:
    """A 2-D run exported (a download) and opened again from the export's link: the lab at the export's step."""
    def export_and_reopen(p: Page) -> None:
        p.keyboard.press("e")
        link = p.get_by_role("link", name="Open it again in the lab")
        expect(link).to_be_visible(timeout=30_000)
        p.evaluate(f"fetch('/api/lab/sessions/{p.evaluate('document.body.dataset.session')}', {{method: 'DELETE'}})")
        href = link.get_attribute("href")
        p.goto(f"{base}{href}{'&present=1' if present else ''}")
        expect(p.locator("#lab-error")).to_contain_text("Reopened", timeout=90_000)
        time.sleep(1.5)
        p.evaluate("window.scrollTo(0, 0)")
        save(p.screenshot(), name)

    lab_run(page, base, f"/lab?family=vae&data=moons&seed=0&spf=20{'&present=1' if present else ''}", 600, None,
            export_and_reopen)


PRESENT = {  # page: (link, what shows once it is drawn)
    "home": ("/", "[data-family=vae] .sample-strip img[src^='data:image/png']"),
    "vae": ("/vae?model=vae-mnist&seed=7&cell=3", "#sample-grid[src^='data:image/png']"),
    "gan": ("/gan?model=dcgan-mnist&seed=7&cell=3", "#sample-grid[src^='data:image/png']"),
    "diffusion": ("/diffusion?model=ddpm-mnist&seed=7", "#forward img[src^='data:image/png']"),
    "flow": ("/flow?seed=7", "#sample-grid[src^='data:image/png']"),
    "pixelcnn": ("/pixelcnn?seed=7&class=3", "#stream[data-state=done]"),  # the whole digit, at 100 pixels/s
    "score": ("/score?model=score-8gaussians&bg=error&arrows=both&sec=field", "#field-canvas[data-key]"),
    "score-digits": ("/score?sec=digits&dclass=3&di=1&dlabel=1", "#digits[data-state=done]"),
    "vqvae": ("/vqvae?model=vqvae-mnist&seed=7&class=3&speed=0&sec=writer", "#writer[data-state=done]"),
    "quiz": ("/quiz?model=dcgan-mnist&seed=7&n=16&picks=1,5,6&reveal=1", "#round[data-state=revealed]"),
    "compare": (COMPARE, ".cmp-grid[data-model=ddpm-mnist][data-state=done]"),
}


def presentation(browser, base: str, only: set[str] | None = None) -> None:
    """Each page in presentation mode (?present=1) on a 1920 x 1080 projector: <page>-present.png."""
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    page.set_default_timeout(30_000)
    for name, (link, ready) in PRESENT.items():
        if only and "present" not in only and name not in only:
            continue
        page.goto(f"{base}{link}{'&' if '?' in link else '?'}present=1")
        expect(page.locator(ready).first).to_be_attached(timeout=60_000)
        time.sleep(2)
        save(page.screenshot(), f"{name}-present.png")
    if not only or "lab" in only or "present" in only:  # a GAN run, played to 1,000 steps on the projector
        lab_run(page, base, "/lab?family=gan&data=8gaussians&seed=0&spf=20&present=1", 1000, "lab-present.png")
        lab_reopened(page, base, "lab-reopened-present.png", present=True)
    page.close()


def main(base: str, only: set[str] | None = None) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.set_default_timeout(30_000)
        if only:
            groups = {"gan": gan, "diffusion": diffusion, "flow": flow, "pixelcnn": pixelcnn, "score": score, "vqvae": vqvae,
                      "quiz": quiz, "compare": compare, "lab": lab}
            for name in only & set(groups):
                groups[name](page, base)
            if only - set(groups) - {"present"}:
                print(f"--only: home and vae are taken with the whole run; ignored: {sorted(only - set(groups) - {'present'})}")
            presentation(browser, base, only)
            browser.close()
            return

        page.goto(f"{base}/")
        expect(page.locator("[data-family=vae] .sample-strip img").first).to_have_attribute("src", DATA)
        time.sleep(1)
        save(page.screenshot(), "home.png")

        overview(page, f"{base}/vae?model=vae-mnist&seed=7&cell=3", "vae.png")

        page.goto(f"{base}/vae?model=vae-mnist&seed=7&a=seed:3&b=held:2&steps=12&method=slerp&mx=0.8&my=0.6&sec=sliders")
        expect(page.locator("body[data-ready=true]")).to_be_attached()
        sections(page, "vae", ["sliders", "interp", "map", "beta"])
        draw_nine(page)
        time.sleep(1)
        save(page.locator("#draw").screenshot(), "vae-draw.png")
        page.keyboard.press("?")
        save(page.screenshot(), "shortcuts.png")

        gan(page, base)
        diffusion(page, base)
        flow(page, base)
        pixelcnn(page, base)
        score(page, base)
        vqvae(page, base)
        quiz(page, base)
        compare(page, base)
        lab(page, base)
        presentation(browser, base)
        browser.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    only = None
    if "--only" in args:
        i = args.index("--only")
        only = set(args[i + 1].split(","))
        del args[i : i + 2]
    if len(args) > 1:
        OUT = Path(args[1])
    main(args[0] if args else "http://127.0.0.1:8765", only)
