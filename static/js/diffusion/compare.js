// ③ Compare: one seed's starting noise denoised with 10 / 20 / 50 / 1000 DDIM steps (η = 0), and with
// guidance w = 0, 1, 3, 5 (50 steps). The short runs POST trajectory with every = steps, so only the
// first and last frames come back; 1000 steps (about a minute on a CPU) runs only on request, over
// the stream, with a progress bar and the current x̂_0 as a preview.

import { clearError, guarded, post, showError } from "../lib/api.js";
import { openStream, streamUrl } from "./stream.js";
import { digit, el, setSrc } from "../lib/images.js";
import { createLatentCompare } from "./latent.js";

const $ = (id) => document.getElementById(id);
const N = 4;
const STEP_COUNTS = [10, 20, 50];
const MAX_LONG = 1000; // the long run walks every training timestep: min(1000, T) steps
const LONG_EVERY = 20; // 51 frames: enough for a smooth progress bar
const GUIDANCE = [0, 1, 3, 5];
const GUIDED_STEPS = 50;

function column(title) {
  const pics = el("div", { class: "cmp-pics", "aria-live": "polite" });
  const meta = el("p", { class: "meta cmp-meta" }, "…");
  const col = el("figure", { class: "cmp-col" }, el("figcaption", { class: "cmp-title" }, title), pics, meta);
  return { col, pics, meta };
}

function showImages(c, out, alt) {
  c.pics.replaceChildren(...out.images.map((src, i) => digit(src, { size: 104, alt: `${alt}, sample ${i + 1}` })));
  c.col.dataset.grid = out.grid;
}

export function createCompare(ctx) {
  const section = $("compare");
  const latentRow = createLatentCompare(ctx);
  let generation = 0;
  let longStream = null;
  let longKey = null;
  let cancelLong = null;
  let cols = {};
  let LONG = MAX_LONG;
  let shortCounts = STEP_COUNTS;
  let builtFor = null;

  /** One column per step count (those below the model's T, then T itself at most) and per w. */
  function build() {
    const T = ctx.model.card.config.timesteps;
    if (builtFor === T) return;
    builtFor = T;
    LONG = Math.min(MAX_LONG, T);
    shortCounts = STEP_COUNTS.filter((n) => n < LONG);
    cols = {};
    const stepsRow = $("cmp-steps");
    stepsRow.replaceChildren();
    for (const steps of [...shortCounts, LONG]) {
      cols[`s${steps}`] = column(steps === LONG ? `${steps} steps (= T)` : `${steps} steps`);
      stepsRow.append(cols[`s${steps}`].col);
    }
    const wRow = $("cmp-w");
    wRow.replaceChildren();
    for (const w of GUIDANCE) {
      cols[`w${w}`] = column(`w = ${w}`);
      wRow.append(cols[`w${w}`].col);
    }
  }

  /** The class the guidance row conditions on: the chosen one, else seed mod 10 (guidance needs a class). */
  const guidedLabel = () => (ctx.label !== null ? ctx.label : ctx.seed % 10);

  const passes = (steps, guided) => `${steps * (guided ? 2 : 1)} network passes`;

  async function runOne(gen, c, body, alt) {
    const out = await ctx.heavy(async () => {
      if (gen !== generation) return null; // settings moved on while this waited its turn
      c.col.classList.add("running");
      const started = performance.now();
      try {
        const answer = await post(ctx.model.id, "trajectory", body);
        answer.seconds = (performance.now() - started) / 1000;
        return answer;
      } finally {
        c.col.classList.remove("running");
      }
    });
    if (!out || gen !== generation) return;
    showImages(c, out, alt);
    const guided = body.label !== undefined && body.guidance > 0;
    c.meta.textContent = `${out.seconds.toFixed(1)} s · ${passes(body.steps, guided)}`;
  }

  function base(steps) {
    const body = { n: N, seed: ctx.seed, sampler: "ddim", eta: 0, steps, every: steps, guidance: ctx.sampler.guidance };
    if (ctx.conditional() && ctx.label !== null) body.label = ctx.label;
    return body;
  }

  function longButton() {
    const c = cols[`s${LONG}`];
    const button = el("button", { type: "button", class: "primary", id: "cmp-run-long", onclick: runLong },
      `Run ${LONG} steps`);
    const cost = LONG >= 500 ? "About a minute on a CPU: one" : "One";
    c.pics.replaceChildren(el("div", { class: "cmp-long" }, button,
      el("p", { class: "muted small" }, `${cost} network pass per step (two with guidance), so it runs only when you ask.`)));
    c.meta.textContent = "";
  }

  function runLong() {
    const c = cols[`s${LONG}`];
    const body = { ...base(LONG), every: LONG_EVERY };
    const key = JSON.stringify([ctx.model.id, body]);
    const total = Math.ceil(LONG / LONG_EVERY) + ((LONG - 1) % LONG_EVERY === 0 ? 0 : 1);
    const bar = el("span");
    const text = el("span", { class: "progress-text" }, "waiting for a free slot…");
    const preview = el("img", { class: "px", width: 236, height: 56, alt: `x̂_0 preview of the ${LONG}-step run` });
    const stopButton = el("button", { type: "button", class: "ghost", onclick: () => finish() }, "Stop");
    c.pics.replaceChildren(el("div", { class: "cmp-long" }, el("div", { class: "progress" },
      el("div", { class: "progress-bar" }, bar), text), preview, stopButton));
    let done;
    let over = false;
    const finished = new Promise((resolve) => { done = resolve; });
    const finish = (out = null, err = null) => {
      if (over) return;
      over = true;
      cancelLong = null;
      longStream?.close();
      longStream = null;
      done();
      if (out) {
        showImages(c, out, `${LONG} steps`);
        c.meta.textContent = `${out.seconds.toFixed(1)} s · ${passes(LONG, body.label !== undefined && body.guidance > 0)}`;
        longKey = key;
      } else {
        longButton();
        if (err) showError(section, err);
      }
    };
    cancelLong = () => finish();
    ctx.heavy(() => {
      if (over) return null; // stopped while waiting its turn
      let frames = 0;
      const started = performance.now();
      text.textContent = "starting…";
      longStream = openStream(streamUrl(ctx.model.id, body), {
        onStep(frame) {
          frames += 1;
          bar.style.width = `${(100 * frames) / total}%`;
          text.textContent = `step ${frame.i + 1} of ${LONG} · t = ${frame.t}`;
          setSrc(preview, frame.x0_pred, `x̂_0 at t = ${frame.t}`);
        },
        onDone(out) { finish({ ...out, seconds: (performance.now() - started) / 1000 }); },
        onError(err) { finish(null, err); },
      });
      return finished;
    });
  }

  function refresh() {
    build();
    generation += 1;
    const gen = generation;
    clearError(section);
    const runs = [];
    const label = ctx.conditional() && ctx.label !== null ? `class ${ctx.label}` : "class ∅";
    $("cmp-steps-note").textContent = `— DDIM, η = 0, n = ${N}, seed ${ctx.seed}, ${label}, w = ${ctx.sampler.guidance}`;
    for (const steps of shortCounts) runs.push(runOne(gen, cols[`s${steps}`], base(steps), `${steps} steps`));
    const longBody = { ...base(LONG), every: LONG_EVERY };
    if (longKey !== JSON.stringify([ctx.model.id, longBody])) {
      cancelLong?.();
      longKey = null;
      longButton();
    }
    if (ctx.conditional()) {
      const y = guidedLabel();
      $("cmp-w-note").textContent = `— class ${y}${ctx.label === null ? " (no class chosen: seed mod 10)" : ""}, `
        + `DDIM ${GUIDED_STEPS} steps, η = 0, seed ${ctx.seed}`;
      for (const w of GUIDANCE) {
        const body = { ...base(GUIDED_STEPS), label: y, guidance: w };
        runs.push(runOne(gen, cols[`w${w}`], body, `w = ${w}`));
      }
      runs.push(latentRow.refresh());
    } else {
      $("cmp-w-note").textContent = `— ${ctx.model.id} is unconditional: no guidance to compare`;
      for (const w of GUIDANCE) cols[`w${w}`].pics.replaceChildren();
    }
    return guarded(section, () => Promise.all(runs));
  }

  return { refresh, runLong };
}
