// Scores and energies on 2-D toys (/score): the shared state (model, noise level, background, arrows,
// the Langevin settings), kept in the URL and restored on load; the model picker; keyboard shortcuts;
// section navigation. One module per section: field.js (②), errorchart.js (③), particles.js (④), and on
// digits digits.js (⑤, the NCSN's score beside a DDPM's −ε/σ) and digits-stream.js (⑥, Langevin on digits).

import { showError } from "../lib/api.js";
import { MAX_SEED } from "../lib/controls.js";
import { installShortcuts } from "../lib/keys.js";
import { loadModels, navShortcuts, pickModel } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";
import { createDigitLangevin } from "./digits-stream.js";
import { createDigits, pickDigitModels } from "./digits.js";
import { drawErrorChart } from "./errorchart.js";
import { ARROWS, BACKGROUNDS, createField } from "./field.js";
import { createParticles } from "./particles.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["idea", "field", "errors", "particles", "digits", "digit-langevin"];
const DEFAULT_MODEL = "score-8gaussians";
const KIND_NAMES = { ncsn: "NCSN (score network)", ebm: "EBM (energy)" };

const ctx = {
  models: [], model: null, level: 0, bg: "density", arrows: "model", data: null,
  n: 400, seed: 0, annealed: true, firstLevel: 0, lastLevel: null, spl: 40, eps: null, denoise: true,
};
const levelsOf = (model) => model.card.config.sigmas.length;
const isEnergy = (model) => model.card.config.kind === "ebm";
const started = new Set();
let field = null;
let particles = null;
let digits = null; // ⑤
let digitChains = null; // ⑥

/** The URL: the model, level and seed always; the other settings when they differ from the defaults. */
function writeUrl() {
  const last = levelsOf(ctx.model) - 1;
  setState({
    model: ctx.model.id, level: ctx.level, bg: ctx.bg === "density" ? null : ctx.bg,
    arrows: ctx.arrows === "model" ? null : ctx.arrows, n: ctx.n === 400 ? null : ctx.n, seed: ctx.seed,
    annealed: ctx.annealed ? null : 0, first: ctx.firstLevel || null,
    last: ctx.lastLevel === null || ctx.lastLevel === last ? null : ctx.lastLevel,
    spl: ctx.spl === 40 ? null : ctx.spl, eps: ctx.eps, denoise: ctx.denoise ? null : 0,
  });
}

function readUrl() {
  const last = levelsOf(ctx.model) - 1;
  const level = (key, fallback) => getNumber(key, fallback, { min: 0, max: last, integer: true });
  ctx.level = level("level", last);
  ctx.bg = getString("bg", "density", BACKGROUNDS);
  if (ctx.bg === "energy" && !isEnergy(ctx.model)) ctx.bg = "density";
  ctx.arrows = getString("arrows", "model", ARROWS);
  ctx.n = getNumber("n", 400, { min: 1, max: 2000, integer: true });
  ctx.seed = getNumber("seed", 0, { min: 0, max: MAX_SEED, integer: true });
  ctx.annealed = getString("annealed") !== "0";
  ctx.firstLevel = level("first", 0);
  ctx.lastLevel = level("last", null);
  if (ctx.lastLevel !== null && ctx.lastLevel < ctx.firstLevel) ctx.firstLevel = ctx.lastLevel;
  ctx.spl = getNumber("spl", 40, { min: 1, max: 5000, integer: true });
  ctx.eps = getNumber("eps", null, { min: 1e-7, max: 1 });
  ctx.denoise = getString("denoise") !== "0";
}

// --- what changes what -------------------------------------------------------------------------
ctx.setLevel = (level) => {
  const value = Math.min(levelsOf(ctx.model) - 1, Math.max(0, level));
  if (value === ctx.level) return;
  ctx.level = value;
  writeUrl();
  field.refresh();
  errors();
};
ctx.setBackground = (bg) => {
  if (bg === "energy" && !isEnergy(ctx.model)) return;
  ctx.bg = bg;
  writeUrl();
  field.redraw();
};
ctx.setArrows = (arrows) => {
  ctx.arrows = arrows;
  writeUrl();
  field.redraw();
};
ctx.setSeed = (seed) => {
  ctx.seed = seed;
  writeUrl();
};
/** A Langevin setting changed: keep it, and run again if the particles have been started. */
function setChains(changes) {
  Object.assign(ctx, changes);
  writeUrl();
  particles.controls();
  if (started.has("particles")) particles.run();
}

function setModel(id) {
  const model = ctx.models.find((m) => m.id === id);
  if (!model || model === ctx.model) return;
  ctx.model = model;
  ctx.level = levelsOf(model) - 1;
  Object.assign(ctx, { firstLevel: 0, lastLevel: null, eps: null, data: null });
  if (ctx.bg === "energy" && !isEnergy(model)) ctx.bg = "density";
  writeUrl();
  about();
  field.refresh();
  errors();
  particles.controls();
  if (started.has("particles")) particles.run();
}

const nextModel = () => setModel(ctx.models[(ctx.models.indexOf(ctx.model) + 1) % ctx.models.length].id);
const cycle = (list, value, step = 1) => list[(list.indexOf(value) + step + list.length) % list.length];

function about() {
  const { config } = ctx.model.card;
  $("model").value = ctx.model.id;
  const n = config.sigmas.length;
  $("model-kind").textContent = n === 1 ? `one level, σ = ${Number(config.sigmas[0]).toPrecision(2)}`
    : `${n} levels, σ ${Number(config.sigmas[0]).toPrecision(2)} → ${Number(config.sigmas.at(-1)).toPrecision(2)}`;
  $("model-kind").dataset.kind = config.kind;
  $("model-about").textContent = ctx.model.description;
}

/** ③: the card's errors against σ, the level on screen marked; an EBM has one level, so no curve. */
function errors() {
  const rows = ctx.model.card.metrics?.error_by_density;
  const drawn = drawErrorChart($("error-chart"), rows, ctx.model.card.config.sigmas[ctx.level]);
  $("error-chart-note").textContent = drawn ? ""
    : `${ctx.model.id} has ${levelsOf(ctx.model) === 1 ? "a single noise level" : "no per-level errors on its card"}: `
      + "the curve needs a score network trained at many σ (pick an NCSN model, key m).";
  $("errors").dataset.model = ctx.model.id;
}

function wireModelPicker() {
  const select = $("model");
  const toys = [...new Set(ctx.models.map((m) => m.card.config.toy))];
  select.replaceChildren(...toys.map((toy) => {
    const group = document.createElement("optgroup");
    group.label = toy;
    group.append(...ctx.models.filter((m) => m.card.config.toy === toy).map((m) => {
      const option = new Option(`${toy} · ${KIND_NAMES[m.card.config.kind] || m.card.config.kind}`, m.id);
      option.title = m.description;
      return option;
    }));
    return group;
  }));
  select.addEventListener("change", () => setModel(select.value));
}

function wireChainControls() {
  const num = (id) => Number($(id).value);
  $("n").addEventListener("change", () => setChains({ n: num("n") }));
  $("seed").addEventListener("change", () => {
    const seed = Math.round(num("seed"));
    if (Number.isFinite(seed) && seed >= 0 && seed <= MAX_SEED) setChains({ seed });
    else $("seed").value = String(ctx.seed);
  });
  $("annealed").addEventListener("change", () => setChains({ annealed: $("annealed").checked }));
  $("first-level").addEventListener("change", () => setChains({ firstLevel: num("first-level") }));
  $("last-level").addEventListener("change", () => setChains({ lastLevel: num("last-level") }));
  $("spl").addEventListener("change", () => setChains({ spl: num("spl") }));
  $("eps").addEventListener("change", () => setChains({ eps: $("eps").value === "" ? null : num("eps") }));
  $("denoise").addEventListener("change", () => setChains({ denoise: $("denoise").checked }));
}

function shortcuts(nav) {
  installShortcuts([
    { keys: ["[", "]"], label: "noise level σ: larger / smaller", run: (e) => ctx.setLevel(ctx.level + (e.key === "]" ? 1 : -1)) },
    { keys: ["b"], label: "background: density → error → energy (EBM)",
      run: () => {
        const allowed = isEnergy(ctx.model) ? BACKGROUNDS : BACKGROUNDS.filter((b) => b !== "energy");
        ctx.setBackground(cycle(allowed, ctx.bg));
      } },
    { keys: ["e"], label: "arrows: model → exact → both", run: () => ctx.setArrows(cycle(ARROWS, ctx.arrows)) },
    { keys: ["m"], label: "next model", run: nextModel },
    { keys: ["Space"], match: (k) => k === " ", label: "particles: pause / play (replay when done)", run: () => particles.toggle() },
    { keys: ["r"], label: "particles: run again with a new seed", run: () => { started.add("particles"); particles.run({ newSeed: true }); } },
    { keys: ["a"], label: "annealed / plain Langevin", run: () => { if (!isEnergy(ctx.model)) setChains({ annealed: !ctx.annealed }); } },
    { keys: ["d"], label: "final denoising step on / off", run: () => { if (!isEnergy(ctx.model)) setChains({ denoise: !ctx.denoise }); } },
    { keys: [",", "."], label: "digits: previous / next held-out digit", run: (e) => digits?.step(e.key === "," ? -1 : 1) },
    { keys: ["c"], label: "digits: the digit's class (any → 0 → … → 9)", run: () => digits?.nextClass() },
    { keys: ["s"], label: "digits: new noise z", run: () => digits?.newNoise() },
    { keys: ["-", "+"], match: (k) => ["-", "+", "="].includes(k), label: "digits: fewer / more noise levels",
      run: (e) => digits?.moreLevels(e.key === "-" ? -1 : 1) },
    { keys: ["l"], label: "digits: tell both models the class, on / off", run: () => digits?.toggleLabel() },
    { keys: ["g"], label: "Langevin on digits: run", run: () => digitChains?.run() },
    { keys: ["G"], label: "Langevin on digits: new seed and run", run: () => digitChains?.run({ newSeed: true }) },
    { keys: ["x"], label: "Langevin on digits: stop", run: () => digitChains?.stop() },
    ...navShortcuts(nav, [
      [["1"], "idea", "the idea"],
      [["2"], "field", "the score field"],
      [["3"], "errors", "errors against σ"],
      [["4"], "particles", "Langevin particles"],
      [["5"], "digits", "digits: s = −ε/σ"],
      [["6"], "digit-langevin", "Langevin on digits"],
    ]),
  ]);
}

/** ⑤ and ⑥ need a score network on digits (and ⑤ a pixel diffusion model), not the 2-D models above. */
function startDigits(models) {
  const picked = pickDigitModels(models);
  $("digits-missing").textContent = picked.missing.length ? `${picked.missing.join("; ")}.` : "";
  $("digits-missing").hidden = !picked.missing.length;
  if (picked.ncsn && picked.ddpm) {
    digits = createDigits(picked);
    startWhenVisible({ digits: () => digits.start() }, started, { margin: "300px 0px" });
  } else {
    $("digits").querySelectorAll("button, input, select").forEach((c) => { c.disabled = true; });
  }
  if (picked.ncsn) digitChains = createDigitLangevin(picked.ncsn);
  else {
    $("digit-langevin").querySelectorAll("button, input, select").forEach((c) => { c.disabled = true; });
    $("dl-status").textContent = "No score network on digits is loaded (capability image_score): nothing to run.";
  }
}

async function main() {
  const nav = createSectionNav(SECTIONS);
  shortcuts(nav);
  nav.wire();
  const listing = await loadModels();
  if (!listing) return;
  startDigits(listing.models);
  ctx.models = listing.models.filter((m) => m.family === "score2d" && m.card?.config?.sigmas?.length);
  if (!ctx.models.length) {
    showError(null, "No score or energy model is loaded on this server (GET /api/models lists none with family "
      + "\"score2d\"): its checkpoint, checkpoints/score-8gaussians.json, is missing or failed to load (see /readyz).");
    return;
  }
  pickModel(ctx, listing.failed || [], DEFAULT_MODEL);
  readUrl();
  wireModelPicker();
  field = createField(ctx, { onShown: (out) => { ctx.data = out.data; } });
  particles = createParticles(ctx);
  wireChainControls();
  about();
  writeUrl();
  errors();
  particles.controls();
  field.refresh();
  startWhenVisible({ particles: () => particles.run() }, started, { margin: "200px 0px" });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
