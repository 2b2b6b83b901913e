// Diffusion explorer: the shared controls (model, seed, class), the context every section reads,
// keyboard shortcuts and section navigation. Each section lives in its own diffusion-*.js module.

import { api, showError } from "./api.js";
import { installShortcuts } from "./keys.js";
import { getNumber, getString, setState } from "./urlstate.js";
import { createDigitSource } from "./diffusion-digit.js";
import { createForward } from "./diffusion-forward.js";
import { createReverse } from "./diffusion-reverse.js";
import { createCompare } from "./diffusion-compare.js";
import { createInpaint } from "./diffusion-inpaint.js";
import { createInvert } from "./diffusion-invert.js";
import { createCard } from "./diffusion-card.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["forward", "reverse", "compare", "inpaint", "invert", "training"];
const MAX_SEED = 4294967295;
const DEFAULT_MODEL = "ddpm-mnist";

let heavyChain = Promise.resolve();

/** State every section reads. */
const ctx = {
  models: [],
  model: null,
  seed: 0,
  label: null, // null = no class (∅): the network runs unconditionally
  digit: null, // the x_0 of the forward process and the inversion (see diffusion-digit.js)
  held: null, // the chosen held-out digit (inpainting)
  sampler: null, // the reverse section's settings, shared with compare and inpaint
  conditional() {
    return this.model.capabilities.includes("conditional");
  },
  /**
   * Run expensive work (sampling, inpainting, inversion) one at a time, so that together with the
   * reverse stream at most two inference slots of the server are busy and nothing gets a 503.
   */
  heavy(task) {
    const run = heavyChain.then(task);
    heavyChain = run.catch(() => {});
    return run;
  },
};

let sections = {};
const started = new Set();

/** Tell the sections that have started what changed (those not yet on screen start later with the new state). */
function changed(what) {
  const run = (name, method = "refresh") => {
    if (started.has(name)) sections[name][method]();
  };
  if (what === "model") {
    run("forward", "modelChanged");
    for (const name of ["reverse", "compare", "inpaint", "invert", "training"]) run(name);
  } else if (what === "seed") {
    for (const name of ["forward", "reverse", "compare", "inpaint"]) run(name);
  } else if (what === "label") {
    for (const name of ["reverse", "compare"]) run(name);
    if (ctx.digit?.source !== "held") run("invert");
  } else if (what === "digit") {
    run("forward");
    run("invert");
  } else if (what === "held") {
    run("inpaint");
  } else if (what === "guidance") {
    run("compare");
  }
}

// --- controls ------------------------------------------------------------------------------------

function syncControls() {
  $("model").value = ctx.model.id;
  $("seed").value = ctx.seed;
  $("class-field").hidden = !ctx.conditional();
  $("class").value = ctx.label === null ? "" : String(ctx.label);
  setState({ model: ctx.model.id, seed: ctx.seed,
    class: ctx.conditional() ? ctx.label : null });
  sections.reverse?.syncControls();
}

function setModel(id) {
  const model = ctx.models.find((m) => m.id === id);
  if (!model || model === ctx.model) return;
  ctx.model = model;
  if (!ctx.conditional()) ctx.label = null;
  syncControls();
  changed("model");
}

function setSeed(seed) {
  const value = Math.min(MAX_SEED, Math.max(0, Math.round(Number(seed))));
  if (!Number.isFinite(value) || value === ctx.seed) return syncControls();
  ctx.seed = value;
  syncControls();
  changed("seed");
}

function setLabel(label) {
  if (!ctx.conditional()) {
    showError($("reverse"), `${ctx.model.id} is not class-conditional: it cannot be given a class.`);
    return;
  }
  const value = label === "" || label === null ? null : Number(label);
  if (value === ctx.label) return;
  ctx.label = value;
  syncControls();
  changed("label");
}

const newSeed = () => setSeed(Math.floor(Math.random() * 100000));

function wireControls() {
  const select = $("model");
  select.replaceChildren(...ctx.models.map((m) => {
    const option = new Option(m.id, m.id);
    option.title = m.title;
    return option;
  }));
  select.addEventListener("change", () => setModel(select.value));
  $("seed").addEventListener("change", (e) => setSeed(e.target.value));
  $("new-seed").addEventListener("click", newSeed);
  $("class").addEventListener("change", (e) => setLabel(e.target.value));
}

// --- sections ------------------------------------------------------------------------------------

let current = "forward";

function markSection(sec) {
  current = sec;
  document.querySelectorAll(".section-nav a").forEach((a) => {
    if (a.dataset.sec === sec) a.setAttribute("aria-current", "true");
    else a.removeAttribute("aria-current");
  });
}

function goTo(sec, { smooth = true } = {}) {
  const target = $(sec);
  if (!target) return;
  target.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
  setState({ sec });
  markSection(sec);
}

/**
 * Keep a linked section in place while the sections above it fill in and change height, until the
 * reader scrolls, clicks or types (or 8 s pass).
 */
function pinSection(sec) {
  const target = $(sec);
  const observer = new ResizeObserver(() => target.scrollIntoView({ block: "start" }));
  const release = () => {
    observer.disconnect();
    for (const type of ["wheel", "pointerdown", "keydown", "touchstart"]) window.removeEventListener(type, release, true);
  };
  observer.observe(document.querySelector("main"));
  for (const type of ["wheel", "pointerdown", "keydown", "touchstart"]) window.addEventListener(type, release, true);
  setTimeout(release, 8000);
}

function step(delta) {
  const i = Math.min(SECTIONS.length - 1, Math.max(0, SECTIONS.indexOf(current) + delta));
  goTo(SECTIONS[i]);
}

function wireNav() {
  document.querySelectorAll(".section-nav a").forEach((a) => a.addEventListener("click", (event) => {
    event.preventDefault();
    goTo(a.dataset.sec);
  }));
  // scrolling by hand selects the section crossing the upper third of the screen
  const observer = new IntersectionObserver((entries) => {
    const hit = entries.find((e) => e.isIntersecting);
    if (hit) {
      setState({ sec: hit.target.id });
      markSection(hit.target.id);
    }
  }, { rootMargin: "-30% 0px -65% 0px" });
  SECTIONS.forEach((id) => observer.observe($(id)));
}

/**
 * Start each section (its first requests) when it comes near the viewport; the costly comparison
 * only once a fifth of it is on screen, so opening a link to another section does not start it.
 */
function startWhenVisible(starters, { strict = [] } = {}) {
  const start = (entries, observer) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const name = entry.target.id;
      observer.unobserve(entry.target);
      if (started.has(name)) continue;
      started.add(name);
      starters[name]();
    }
  };
  const near = new IntersectionObserver(start, { rootMargin: "400px 0px" });
  const onScreen = new IntersectionObserver(start, { threshold: 0.2 });
  for (const name of Object.keys(starters)) (strict.includes(name) ? onScreen : near).observe($(name));
}

// --- keyboard ------------------------------------------------------------------------------------

/** The player the frame keys drive: inpainting's while that section is in view, else the reverse one. */
const activePlayer = () => (current === "inpaint" && sections.inpaint.player.count ? sections.inpaint.player : sections.reverse.player);

/** ← / → on a focused slider (t, η, w) move that slider, as the browser would; elsewhere they step frames. */
function arrow(event, delta) {
  const t = event.target;
  if (t instanceof HTMLInputElement && t.type === "range" && !t.dataset.act) {
    if (t.id === "fwd-t") return sections.forward.nudge(delta);
    t.value = String(Number(t.value) + delta * Number(t.step || 1));
    t.dispatchEvent(new Event("input", { bubbles: true }));
    t.dispatchEvent(new Event("change", { bubbles: true }));
    return undefined;
  }
  return delta < 0 ? activePlayer().back() : activePlayer().forward();
}

function shortcuts() {
  const jump = (keys, sec, name) => ({ keys, label: `jump to ${name}`, run: () => goTo(sec) });
  const coarse = () => Math.max(1, Math.round(sections.forward.T / 40));
  installShortcuts([
    { keys: ["Space"], label: "play / pause the frames", match: (k) => k === " ", run: () => activePlayer().toggle() },
    { keys: ["←", "→"], label: "previous / next frame", match: (k) => k === "ArrowLeft" || k === "ArrowRight",
      run: (e) => arrow(e, e.key === "ArrowLeft" ? -1 : 1) },
    { keys: ["Home", "End"], label: "first / last frame", match: (k) => k === "Home" || k === "End",
      run: (e) => (e.key === "Home" ? activePlayer().first() : activePlayer().last()) },
    { keys: ["[", "]"], label: "forward process: t down / up (by T/40)",
      run: (e) => sections.forward.nudge(e.key === "[" ? -coarse() : coarse()) },
    { keys: ["{", "}"], label: "forward process: t down / up by 1", run: (e) => sections.forward.nudge(e.key === "{" ? -1 : 1) },
    { keys: ["s"], label: "switch schedule (linear / cosine)", run: () => sections.forward.toggleSchedule() },
    { keys: ["o"], label: "other held-out digits", run: () => sections.digits.otherDigits() },
    { keys: [",", "."], label: "previous / next held-out digit", run: (e) => sections.digits.step(e.key === "," ? -1 : 1) },
    { keys: ["n"], label: "new seed", run: newSeed },
    { keys: ["0 … 9"], label: "pick that class", match: (k) => /^[0-9]$/.test(k), run: (e) => setLabel(Number(e.key)) },
    { keys: ["x"], label: "no class (∅, unconditional)", run: () => setLabel(null) },
    { keys: ["r"], label: "run the reverse process again", run: () => sections.reverse.start() },
    { keys: ["d"], label: "switch sampler (DDIM / DDPM)", run: () => sections.reverse.toggleSampler() },
    { keys: ["p"], label: "inpainting: fill in", run: () => sections.inpaint.run() },
    { keys: ["c"], label: "inpainting: clear the mask", run: () => sections.inpaint.clearMask() },
    { keys: ["m"], label: "next model", run: () => {
      const i = ctx.models.indexOf(ctx.model);
      setModel(ctx.models[(i + 1) % ctx.models.length].id);
    } },
    jump(["f"], "forward", "the forward process"),
    jump(["g"], "reverse", "the reverse process (generate)"),
    jump(["C"], "compare", "compare steps and guidance"),
    jump(["i"], "inpaint", "inpainting"),
    jump(["v"], "invert", "DDIM inversion"),
    jump(["t"], "training", "the model card"),
    { keys: ["j", "k"], label: "next / previous section", run: (e) => step(e.key === "j" ? 1 : -1) },
    { keys: ["h"], label: "home page (all families)", run: () => { window.location.href = "/"; } },
  ]);
}

// --- start ---------------------------------------------------------------------------------------

async function main() {
  let listing;
  try {
    listing = await api("/api/models");
  } catch (err) {
    showError(null, err);
    return;
  }
  ctx.models = listing.models.filter((m) => m.family === "diffusion");
  if (!ctx.models.length) {
    showError(null, "No diffusion model is loaded on this server yet (GET /api/models lists none with family \"diffusion\"). "
      + "ddpm-mnist appears once its training has written checkpoints/ddpm-mnist.json and the server has restarted.");
    return;
  }
  const wanted = getString("model", DEFAULT_MODEL);
  ctx.model = ctx.models.find((m) => m.id === wanted) || ctx.models.find((m) => m.id === DEFAULT_MODEL) || ctx.models[0];
  if (ctx.model.id !== wanted && getString("model")) {
    const failed = (listing.failed || []).find((f) => f.id === wanted);
    showError(null, `Model ${wanted} from the link is not loaded${failed ? ` (its checkpoint failed: ${failed.error})` : ""}; `
      + `showing ${ctx.model.id} instead.`);
  }
  ctx.seed = getNumber("seed", 0, { min: 0, max: MAX_SEED, integer: true });
  const label = getNumber("class", null, { min: 0, max: 9, integer: true });
  ctx.label = ctx.conditional() ? label : null;
  wireControls();
  sections = { digits: createDigitSource(ctx, { onChange: changed }) };
  sections.forward = createForward(ctx);
  sections.reverse = createReverse(ctx);
  sections.compare = createCompare(ctx);
  sections.inpaint = createInpaint(ctx);
  sections.invert = createInvert(ctx);
  sections.training = createCard(ctx);
  sections.reverse.onGuidance = () => changed("guidance");
  syncControls();
  shortcuts();
  wireNav();
  const digitsReady = sections.digits.init();
  const sec = getString("sec", null, SECTIONS);
  if (sec) {
    goTo(sec, { smooth: false });
    pinSection(sec);
  }
  const afterDigits = (fn) => () => digitsReady.then(fn);
  startWhenVisible({
    forward: afterDigits(() => sections.forward.init()),
    reverse: () => sections.reverse.start(),
    compare: () => sections.compare.refresh(),
    inpaint: afterDigits(() => sections.inpaint.refresh()),
    invert: afterDigits(() => sections.invert.refresh()),
    training: () => sections.training.refresh(),
  }, { strict: ["compare"] });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
