// What does D think? Draw a digit, or take a held-out real digit or a GAN sample, and ask a
// discriminator (POST discriminate): p(real) for the BCE-trained GANs, the raw critic value for WGAN-GP.
// 8 real digits and 8 of the judge's own samples give every score a scale to read it against.

import { api, guarded, latest, post, throttle } from "./api.js";
import { svgEl } from "./chart.js";
import { createDrawPad } from "./drawpad.js";
import { el, setSrc } from "./images.js";
import { getNumber, getString, setState } from "./urlstate.js";
import { SHIPPED, isCritic, objectiveOf } from "./gan-losses.js";

const $ = (id) => document.getElementById(id);
const REF_N = 8;
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

export function createJudge(ctx) {
  const section = $("judge");
  const note = $("pad-note");
  const refCache = new Map();
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

  /** Mean score of 8 held-out real digits and of 8 of the judge's own samples (cached per judge). */
  function references(model) {
    if (!refCache.has(model.id)) {
      const task = (async () => {
        const real = await api(`/api/data/digits?split=heldout&n=${REF_N}&seed=${REF_SEED}`);
        const body = { n: REF_N, seed: REF_SEED };
        const fake = await post(model.id, "sample", body);
        const fakePixels = await Promise.all(fake.images.map(pngPixels));
        const score = (out) => (isCritic(model) ? out.score : out.p_real);
        const cond = ctx.conditional(model);
        const realScores = await Promise.all(real.digits.map((d) => post(model.id, "discriminate",
          { image: { pixels: d.pixels }, ...(cond ? { label: d.label } : {}) }).then(score)));
        const fakeScores = await Promise.all(fakePixels.map((pixels, i) => post(model.id, "discriminate",
          { image: { pixels }, ...(cond ? { label: fake.labels[i] } : {}) }).then(score)));
        return { real: mean(realScores), fake: mean(fakeScores) };
      })();
      task.catch(() => refCache.delete(model.id));
      refCache.set(model.id, task);
    }
    return refCache.get(model.id);
  }

  function body(model) {
    const image = input.kind === "draw" ? pad.toDataURL() : { pixels: input.pixels };
    const label = classFor(model);
    return label === undefined ? { image } : { image, label };
  }

  function verdict(model, out, refs) {
    const critic = isCritic(model);
    const value = critic ? out.score : out.p_real;
    $("judge-score").textContent = critic ? signed(out.score) : pct(out.p_real);
    $("judge-score").className = `verdict-score ${(critic ? refs && out.score > (refs.real + refs.fake) / 2 : out.p_real >= 0.5) ? "real" : "fake"}`;
    const cls = ctx.conditional(model) ? ` · judged as class ${classFor(model)}` : "";
    $("judge-sub").textContent = critic
      ? `critic value D(x) — higher = more real; not a probability${cls}`
      : `p(real) = σ(${out.score.toFixed(2)}), D's probability that this is a real digit${cls}`;
    $("judge-gauge").replaceChildren(gauge(value, refs, critic));
    $("judge-refs").textContent = refs
      ? `For scale: mean over ${REF_N} held-out real digits and ${REF_N} of ${model.id}'s own samples (seed ${REF_SEED}).`
      : "";
    setSrc($("judge-input"), out.input, `the 28×28 image ${model.id}'s discriminator judged`);
    section.dataset.judged = String(Number(section.dataset.judged || 0) + 1);
  }

  const judgeOne = latest(async () => {
    if (!input || (input.kind === "draw" && pad.isEmpty())) return;
    const model = judge();
    const out = await guarded(section, async () => {
      const [answer, refs] = await Promise.all([post(model.id, "discriminate", body(model)), references(model).catch(() => null)]);
      return { answer, refs };
    });
    if (!out || model !== judge() || !input || (input.kind === "draw" && pad.isEmpty())) return;
    verdict(model, out.answer, out.refs);
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
    onEnd: () => { if (pending) judgeNow(); pending = false; },
  });

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
    if (!keepUrl) setState({ jin: null });
    $("judge-input").removeAttribute("src");
    $("judge-score").textContent = "—";
    $("judge-score").className = "verdict-score";
    $("judge-sub").textContent = "Draw a digit, or pick a real one or a GAN sample.";
    $("judge-gauge").replaceChildren();
    $("judge-refs").textContent = "";
    $("judge-all").replaceChildren();
    note.textContent = "Draw a digit, white on black.";
  }

  async function real(seed = Math.floor(Math.random() * 100000)) {
    const data = await guarded(section, () => api(`/api/data/digits?split=heldout&n=1&seed=${seed}`));
    const d = data?.digits?.[0];
    if (!d) return;
    pad.clear();
    input = { kind: "real", seed, pixels: d.pixels, label: d.label, image: d.image };
    paint(d.image);
    if (!$("judge-class-field").hidden) $("judge-class").value = String(d.label);
    setState({ jin: `real:${seed}` });
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
    setState({ jin: `fake:${seed}` });
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

  return {
    init() {
      started = true;
      const [kind, value] = (getString("jin") || "").split(":");
      const seed = Number(value);
      if (Number.isInteger(seed) && seed >= 0) {
        if (kind === "real") real(seed);
        if (kind === "fake") fake(seed);
      }
      references(judge()).catch(() => {});
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
