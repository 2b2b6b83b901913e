// Diffusion explorer: the shared controls (model, seed, class), the context every section reads,
// keyboard shortcuts and section navigation. Each section lives in its own diffusion-*.js module.

import { showError } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { installShortcuts } from "../lib/keys.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getString } from "../lib/urlstate.js";
import { createDigitSource } from "./digit.js";
import { createForward } from "./forward.js";
import { createReverse } from "./reverse.js";
import { createCompare } from "./compare.js";
import { createInpaint } from "./inpaint.js";
import { createInvert } from "./invert.js";
import { createCard } from "./card.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["forward", "reverse", "compare", "inpaint", "invert", "training"];
const DEFAULT_MODEL = "ddpm-mnist";

let heavyChain = Promise.resolve();

/** State every section reads. */
const ctx = {
  models: [],
  model: null,
  seed: 0,
  label: null, // null = no class (∅): the network runs unconditionally
  digit: null, // the x_0 of the forward process and the inversion (see diffusion/digit.js)
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

// --- controls and sections ----------------------------------------------------------------------

const controls = createControls(ctx, changed, {
  temperature: false,
  optionTitle: true,
  notConditional: () => showError($("reverse"), `${ctx.model.id} is not class-conditional: it cannot be given a class.`),
  afterSync: () => sections.reverse?.syncControls(),
});
const { newSeed, setLabel } = controls;
const nav = createSectionNav(SECTIONS);
const { goTo } = nav;

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

// --- keyboard ------------------------------------------------------------------------------------

/** The player the frame keys drive: inpainting's while that section is in view, else the reverse one. */
const activePlayer = () => (nav.current() === "inpaint" && sections.inpaint.player.count ? sections.inpaint.player : sections.reverse.player);

function shortcuts() {
  const coarse = () => Math.max(1, Math.round(sections.forward.T / 40));
  installShortcuts([
    { keys: ["Space"], label: "play / pause the frames", match: (k) => k === " ", run: () => activePlayer().toggle() },
    { keys: ["←", "→"], label: "previous / next frame", match: (k) => k === "ArrowLeft" || k === "ArrowRight",
      run: (e) => (e.key === "ArrowLeft" ? activePlayer().back() : activePlayer().forward()) },
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
    { keys: ["d"], label: "next sampler (DDIM / DDPM / SDE / ODE / Langevin)", run: () => sections.reverse.toggleSampler() },
    { keys: ["p"], label: "inpainting: fill in", run: () => sections.inpaint.run() },
    { keys: ["c"], label: "inpainting: clear the mask", run: () => sections.inpaint.clearMask() },
    { keys: ["m"], label: "next model", run: controls.nextModel },
    ...navShortcuts(nav, [
      [["f"], "forward", "the forward process"],
      [["g"], "reverse", "the reverse process (generate)"],
      [["C"], "compare", "compare steps and guidance"],
      [["i"], "inpaint", "inpainting"],
      [["v"], "invert", "DDIM inversion"],
      [["t"], "training", "the model card"],
    ]),
  ]);
}

// --- start ---------------------------------------------------------------------------------------

async function main() {
  const listing = await loadPageModels(ctx, {
    which: (m) => m.family === "diffusion",
    missing: "No diffusion model is loaded on this server yet (GET /api/models lists none with family \"diffusion\"). "
      + "ddpm-mnist appears once its training has written checkpoints/ddpm-mnist.json and the server has restarted.",
    defaultId: DEFAULT_MODEL,
  });
  if (!listing) return;
  ctx.latentModels = listing.models.filter((m) => m.family === "latent_diffusion"); // compared in ③, not picked
  controls.readUrl();
  controls.wire();
  sections = { digits: createDigitSource(ctx, { onChange: changed }) };
  sections.forward = createForward(ctx);
  sections.reverse = createReverse(ctx);
  sections.compare = createCompare(ctx);
  sections.inpaint = createInpaint(ctx);
  sections.invert = createInvert(ctx);
  sections.training = createCard(ctx);
  sections.reverse.onGuidance = () => changed("guidance");
  controls.sync();
  shortcuts();
  nav.wire();
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
  }, started, { margin: "400px 0px", strict: ["compare"] });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
