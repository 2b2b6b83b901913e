// GAN explorer: the shared controls (model, seed, class, truncation T), the context every section
// reads, keyboard shortcuts and section navigation. Each section lives in its own gan-*.js module.

import { post, showError } from "../lib/api.js";
import { createControls } from "../lib/controls.js";
import { installShortcuts } from "../lib/keys.js";
import { loadModels, navShortcuts, pickModel } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getString, setState } from "../lib/urlstate.js";
import { createSamples } from "./samples.js";
import { createInterp } from "./interp.js";
import { createSliders } from "./sliders.js";
import { createFilm } from "./film.js";
import { createCollapse } from "./collapse.js";
import { createJudge } from "./judge.js";
import { createProject } from "./project.js";
import { createCards } from "./cards.js";
import { SHIPPED } from "./losses.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["sample", "interp", "sliders", "film", "collapse", "judge", "project", "cards"];
const N = 64;

/** State every section reads; `changed()` tells the sections what moved. */
const ctx = {
  models: [], // loaded GANs
  failed: [], // checkpoints the server could not load
  model: null,
  seed: 0,
  label: null, // null = no class chosen (a conditional model then draws one per sample)
  temperature: 1,
  conditional(model = this.model) {
    return Boolean(model?.capabilities.includes("conditional"));
  },
  /** The 64-digit sample of the current model/seed/class/T (one request, shared by grid and sliders). */
  grid() {
    const key = JSON.stringify([this.model.id, this.seed, this.label, this.temperature]);
    if (this._gridKey !== key) {
      this._gridKey = key;
      const body = { n: N, seed: this.seed, temperature: this.temperature };
      if (this.label !== null && this.conditional()) body.label = this.label;
      this._grid = post(this.model.id, "sample", body).then((out) => ({ ...out, key }));
      this._grid.catch(() => { this._gridKey = null; });
    }
    return this._grid;
  },
  /** The class a single-latent section conditions on: the chosen one, else the one the seed's first digit drew. */
  async singleLabel() {
    if (!this.conditional()) return undefined;
    if (this.label !== null) return this.label;
    return (await this.grid()).labels?.[0] ?? 0;
  },
};

let sections = {};
const started = new Set();

function run(name, method, ...args) {
  if (started.has(name)) sections[name][method](...args);
}

function changed(what) {
  if (what !== "label") setState({ z: null }); // the sliders restart from the new sample's z
  run("samples", "refresh");
  run("sliders", what === "label" ? "refresh" : "reset");
  if (!started.has("sliders")) sections.sliders.invalidate();
  if (what === "model" || what === "label") {
    run("interp", "refresh");
    run("project", "refresh");
  }
  if (what === "model") {
    sections.film.follow(ctx.model.id);
    sections.judge.follow(ctx.model.id);
  }
  if (what === "seed") run("collapse", "refresh");
}

const controls = createControls(ctx, changed, {
  notConditional() {
    const cgan = ctx.models.find((m) => ctx.conditional(m));
    showError($("sample"), `${ctx.model.id} is not class-conditional: `
      + (cgan ? `pick ${cgan.id} to choose a class.` : "no class-conditional GAN is loaded yet."));
  },
});
const { newSeed, setLabel, setTemperature } = controls;
const nav = createSectionNav(SECTIONS);
const { goTo } = nav;

function shortcuts() {
  const ifReady = (fn) => (e) => { if (ctx.model) fn(e); };
  installShortcuts([
    { keys: ["n"], label: "new seed", run: ifReady(newSeed) },
    { keys: ["t", "T"], label: "truncation T down / up (by 0.1)",
      run: ifReady((e) => setTemperature(ctx.temperature + (e.key === "T" ? 0.1 : -0.1))) },
    { keys: ["0 … 9"], label: "pick that class (cgan-mnist)", match: (key) => /^[0-9]$/.test(key),
      run: ifReady((e) => setLabel(Number(e.key))) },
    { keys: ["x"], label: "random class again", run: ifReady(() => setLabel(null)) },
    { keys: ["m"], label: "next model", run: ifReady(controls.nextModel) },
    { keys: ["l"], label: "toggle lerp / slerp highlight", run: () => sections.interp?.toggleMethod() },
    { keys: ["r"], label: "reset the sliders to the sample", run: () => sections.sliders?.reset() },
    { keys: ["z"], label: "set all sliders to 0", run: () => sections.sliders?.zero() },
    { keys: ["space"], label: "play / pause the training film", match: (key) => key === " ",
      run: () => sections.film?.togglePlay() },
    { keys: ["←", "→"], label: "previous / next film frame", match: (key) => key === "ArrowLeft" || key === "ArrowRight",
      run: (e) => sections.film?.step(e.key === "ArrowRight" ? 1 : -1) },
    { keys: ["c"], label: "clear the drawing", run: () => sections.judge?.clear() },
    { keys: ["R"], label: "let D judge a held-out real digit", run: () => sections.judge?.real() },
    { keys: ["G"], label: "let D judge a GAN sample", run: () => sections.judge?.fake() },
    { keys: ["A", "B"], label: "a held-out real digit as end A / B of the projection", run: (e) => sections.project?.real(e.key.toLowerCase()) },
    ...navShortcuts(nav, [
      [["g"], "sample", "the sample grid"],
      [["i"], "interp", "interpolation"],
      [["s"], "sliders", "the latent sliders"],
      [["f"], "film", "the training film"],
      [["o"], "collapse", "mode collapse"],
      [["d"], "judge", "what does D think?"],
      [["p"], "project", "placing a digit in the latent space"],
      [["a"], "cards", "all model cards"],
    ]),
  ]);
}

function noModels(listing) {
  const failed = (listing.failed || []).filter((f) => SHIPPED.includes(f.id));
  showError(null, "No GAN is loaded on this server yet: the shipped ones (" + SHIPPED.join(", ")
    + ") appear in checkpoints/ when their training finishes; restart the server to load them."
    + (failed.length ? ` Failed to load: ${failed.map((f) => `${f.id} (${f.error})`).join("; ")}.` : ""));
  for (const id of ["controls", "sample", "interp", "sliders", "film", "judge", "project"]) $(id).hidden = true;
}

async function main() {
  shortcuts();
  nav.wire();
  const listing = await loadModels();
  if (!listing) return;
  ctx.models = listing.models.filter((m) => m.family === "gan")
    .sort((a, b) => (SHIPPED.indexOf(a.id) + 1 || 99) - (SHIPPED.indexOf(b.id) + 1 || 99));
  ctx.failed = listing.failed || [];
  sections.collapse = createCollapse(ctx);
  sections.cards = createCards(ctx);
  if (!ctx.models.length) {
    noModels(listing);
    sections.collapse.init();
    sections.cards.init();
    document.body.dataset.ready = "true";
    return;
  }
  pickModel(ctx, ctx.failed, SHIPPED[0], (wanted) => (SHIPPED.includes(wanted) ? " (not trained yet)" : ""));
  controls.readUrl();
  controls.wire();
  controls.sync();
  Object.assign(sections, {
    samples: createSamples(ctx),
    interp: createInterp(ctx),
    sliders: createSliders(ctx),
    film: createFilm(ctx),
    judge: createJudge(ctx),
    project: createProject(ctx, listing.models),
  });
  sections.samples.onEditLatent = (z, lab) => {
    sections.sliders.setLatent(z, lab);
    goTo("sliders");
  };
  sections.sliders.onChange = () => sections.interp.sliderChanged();
  ctx.sliderLatent = () => sections.sliders.latent();
  ctx.cell = () => sections.samples.cell();
  const sec = getString("sec", null, SECTIONS);
  if (sec) goTo(sec, { smooth: false });
  startWhenVisible({
    samples: () => sections.samples.refresh(),
    interp: () => sections.interp.init(),
    sliders: () => sections.sliders.init(),
    film: () => sections.film.init(),
    collapse: () => sections.collapse.init(),
    judge: () => sections.judge.init(),
    project: () => sections.project.init(),
    cards: () => sections.cards.init(),
  }, started, { ids: { samples: "sample" } });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
