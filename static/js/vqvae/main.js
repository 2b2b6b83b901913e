// VQ-VAE explorer (/vqvae): the shared state (model, seed, class, temperature, the picked code), kept in
// the URL and restored on load; keyboard shortcuts; section navigation. One module per section:
// codebook.js (①), tokens.js (②), writer.js (③, over stream.js), samples.js (④); tokengrid.js draws
// the 7 x 7 grids of ② and ③.

import { showError } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { createDigitSource, digitSourceShortcuts } from "../lib/digit-source.js";
import { installShortcuts } from "../lib/keys.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getNumber, setState } from "../lib/urlstate.js";
import { createCodebook } from "./codebook.js";
import { createSamples } from "./samples.js";
import { createTokens } from "./tokens.js";
import { createWriter } from "./writer.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["codebook", "tokens", "writer", "samples"];
const DEFAULT_MODEL = "vqvae-mnist";
const T_MIN = 0.1; // the stream needs T > 0
const T_MAX = 2;
const CLASSES = [null, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

const ctx = {
  models: [], model: null, seed: 0, label: null, temperature: 1,
  code: null, // the code picked in ①, outlined in ② and ③
  digit: null, source: null, codebook: null,
  conditional() {
    return this.model.capabilities.includes("conditional");
  },
};
let sections = {};
const started = new Set();
const run = (name) => { if (started.has(name)) sections[name].refresh(); };

function changed(what) {
  if (what === "model") {
    ctx.code = null;
    setState({ code: null });
    sections.tokens.sync();
    for (const name of ["codebook", "tokens"]) run(name);
  }
  sections.writer.refresh(); // only if a writing was started
  run("samples");
}

const controls = createControls(ctx, changed, {
  tempMax: T_MAX,
  notConditional: () => showError($("writer"), `${ctx.model.id} is not class-conditional: it cannot be given a class.`),
});

ctx.pickCode = (code) => {
  ctx.code = code;
  setState({ code });
  ctx.codebook.marked();
  sections.tokens.highlight(code);
  sections.writer.highlight(code);
};

const setTemperature = (t) => controls.setTemperature(Math.min(T_MAX, Math.max(T_MIN, t)));
const stepClass = (delta) => {
  const i = CLASSES.indexOf(ctx.label);
  controls.setLabel(CLASSES[(i + delta + CLASSES.length) % CLASSES.length]);
};

function shortcuts(nav) {
  installShortcuts([
    { keys: ["Enter"], label: "the prior: write a digit (again, same seed)", run: () => sections.writer?.start() },
    { keys: ["Space"], label: "the prior: pause / play (write when stopped)", match: (k) => k === " ",
      run: () => sections.writer?.toggle() },
    { keys: ["r"], label: "the prior: new seed, then write", run: () => {
      controls.newSeed();
      if (sections.writer?.idle()) sections.writer.start();
    } },
    { keys: ["←", "→"], label: "class: previous / next (random, 0 … 9)", match: (k) => k === "ArrowLeft" || k === "ArrowRight",
      run: (e) => stepClass(e.key === "ArrowRight" ? 1 : -1) },
    { keys: ["0 … 9"], label: "pick that class", match: (k) => /^[0-9]$/.test(k), run: (e) => controls.setLabel(Number(e.key)) },
    { keys: ["x"], label: "random class", run: () => controls.setLabel(null) },
    { keys: ["[", "]"], label: "temperature T: lower / higher", run: (e) => setTemperature(ctx.temperature + (e.key === "]" ? 0.1 : -0.1)) },
    { keys: ["n"], label: "new seed", run: controls.newSeed },
    { keys: ["m"], label: "next model", run: controls.nextModel },
    ...digitSourceShortcuts(() => ctx.source),
    ...navShortcuts(nav, [
      [["b"], "codebook", "the codebook"],
      [["t"], "tokens", "a digit's token map"],
      [["w"], "writer", "the prior writing token by token"],
      [["s"], "samples", "sixteen samples"],
    ]),
  ]);
}

async function main() {
  const nav = createSectionNav(SECTIONS);
  shortcuts(nav);
  nav.wire();
  const listing = await loadPageModels(ctx, {
    which: (m) => m.capabilities.includes("codebook"),
    missing: "No VQ-VAE is loaded on this server (GET /api/models lists none that can show a codebook): "
      + "its checkpoint, checkpoints/vqvae-mnist.json, is missing or failed to load (see /readyz).",
    defaultId: DEFAULT_MODEL,
  });
  if (!listing) return;
  controls.readUrl();
  ctx.temperature = Math.max(T_MIN, ctx.temperature);
  ctx.code = getNumber("code", null, { min: 0, max: 4095, integer: true });
  controls.wire();
  controls.sync();
  ctx.codebook = createCodebook(ctx);
  ctx.source = createDigitSource($("digit-source"), {
    idPrefix: "vq-src",
    onChange: (d) => {
      ctx.digit = d;
      run("tokens");
    },
  });
  sections = {
    codebook: ctx.codebook,
    tokens: createTokens(ctx),
    writer: createWriter(ctx),
    samples: createSamples(ctx),
  };
  sections.tokens.sync();
  ctx.codebook.marked();
  const digitReady = ctx.source.init().then((d) => { ctx.digit = d; });
  started.add("codebook"); // at once: ② and ③ show its pictures and its K
  ctx.codebook.refresh();
  startWhenVisible({
    tokens: () => digitReady.then(() => sections.tokens.refresh()),
    writer: () => { if (sections.writer.idle()) sections.writer.start(); },
    samples: () => sections.samples.refresh(),
  }, started, { margin: "200px 0px" });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
