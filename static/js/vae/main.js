// VAE explorer: the shared controls (model, seed, class, temperature), the context every section
// reads, keyboard shortcuts, and section navigation. Each section lives in its own vae-*.js module.

import { post, showError } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { installShortcuts } from "../lib/keys.js";
import { loadPageModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getString, setState } from "../lib/urlstate.js";
import { createSamples } from "./samples.js";
import { createSliders } from "./sliders.js";
import { createInterp } from "./interp.js";
import { createMap } from "./map.js";
import { createDraw } from "./draw.js";
import { createReparam } from "./reparam.js";
import { createBeta } from "./beta.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["sample", "sliders", "interp", "map", "draw", "reparam", "beta"];
const SECTION_IDS = { samples: "sample", sliders: "sliders", interp: "interp", map: "map", reparam: "reparam", beta: "beta" };

/** State every section reads; `changed()` tells the sections what moved. */
const ctx = {
  models: [],
  model: null,
  seed: 0,
  label: null, // null = no class chosen (a conditional model then draws one per sample)
  temperature: 1,
  conditional() {
    return this.model.capabilities.includes("conditional");
  },
  /** The class a single-digit section conditions on: the chosen one, else the one the seed drew. */
  async singleLabel() {
    if (!this.conditional()) return undefined;
    if (this.label !== null) return this.label;
    return (await this.seedSample()).label;
  },
  /** The n=1 sample of the current seed/temperature/class: its latents[0] and label (cached). */
  seedSample() {
    const key = JSON.stringify([this.model.id, this.seed, this.label, this.temperature]);
    if (this._seedKey !== key) {
      this._seedKey = key;
      const body = { n: 1, seed: this.seed, temperature: this.temperature };
      if (this.label !== null && this.conditional()) body.label = this.label;
      this._seedPromise = post(this.model.id, "sample", body).then((out) => ({
        latent: out.latents[0], label: out.labels ? out.labels[0] : this.label,
      }));
      this._seedPromise.catch(() => { this._seedKey = null; });
    }
    return this._seedPromise;
  },
};

let sections = {};
const started = new Set();

/** Call a section's method only once it has started (sections start when scrolled near the viewport). */
function run(name, method) {
  if (started.has(name)) sections[name][method]();
}

function changed(what) {
  if (what !== "label") setState({ z: null }); // the sliders restart from the new sample's z
  run("samples", "refresh");
  run("sliders", what === "label" ? "refresh" : "reset");
  if (what === "model" || what === "label") {
    run("interp", "refresh");
    sections.draw.refresh();
  }
  if (what === "seed" || what === "temperature") run("beta", "refreshSamples");
}

const controls = createControls(ctx, changed, {
  notConditional: () => showError($("sample"), `${ctx.model.id} is not class-conditional: pick cvae-mnist to choose a class.`),
});
const { newSeed, setLabel, setTemperature } = controls;
const nav = createSectionNav(SECTIONS);
const { goTo } = nav;

function shortcuts() {
  installShortcuts([
    { keys: ["n"], label: "new seed", run: newSeed },
    { keys: ["t", "T"], label: "temperature down / up (by 0.1)",
      run: (e) => setTemperature(ctx.temperature + (e.key === "T" ? 0.1 : -0.1)) },
    { keys: ["0 … 9"], label: "pick that class (conditional model)", match: (key) => /^[0-9]$/.test(key),
      run: (e) => setLabel(Number(e.key)) },
    { keys: ["x"], label: "random class again", run: () => setLabel(null) },
    { keys: ["m"], label: "next model", run: controls.nextModel },
    { keys: ["r"], label: "reset the sliders to the seed's sample", run: () => sections.sliders.reset() },
    { keys: ["z"], label: "set all sliders to 0 (the prior mean)", run: () => sections.sliders.zero() },
    { keys: ["l"], label: "toggle lerp / slerp highlight", run: () => sections.interp.toggleMethod() },
    { keys: ["c"], label: "clear the drawing", run: () => sections.draw.clear() },
    { keys: ["a"], label: "draw ε again (reparameterization)", run: () => sections.reparam.again() },
    ...navShortcuts(nav, [
      [["g"], "sample", "the sample grid"],
      [["s"], "sliders", "the latent sliders"],
      [["i"], "interp", "interpolation"],
      [["p"], "map", "the 2-D latent map (plane)"],
      [["d"], "draw", "the drawing canvas"],
      [["b"], "beta", "the β comparison"],
    ]),
  ]);
}

async function main() {
  shortcuts();
  nav.wire();
  const listing = await loadPageModels(ctx, {
    which: (m) => m.family === "vae",
    missing: "No VAE model is loaded on this server yet (GET /api/models lists none with family \"vae\").",
    defaultId: "vae-mnist",
  });
  if (!listing) return;
  controls.readUrl();
  controls.wire();
  controls.sync();
  sections = {
    samples: createSamples(ctx),
    sliders: createSliders(ctx),
    interp: createInterp(ctx),
    map: createMap(listing.models),
    draw: createDraw(ctx),
    reparam: createReparam(ctx),
    beta: createBeta(ctx),
  };
  sections.samples.onEditLatent = (z, lab) => {
    sections.sliders.setLatent(z, lab);
    goTo("sliders");
  };
  ctx.pad = sections.draw.pad;
  const sec = getString("sec", null, SECTIONS);
  if (sec) goTo(sec, { smooth: false });
  startWhenVisible({
    samples: () => sections.samples.refresh(),
    sliders: () => sections.sliders.init(),
    interp: () => sections.interp.init(),
    map: () => sections.map.init(),
    reparam: () => sections.reparam.init(),
    beta: () => sections.beta.init(),
  }, started, { ids: SECTION_IDS });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
