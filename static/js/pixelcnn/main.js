// PixelCNN explorer: the shared controls (model, seed, class), the chosen digit that sections ② ③ ④
// follow, keyboard shortcuts and section navigation. One module per section.

import { showError } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { createDigitSource, digitSourceShortcuts } from "../lib/digit-source.js";
import { installShortcuts } from "../lib/keys.js";
import { createLikelihoodPanel } from "../lib/likelihood-panel.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getString } from "../lib/urlstate.js";
import { createStream } from "./stream.js";
import { createComplete } from "./complete.js";
import { createHeatmap } from "./heatmap.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["stream", "complete", "heatmap", "likelihood"];
const DEFAULT_MODEL = "pixelcnn-mnist";

/** State every section reads. */
const ctx = {
  models: [],
  model: null,
  seed: 0,
  label: null, // null = a random class (the server draws one)
  digit: null, // the digit ② ④ follow (lib/digit-source.js); ③ shows the drawing and the real digit
  source: null,
  conditional() {
    return this.model.capabilities.includes("conditional");
  },
};

let sections = {};
const started = new Set();
const run = (name) => { if (started.has(name)) sections[name].refresh(); };

function changed(what) {
  if (what === "digit") {
    // the quick answers first: a page holds two requests at a time, and a completion takes many passes
    for (const name of ["heatmap", "likelihood", "complete"]) run(name);
    return;
  }
  run("stream");
  run("complete");
  if (what === "model") for (const name of ["heatmap", "likelihood"]) run(name);
}

const controls = createControls(ctx, changed, {
  temperature: false,
  notConditional: () => showError($("stream"), `${ctx.model.id} is not class-conditional: it cannot be given a class.`),
});
const { newSeed, setLabel } = controls;
const nav = createSectionNav(SECTIONS);

function shortcuts() {
  installShortcuts([
    { keys: ["Space"], label: "sampling: pause / play", match: (k) => k === " ", run: () => sections.stream?.toggle() },
    { keys: ["→"], label: "sampling: next pixel (while paused)", match: (k) => k === "ArrowRight", run: () => sections.stream?.step() },
    { keys: ["s"], label: "sampling: stop (the server stops too)", run: () => sections.stream?.stop() },
    { keys: ["r"], label: "sampling: sample again", run: () => sections.stream?.start() },
    { keys: ["n"], label: "new seed", run: newSeed },
    { keys: ["0 … 9"], label: "pick that class", match: (k) => /^[0-9]$/.test(k), run: (e) => setLabel(Number(e.key)) },
    { keys: ["x"], label: "random class again", run: () => setLabel(null) },
    { keys: ["m"], label: "next model", run: controls.nextModel },
    { keys: ["p"], label: "completion: complete again", run: () => sections.complete?.refresh() },
    ...digitSourceShortcuts(() => ctx.source),
    ...navShortcuts(nav, [
      [["g"], "stream", "sampling pixel by pixel"],
      [["f"], "complete", "completion (fill in)"],
      [["v"], "heatmap", "the heat map and class posterior"],
      [["L"], "likelihood", "the likelihood under every model"],
    ]),
  ]);
}

async function main() {
  shortcuts();
  nav.wire();
  const listing = await loadPageModels(ctx, {
    which: (m) => m.family === "autoregressive",
    missing: "No PixelCNN is loaded on this server (GET /api/models lists none with family \"autoregressive\"): "
      + "its checkpoint, checkpoints/pixelcnn-mnist.json, is missing or failed to load (see /readyz).",
    defaultId: DEFAULT_MODEL,
  });
  if (!listing) return;
  controls.readUrl();
  controls.wire();
  controls.sync();
  ctx.source = createDigitSource($("digit-source"), {
    idPrefix: "pc-src",
    bothVisible: true,
    onChange: (d) => {
      ctx.digit = d;
      changed("digit");
    },
  });
  const panel = createLikelihoodPanel($("lik-panel"), listing.models, { own: ctx.model.id });
  sections = {
    stream: createStream(ctx),
    complete: createComplete(ctx),
    heatmap: createHeatmap(ctx),
    likelihood: { refresh: () => panel.show(ctx.digit) },
  };
  const digitReady = ctx.source.init().then((d) => { ctx.digit = d; });
  const sec = getString("sec", null, SECTIONS);
  if (sec) nav.goTo(sec, { smooth: false });
  const after = (fn) => () => digitReady.then(fn);
  startWhenVisible({
    stream: () => sections.stream.start(),
    complete: after(() => sections.complete.refresh()),
    heatmap: after(() => sections.heatmap.refresh()),
    likelihood: after(() => sections.likelihood.refresh()),
  }, started, { margin: "300px 0px" });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
