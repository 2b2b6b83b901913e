// What does D think? Draw a digit, or take a held-out real digit or a GAN sample, and ask a
// discriminator (POST discriminate): p(real) for the BCE-trained GANs, the raw critic value for WGAN-GP.
// 64 held-out real digits and 64 of the judge's own samples give every score a scale: the gauge marks their
// means, a histogram their spread. The route judges one image per call, so they are scored one call at a time
// (never a burst that queues behind itself) and kept per judge.
// A drawing is kept in the link (`draw=`, see drawpad.js); a real digit or sample by its seed (`jin=`).

import { api, guarded, latest, post, throttle } from "../lib/api.js";
import { svgEl, ticks } from "../lib/chart.js";
import { createDrawPad } from "../lib/drawpad.js";
import { el, setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";
import { SHIPPED, isCritic, objectiveOf } from "./losses.js";

const $ = (id) => document.getElementById(id);
const REF_N = 64;
const REF_SEED = 0;

/** A 28×28 PNG data URL → 784 intensities in [0, 1] (what G produced, sent as pixels so it is not re-centred). */
function pngPixels(src) {
  return new Promise((resolve, reject) => {
    const image = new Image();
    image.onload = () => {
      const canvas = Object.assign(document.createElement("canvas"), { width: 28, height: 28 });
      const c = canvas.getContext("2d", { willReadFrequently: true });
      c.drawImage(image, 0, 0, 28, 28);
      const rgba = c.getImageData(0, 0, 28, 28).data;
      resolve(Array.from({ length: 784 }, (_, i) => rgba[4 * i] / 255));
    };
    image.onerror = () => reject(new Error("could not read the sample image"));
    image.src = src;
  });
}

const pct = (p) => `${(100 * p).toFixed(p > 0.995 || p < 0.005 ? 1 : 0)}%`;
const signed = (v) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(2)}`;
const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The score on a line: p(real) from 0 to 1, or the critic's value between the references. */
function gauge(value, refs, critic) {
  const width = 560;
  const height = 122;
  const pad = { left: 16, right: 16 };
  const all = [value, ...(refs ? [refs.real, refs.fake] : [])];
  let lo = 0;
  let hi = 1;
  if (critic) {
    const span = Math.max(1, Math.max(...all) - Math.min(...all));
    lo = Math.min(...all) - span * 0.15;
    hi = Math.max(...all) + span * 0.15;
  }
  const X = (v) => pad.left + ((Math.min(hi, Math.max(lo, v)) - lo) / (hi - lo)) * (width - pad.left - pad.right);
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart gauge-svg", role: "img",
    "aria-label": critic ? `critic value ${value.toFixed(2)}` : `p(real) ${pct(value)}` });
  const y = 30;
  svg.append(svgEl("rect", { x: pad.left, y, width: width - pad.left - pad.right, height: 22, rx: 11, class: "gauge-track" }));
  if (!critic) {
    svg.append(svgEl("rect", { x: pad.left, y, width: Math.max(22, X(value) - pad.left), height: 22, rx: 11,
      class: value >= 0.5 ? "gauge-fill real" : "gauge-fill fake" }),
    svgEl("line", { x1: X(0.5), x2: X(0.5), y1: y - 4, y2: y + 26, class: "gauge-half" }),
    svgEl("text", { x: pad.left, y: height - 4, class: "chart-tick" }, "0% fake"),
    svgEl("text", { x: X(0.5), y: height - 4, "text-anchor": "middle", class: "chart-tick" }, "50%"),
    svgEl("text", { x: width - pad.right, y: height - 4, "text-anchor": "end", class: "chart-tick" }, "100% real"));
  } else {
    svg.append(svgEl("text", { x: pad.left, y: height - 4, class: "chart-tick" }, "← more fake"),
      svgEl("text", { x: width - pad.right, y: height - 4, "text-anchor": "end", class: "chart-tick" }, "more real →"));
  }
  if (refs) {
    for (const [key, name] of [["real", "real digits"], ["fake", "its samples"]]) {
      const x = X(refs[key]);
      const above = key === "real";
      svg.append(svgEl("line", { x1: x, x2: x, y1: above ? y - 8 : y, y2: above ? y + 22 : y + 30, class: `gauge-ref ${key}` }),
        svgEl("text", { x, y: above ? y - 12 : y + 48, "text-anchor": x < 90 ? "start" : x > width - 90 ? "end" : "middle",
          class: `gauge-ref-label ${key}` }, `${name} ${critic ? signed(refs[key]) : pct(refs[key])}`));
    }
  }
  svg.append(svgEl("circle", { cx: X(value), cy: y + 11, r: 13, class: "gauge-dot" }));
  return svg;
}

/**
 * D's scores of real digits and of G's samples as two overlaid histograms, with `value` (the current input's
 * score, or null) marked. Bins span the reference scores (and ½ for a probability: where a fooled D sits); the axis
 * stretches to reach `value` without re-binning, so the two shapes stay put while the marker moves.
 */
function histogram(scores, value, critic) {
  const width = 560;
  const height = 236;
  const pad = { left: 16, right: 16, top: 40, bottom: 58 };
  const bins = 24;
  const refs = [...scores.real, ...scores.fake, ...(critic ? [] : [0.5])];
  const span = Math.max(...refs) - Math.min(...refs) || 1;
  const lo = Math.min(...refs) - span * 0.04;
  const step = (span * 1.08) / bins;
  const count = (xs) => xs.reduce((c, v) => { c[Math.min(bins - 1, Math.floor((v - lo) / step))] += 1; return c; },
    new Array(bins).fill(0));
  const counts = { real: count(scores.real), fake: count(scores.fake) };
  const top = Math.max(...counts.real, ...counts.fake);
  const x0 = value === null ? lo : Math.min(lo, value - step);
  const x1 = value === null ? lo + bins * step : Math.max(lo + bins * step, value + step);
  const X = (v) => pad.left + ((v - x0) / (x1 - x0)) * (width - pad.left - pad.right);
  const Y = (n) => height - pad.bottom - (n / top) * (height - pad.top - pad.bottom);
  const show = critic ? signed : pct;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart judge-hist-svg", role: "img",
    "aria-label": `histogram of D's scores: ${scores.real.length} real digits, ${scores.fake.length} samples`
      + (value === null ? "" : `; this input ${show(value)}`),
    "data-real": scores.real.length, "data-fake": scores.fake.length });
  for (const t of ticks(x0, x1, 6)) {
    svg.append(svgEl("text", { x: X(t), y: height - 36, "text-anchor": "middle", class: "chart-tick" }, show(t)));
  }
  [["real", `${scores.real.length} held-out real digits`], ["fake", `${scores.fake.length} of its samples`]].forEach(([kind, text], i) => {
    svg.append(svgEl("rect", { x: pad.left + i * 250, y: height - 18, width: 16, height: 14, class: `hist-key ${kind}` }),
      svgEl("text", { x: pad.left + i * 250 + 22, y: height - 6, class: "chart-legend" }, text));
  });
  svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(0), y2: Y(0), class: "chart-grid" }));
  if (!critic) {
    svg.append(svgEl("line", { x1: X(0.5), x2: X(0.5), y1: pad.top - 6, y2: Y(0), class: "gauge-half" }),
      svgEl("text", { x: X(0.5) + 4, y: pad.top + 6, class: "chart-tick" }, "½"));
  }
  for (const [kind, name] of [["real", "real digits"], ["fake", "samples"]]) {
    counts[kind].forEach((n, i) => {
      if (!n) return;
      const a = lo + i * step;
      svg.append(svgEl("rect", { x: X(a) + 0.5, width: Math.max(1, X(a + step) - X(a) - 1), y: Y(n), height: Y(0) - Y(n),
        class: `hist-bar ${kind}` }, svgEl("title", {}, `${n} ${name} scored ${show(a)} to ${show(a + step)}`)));
    });
  }
  if (value === null) return svg;
  const mx = X(value);
  svg.append(svgEl("line", { x1: mx, x2: mx, y1: pad.top - 8, y2: Y(0), class: "hist-marker" }),
    svgEl("path", { d: `M${mx - 7},${pad.top - 18}h14l-7,10z`, class: "hist-marker-head" }),
    svgEl("text", { x: mx, y: pad.top - 22, "text-anchor": mx < 80 ? "start" : mx > width - 80 ? "end" : "middle",
      class: "hist-marker-label" }, `this input ${show(value)}`));
  return svg;
}

export function createJudge(ctx) {
  const section = $("judge");
  const note = $("pad-note");
  const refCache = new Map();
  const refDone = new Map(); // judge id -> its finished references, for drawing without waiting
  let shown = null; // {model, value}: the verdict on screen, which the scale below it belongs to
  let judgeId = getString("judge", ctx.model.id);
  let input = null; // {kind: "draw"} | {kind: "real"|"fake", seed, pixels, label, image}
  let started = false;
  let pending = false;

  const judges = () => ctx.models.filter((m) => m.capabilities.includes("discriminate"));
  const judge = () => judges().find((m) => m.id === judgeId) || judges()[0];

  function fillSelect() {
    const missing = SHIPPED.filter((id) => !ctx.models.some((m) => m.id === id));
    $("judge-model").replaceChildren(...judges().map((m) => new Option(m.id, m.id)),
      ...missing.map((id) => Object.assign(new Option(`${id} (not trained yet)`, id), { disabled: true })));
  }

  function classFor(model) {
    if (!ctx.conditional(model)) return undefined;
    if (input && input.kind !== "draw" && input.label !== undefined && input.label !== null) return input.label;
    return Number($("judge-class").value);
  }

  function showJudge() {
    const m = judge();
    shown = null;
    $("judge-hist").replaceChildren();
    $("judge-hist-note").textContent = "";
    $("judge-model").value = m.id;
    $("judge-class-field").hidden = !ctx.conditional(m);
    const o = objectiveOf(m);
    $("judge-objective").textContent = isCritic(m)
      ? `${m.id} is a WGAN-GP critic: D(x) is an unbounded score, higher = more real. It is not a probability — `
        + "compare it with the scores of real digits and of G's samples. (Its loss: " + o.d + ")"
      : `${m.id}: D(x) = σ(logit), the discriminator's probability that x is a real digit. It was trained on ${o.d}.`;
    if (ctx.conditional(m)) {
      $("judge-objective").textContent += " Class-conditional: D judges the pair (digit, class) — a fine 7 shown as class 3 should look fake.";
    }
    $("verdict-label").textContent = `${m.id}'s verdict`;
  }

  /** D's scores of REF_N held-out real digits and REF_N of the judge's own samples, and their means (cached per
   * judge). One discriminate call at a time; a judge no longer shown stops being scored and starts over if it
   * comes back. */
  function references(model) {
    if (!refCache.has(model.id)) {
      const task = (async () => {
        const cond = ctx.conditional(model);
        const real = await api(`/api/data/digits?split=heldout&n=${REF_N}&seed=${REF_SEED}`);
        const fake = await post(model.id, "sample", { n: REF_N, seed: REF_SEED });
        const fakePixels = await Promise.all(fake.images.map(pngPixels));
        const inputs = [...real.digits.map((d) => ["real", d.pixels, d.label]),
          ...fakePixels.map((pixels, i) => ["fake", pixels, fake.labels?.[i]])];
        const scores = { real: [], fake: [] };
        for (const [kind, pixels, label] of inputs) {
          if (model !== judge()) throw new Error(`${model.id} is no longer the judge`);
          const out = await post(model.id, "discriminate", { image: { pixels }, ...(cond ? { label } : {}) });
          scores[kind].push(isCritic(model) ? out.score : out.p_real);
          progress(model, scores.real.length + scores.fake.length, inputs.length);
        }
        const refs = { real: mean(scores.real), fake: mean(scores.fake), scores };
        refDone.set(model.id, refs);
        return refs;
      })();
      task.catch(() => refCache.delete(model.id));
      refCache.set(model.id, task);
    }
    return refCache.get(model.id);
  }

  /** Score the judge's references (unless done or under way) and draw the histogram when they are in. */
  function loadScale() {
    const model = judge();
    references(model).then((refs) => scale(model, refs), () => {});
  }

  function progress(model, done, total) {
    if (model === judge() && !refDone.has(model.id)) {
      $("judge-hist-note").textContent = `Scoring ${REF_N} held-out real digits and ${REF_N} of ${model.id}'s samples `
        + `for the histogram: ${done} of ${total}…`;
    }
  }

  function body(model) {
    const image = input.kind === "draw" ? pad.toDataURL() : { pixels: input.pixels };
    const label = classFor(model);
    return label === undefined ? { image } : { image, label };
  }

  function verdict(model, out) {
    const critic = isCritic(model);
    shown = { model, value: critic ? out.score : out.p_real };
    $("judge-score").textContent = critic ? signed(out.score) : pct(out.p_real);
    const cls = ctx.conditional(model) ? ` · judged as class ${classFor(model)}` : "";
    $("judge-sub").textContent = critic
      ? `critic value D(x) — higher = more real; not a probability${cls}`
      : `p(real) = σ(${out.score.toFixed(2)}), D's probability that this is a real digit${cls}`;
    setSrc($("judge-input"), out.input, `the 28×28 image ${model.id}'s discriminator judged`);
    scale(model, refDone.get(model.id) || null);
    section.dataset.judged = String(Number(section.dataset.judged || 0) + 1);
  }

  /** The gauge under the verdict on screen and the histogram of the judge's references: at once, and again when
   * the references are in. */
  function scale(model, refs) {
    if (model !== judge() || (shown && shown.model !== model)) return;
    const critic = isCritic(model);
    if (shown) {
      const real = critic ? refs && shown.value > (refs.real + refs.fake) / 2 : shown.value >= 0.5;
      $("judge-score").className = `verdict-score ${real ? "real" : "fake"}`;
      $("judge-gauge").replaceChildren(gauge(shown.value, refs, critic));
      $("judge-refs").textContent = refs
        ? `For scale: mean over ${REF_N} held-out real digits and ${REF_N} of ${model.id}'s own samples (seed ${REF_SEED}).`
        : "";
    }
    if (!refs) {
      $("judge-hist").replaceChildren();
      $("judge-hist-note").textContent = `Scoring ${REF_N} held-out real digits and ${REF_N} of ${model.id}'s samples for the histogram…`;
      loadScale();
      return;
    }
    $("judge-hist").replaceChildren(histogram(refs.scores, shown ? shown.value : null, critic));
    $("judge-hist-note").textContent = critic
      ? `${model.id}'s critic values: real digits average ${signed(refs.real)}, its samples ${signed(refs.fake)}. `
        + `Only the difference, ${signed(refs.real - refs.fake)}, means something (the critic's estimate of the `
        + "Wasserstein distance); the level itself is arbitrary."
      : `${model.id}'s p(real): real digits average ${pct(refs.real)}, its samples ${pct(refs.fake)}. `
        + "The further apart the two piles, the better D still tells them apart; on top of each other at ½, it cannot.";
  }

  const judgeOne = latest(async () => {
    if (!input || (input.kind === "draw" && pad.isEmpty())) return;
    const model = judge();
    const answer = await guarded(section, () => post(model.id, "discriminate", body(model)));
    if (!answer || model !== judge() || !input || (input.kind === "draw" && pad.isEmpty())) return;
    verdict(model, answer);
  });

  const judgeAll = latest(async () => {
    if (!input || (input.kind === "draw" && pad.isEmpty())) return;
    const list = judges();
    const outs = await guarded(section, () => Promise.all(list.map((m) => post(m.id, "discriminate", body(m)))));
    if (!outs) return;
    const rows = list.map((m, i) => el("tr", { class: m === judge() ? "current" : null },
      el("td", {}, el("code", {}, m.id)), el("td", {}, m.card?.config?.loss),
      el("td", { class: "num" }, isCritic(m) ? `${signed(outs[i].score)} (critic)` : pct(outs[i].p_real)),
      el("td", {}, ctx.conditional(m) ? `class ${classFor(m)}` : "")));
    $("judge-all").replaceChildren(el("table", { class: "metrics judge-table" },
      el("thead", {}, el("tr", {}, el("th", {}, "every loaded judge"), el("th", {}, "loss"), el("th", { class: "num" }, "verdict"), el("th", {}, ""))),
      el("tbody", {}, rows)));
  });

  function judgeNow() {
    judgeOne();
    judgeAll();
  }

  const whileDrawing = throttle(judgeOne, 200);
  const pad = createDrawPad($("pad"), {
    onDraw: () => {
      pending = true;
      if (!input || input.kind !== "draw") {
        input = { kind: "draw" };
        setState({ jin: null });
        $("judge-input-caption").textContent = "what D sees (28×28): your drawing, centred like MNIST";
      }
      whileDrawing();
    },
    onEnd: () => {
      setState({ draw: pad.encode() });
      if (pending) judgeNow();
      pending = false;
    },
  });

  /** The drawing of the link (before the section starts; init() judges it). */
  function restoreDrawing() {
    const linked = getString("draw");
    if (!linked || getString("jin")) return;
    if (!pad.restore(linked)) {
      setState({ draw: null });
      note.textContent = "The drawing in the link could not be read; draw a digit, white on black.";
      return;
    }
    input = { kind: "draw" };
    note.textContent = "Your drawing, restored from the link.";
    note.title = "A link keeps a drawing as 28×28 pixels in 4 grey levels, the picture D is shown.";
    $("judge-input-caption").textContent = "what D sees (28×28): your drawing, centred like MNIST";
  }

  /** Paint a 28×28 digit onto the canvas, so what is judged is what the canvas shows (and can be drawn on). */
  function paint(src) {
    const canvas = $("pad");
    const image = new Image();
    image.onload = () => {
      const c = canvas.getContext("2d");
      c.imageSmoothingEnabled = false;
      c.drawImage(image, 0, 0, canvas.width, canvas.height);
    };
    image.src = src;
  }

  function clear({ keepUrl = false } = {}) {
    pad.clear();
    input = null;
    if (!keepUrl) setState({ jin: null, draw: null });
    $("judge-input").removeAttribute("src");
    $("judge-score").textContent = "—";
    $("judge-score").className = "verdict-score";
    $("judge-sub").textContent = "Draw a digit, or pick a real one or a GAN sample.";
    $("judge-gauge").replaceChildren();
    $("judge-refs").textContent = "";
    shown = null;
    $("judge-hist").replaceChildren();
    $("judge-hist-note").textContent = "";
    if (refDone.has(judge().id)) scale(judge(), refDone.get(judge().id)); // the histogram stays, unmarked
    $("judge-all").replaceChildren();
    note.textContent = "Draw a digit, white on black.";
    note.title = "";
  }

  async function real(seed = Math.floor(Math.random() * 100000)) {
    const data = await guarded(section, () => api(`/api/data/digits?split=heldout&n=1&seed=${seed}`));
    const d = data?.digits?.[0];
    if (!d) return;
    pad.clear();
    input = { kind: "real", seed, pixels: d.pixels, label: d.label, image: d.image };
    paint(d.image);
    if (!$("judge-class-field").hidden) $("judge-class").value = String(d.label);
    setState({ jin: `real:${seed}`, draw: null });
    note.textContent = `A held-out real digit (#${d.index}, a ${d.label}) that no GAN trained on. Draw on it to see D change its mind.`;
    $("judge-input-caption").textContent = "what D sees: the real digit";
    judgeNow();
  }

  async function fake(seed = Math.floor(Math.random() * 100000)) {
    const model = judge();
    const out = await guarded(section, () => post(model.id, "sample", { n: 1, seed }));
    if (!out) return;
    const pixels = await pngPixels(out.images[0]);
    pad.clear();
    input = { kind: "fake", seed, pixels, label: out.labels?.[0], image: out.images[0] };
    paint(out.images[0]);
    if (!$("judge-class-field").hidden && out.labels) $("judge-class").value = String(out.labels[0]);
    setState({ jin: `fake:${seed}`, draw: null });
    note.textContent = `A sample of ${model.id} (seed ${seed}${out.labels ? `, class ${out.labels[0]}` : ""}).`;
    $("judge-input-caption").textContent = `what D sees: G's sample, pixel for pixel`;
    judgeNow();
  }

  function setJudge(id) {
    judgeId = id;
    setState({ judge: judge().id });
    showJudge();
    if (input?.kind === "fake") fake(input.seed); // a sample of the new judge's own G
    else judgeNow();
    loadScale();
  }

  $("pad-clear").addEventListener("click", () => clear());
  $("judge-real").addEventListener("click", () => real());
  $("judge-fake").addEventListener("click", () => fake());
  $("judge-model").addEventListener("change", (e) => setJudge(e.target.value));
  $("judge-class").value = String(getNumber("jclass", ctx.label ?? 0, { min: 0, max: 9, integer: true }));
  $("judge-class").addEventListener("change", () => {
    setState({ jclass: $("judge-class").value });
    if (input) input.label = Number($("judge-class").value);
    judgeNow();
  });
  fillSelect();
  showJudge();
  clear({ keepUrl: true });
  restoreDrawing();

  return {
    init() {
      started = true;
      const [kind, value] = (getString("jin") || "").split(":");
      const seed = Number(value);
      if (Number.isInteger(seed) && seed >= 0) {
        if (kind === "real") real(seed);
        if (kind === "fake") fake(seed);
      } else if (input?.kind === "draw") {
        judgeNow();
      }
      loadScale();
    },
    follow(id) {
      if (!judges().some((m) => m.id === id)) return;
      judgeId = id;
      showJudge();
      if (started && input) setJudge(id);
    },
    clear: () => clear(),
    real: () => real(),
    fake: () => fake(),
  };
}
