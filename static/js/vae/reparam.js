// The reparameterization trick (Kingma & Welling 2014): for the digit drawn in the drawing section
// (before one is drawn, a held-out digit), the posterior's μ and σ = exp(½·logvar) per latent
// dimension, one draw ε ~ N(0, I) and z = μ + σ·ε, and the decoder's picture of z = μ next to six
// z = μ + σ·ε_k. ε comes from a seeded PRNG in the page; its seed is in the link (`eps=`).

import { api, guarded, latest, post } from "../lib/api.js";
import { svgEl } from "../lib/chart.js";
import { digit, el } from "../lib/images.js";
import { mulberry32, normals } from "../lib/random.js";
import { getNumber, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const DRAWS = 6; // z = μ + σ·ε_k decoded side by side; ε_1 is the one in the table
const HELD_SEED = 11; // which held-out digit stands in before anything is drawn
const MAX_SEED = 2 ** 32 - 1;
const LATENT_MAX = 10; // the API's bound on a latent value
const BAR = { width: 200, height: 22, pad: 8 };

const fmt = (v) => (v < 0 ? "−" : "") + Math.abs(v).toFixed(3);
const sub = (k) => String(k).replace(/\d/g, (c) => "₀₁₂₃₄₅₆₇₈₉"[c]);

/** ε_1 … ε_DRAWS, each `dim` draws from N(0, 1), all from one seed. */
export function drawEps(seed, dim) {
  const uniform = mulberry32(seed);
  return Array.from({ length: DRAWS }, () => normals(uniform, dim));
}

/** One row's picture on a shared axis [−lim, lim]: the band μ ± σ, a dot at μ, an arrow σ·ε to z. */
function rowBar(mu, sigma, z, lim) {
  const { width, height, pad } = BAR;
  const x = (v) => pad + ((Math.max(-lim, Math.min(lim, v)) + lim) / (2 * lim)) * (width - 2 * pad);
  const mid = height / 2;
  return svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "reparam-bar", "aria-hidden": "true" },
    svgEl("line", { x1: x(0), x2: x(0), y1: 2, y2: height - 2, class: "chart-zero" }),
    svgEl("rect", { x: x(mu - sigma), width: Math.max(1, x(mu + sigma) - x(mu - sigma)), y: mid - 5, height: 10,
      class: "reparam-sigma" }),
    svgEl("line", { x1: x(mu), x2: x(z), y1: mid, y2: mid, class: "reparam-step" }),
    svgEl("circle", { cx: x(mu), cy: mid, r: 4.5, class: "reparam-mu" }),
    svgEl("path", { d: `M${x(z)} ${mid - 6}l5 6l-5 6l-5 -6z`, class: "reparam-z" }));
}

function renderTable(table, { mean, logvar, sigma, eps, z }) {
  const lim = Math.min(LATENT_MAX, Math.max(3, Math.ceil(Math.max(...mean.map((m, i) => Math.max(
    Math.abs(m) + sigma[i], Math.abs(z[i])))))));
  const head = el("tr", {}, el("th", { scope: "col" }, "dim"), el("th", { scope: "col" }, "μ"),
    el("th", { scope: "col" }, "σ"), el("th", { scope: "col" }, "ε₁"), el("th", { scope: "col" }, "z = μ + σ·ε₁"),
    el("th", { scope: "col", class: "reparam-axis" },
      el("span", { class: "axis-ticks" }, el("span", {}, `−${lim}`), el("span", {}, "0"), el("span", {}, `+${lim}`))));
  const rows = mean.map((mu, i) => el("tr", {
    class: "reparam-dim", "data-dim": i, "data-mu": mu, "data-logvar": logvar[i], "data-sigma": sigma[i],
    "data-eps": eps[i], "data-z": z[i],
  }, el("th", { scope: "row" }, `z${sub(i + 1)}`), el("td", { class: "mu" }, fmt(mu)),
  el("td", { class: "sigma" }, fmt(sigma[i])), el("td", { class: "eps" }, fmt(eps[i])),
  el("td", { class: "z" }, fmt(z[i])), el("td", {}, rowBar(mu, sigma[i], z[i], lim))));
  table.replaceChildren(
    el("caption", { class: "visually-hidden" }, "per latent dimension: posterior mean μ, std σ, one draw ε and z = μ + σ·ε"),
    el("thead", {}, head), el("tbody", {}, rows));
}

export function createReparam(ctx) {
  const section = $("reparam");
  const table = $("reparam-table");
  const strip = $("reparam-strip");
  const source = $("reparam-source");
  let seed = getNumber("eps", 1, { min: 0, max: MAX_SEED, integer: true });
  let drawn = null; // the drawing's posterior from the drawing section ({model, mean, logvar, label, input})
  let held = null; // {digit, encoded: {modelId: promise}} for the held-out stand-in
  let started = false;
  let shown = null; // what the table and strip show, for re-drawing ε without asking the encoder again
  let stale = true; // the posterior changed since `shown` (a new drawing, model or class)

  // the drawing section tells us each posterior it shows (null: no drawing, or none for this model/class)
  $("draw").addEventListener("posterior", (event) => {
    drawn = event.detail;
    if (started) update();
  });

  async function heldOut(model) {
    if (!held) {
      held = { encoded: {} };
      held.digit = api(`/api/data/digits?split=heldout&n=1&seed=${HELD_SEED}`).then((out) => out.digits[0]);
      held.digit.catch(() => { held = null; });
    }
    const d = await held.digit;
    const conditional = model.capabilities.includes("conditional");
    if (!held.encoded[model.id]) {
      const body = { image: d.image };
      if (conditional) body.label = d.label;
      held.encoded[model.id] = post(model.id, "encode", body);
      held.encoded[model.id].catch(() => { delete held.encoded[model.id]; });
    }
    const out = await held.encoded[model.id];
    return { model, mean: out.latent_mean, logvar: out.latent_logvar, input: d.image,
      label: conditional ? d.label : undefined, what: `a held-out ${d.label} (draw one above to use yours)` };
  }

  /** The posterior to show: the drawing's for the current model, else the held-out digit's. */
  function posterior() {
    if (drawn && drawn.model.id === ctx.model.id) return { ...drawn, what: "your drawing" };
    return heldOut(ctx.model);
  }

  const render = latest(async () => {
    const fresh = stale || !shown;
    stale = false;
    const p = fresh ? await guarded(section, posterior) : shown;
    if (!p) return;
    shown = p;
    const sigma = p.logvar.map((lv) => Math.exp(0.5 * lv));
    const eps = drawEps(seed, p.mean.length);
    const zs = eps.map((e) => p.mean.map((mu, i) => mu + sigma[i] * e[i]));
    renderTable(table, { mean: p.mean, logvar: p.logvar, sigma, eps: eps[0], z: zs[0] });
    const label = p.label === undefined ? "" : ` (class ${p.label})`;
    source.replaceChildren(digit(p.input, { size: 56, alt: `the digit encoded: ${p.what}` }),
      ` q(z|x) for ${p.what}${label}, ${p.model.id}, ${p.mean.length} latent dimensions; ε seed ${seed}`);
    const clamp = (v) => Math.max(-LATENT_MAX, Math.min(LATENT_MAX, v));
    const body = { latents: [p.mean, ...zs].map((z) => z.map(clamp)) };
    if (p.label !== undefined) body.labels = body.latents.map(() => p.label);
    const out = await guarded(section, () => post(p.model.id, "decode", body));
    if (!out || shown !== p) return;
    const names = ["z = μ", ...zs.map((_, k) => `μ + σ·ε${sub(k + 1)}`)];
    strip.replaceChildren(...out.images.map((src, k) => el("figure", { class: k === 0 ? "mean" : k === 1 ? "shown" : "" },
      digit(src, { size: 88, alt: `decoded z = ${names[k].replace("z = ", "")}` }), el("figcaption", {}, names[k]))));
    section.dataset.eps = String(seed);
    section.dataset.rendered = String(Number(section.dataset.rendered || 0) + 1);
  });

  function update() {
    stale = true;
    render();
  }

  /** A new ε seed: new ε and z (and decoded digits), the same μ and σ. */
  function again() {
    const old = seed;
    while (seed === old) seed = Math.floor(Math.random() * 100000);
    setState({ eps: seed });
    if (started) render();
  }

  $("reparam-again").addEventListener("click", again);

  function init() {
    started = true;
    update();
  }

  return { init, again, refresh: update };
}
