// Normalizing flow explorer: the shared controls (model, seed, temperature), the chosen digit that
// sections ② ③ ⑤ follow, keyboard shortcuts and section navigation. One module per section.

import { createControls } from "../lib/controls.js";
import { createDigitSource, digitSourceShortcuts } from "../lib/digit-source.js";
import { installShortcuts } from "../lib/keys.js";
import { createLikelihoodPanel } from "../lib/likelihood-panel.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getString } from "../lib/urlstate.js";
import { createSamples } from "./samples.js";
import { createLayers } from "./layers.js";
import { createRoundTrip } from "./roundtrip.js";
import { createInterp } from "./interp.js";
import { createTypical } from "./typical.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["sample", "layers", "roundtrip", "interp", "likelihood"];
const DEFAULT_MODEL = "flow-mnist";

/** State every section reads. */
const ctx = {
  models: [],
  model: null,
  seed: 0,
  label: null,
  temperature: 0.7,
  digit: null, // the digit ② ③ ⑤ follow: {kind, image, src, label, caption} (lib/digit-source.js)
  source: null,
  conditional: () => false,
};

let sections = {};
const started = new Set();
const run = (name) => { if (started.has(name)) sections[name].refresh(); };

function changed(what) {
  if (what === "digit") {
    for (const name of ["layers", "roundtrip", "interp", "likelihood"]) run(name);
    return;
  }
  run("samples");
  run("interp");
  if (what === "model") for (const name of ["layers", "roundtrip", "likelihood"]) run(name);
}

const controls = createControls(ctx, changed, { tempDefault: 0.7, tempMax: 1.2 });
const { newSeed, setTemperature } = controls;
const nav = createSectionNav(SECTIONS);

function shortcuts() {
  installShortcuts([
    { keys: ["n"], label: "new seed", run: newSeed },
    { keys: ["t", "T"], label: "temperature down / up (by 0.1)",
      run: (e) => setTemperature(ctx.temperature + (e.key === "T" ? 0.1 : -0.1)) },
    { keys: ["m"], label: "next model", run: controls.nextModel },
    ...digitSourceShortcuts(() => ctx.source),
    { keys: ["l"], label: "interpolation: toggle lerp / slerp", run: () => sections.interp?.toggleMethod() },
    ...navShortcuts(nav, [
      [["g"], "sample", "the samples"],
      [["y"], "layers", "x → z layer by layer"],
      [["R"], "roundtrip", "the round trip"],
      [["i"], "interp", "interpolation"],
      [["L"], "likelihood", "likelihood and typicality"],
    ]),
  ]);
}

async function main() {
  shortcuts();
  nav.wire();
  const listing = await loadPageModels(ctx, {
    which: (m) => m.family === "flow",
    missing: "No normalizing flow is loaded on this server (GET /api/models lists none with family \"flow\"): "
      + "its checkpoint, checkpoints/flow-mnist.json, is missing or failed to load (see /readyz).",
    defaultId: DEFAULT_MODEL,
  });
  if (!listing) return;
  controls.readUrl();
  controls.wire();
  controls.sync();
  ctx.source = createDigitSource($("digit-source"), {
    idPrefix: "flow-src",
    onChange: (d) => {
      ctx.digit = d;
      changed("digit");
    },
  });
  const panel = createLikelihoodPanel($("lik-panel"), listing.models, { own: ctx.model.id });
  const typical = createTypical(ctx);
  sections = {
    samples: createSamples(ctx),
    layers: createLayers(ctx),
    roundtrip: createRoundTrip(ctx),
    interp: createInterp(ctx),
    likelihood: { refresh: () => { panel.show(ctx.digit); typical.refresh(); } },
  };
  const digitReady = ctx.source.init().then((d) => { ctx.digit = d; });
  const sec = getString("sec", null, SECTIONS);
  if (sec) nav.goTo(sec, { smooth: false });
  const after = (fn) => () => digitReady.then(fn);
  startWhenVisible({
    samples: () => sections.samples.refresh(),
    layers: after(() => sections.layers.refresh()),
    roundtrip: after(() => sections.roundtrip.refresh()),
    interp: after(() => sections.interp.refresh()),
    likelihood: after(() => sections.likelihood.refresh()),
  }, started, { ids: { samples: "sample" }, margin: "300px 0px" });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
