// VAE explorer: the shared controls (model, seed, class, temperature), the context every section
// reads, keyboard shortcuts, and section navigation. Each section lives in its own vae-*.js module.

import { api, post, showError } from "./api.js";
import { installShortcuts } from "./keys.js";
import { getNumber, getString, round, setState } from "./urlstate.js";
import { createSamples } from "./vae-samples.js";
import { createSliders } from "./vae-sliders.js";
import { createInterp } from "./vae-interp.js";
import { createMap } from "./vae-map.js";
import { createDraw } from "./vae-draw.js";
import { createBeta } from "./vae-beta.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["sample", "sliders", "interp", "map", "draw", "beta"];
const SECTION_IDS = { samples: "sample", sliders: "sliders", interp: "interp", map: "map", beta: "beta" };
const MAX_SEED = 4294967295;

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

/**
 * Start each section (its first requests) when it comes within a screen of the viewport, so opening
 * the page does not ask a small server for every picture at once.
 */
function startWhenVisible(starters) {
  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const name = entry.target.dataset.section;
      observer.unobserve(entry.target);
      if (started.has(name)) continue;
      started.add(name);
      starters[name]();
    }
  }, { rootMargin: "600px 0px" });
  for (const name of Object.keys(starters)) {
    const target = $(SECTION_IDS[name]);
    target.dataset.section = name;
    observer.observe(target);
  }
}

// --- controls ------------------------------------------------------------------------------------

function syncControls() {
  $("model").value = ctx.model.id;
  $("seed").value = ctx.seed;
  $("class-field").hidden = !ctx.conditional();
  $("class").value = ctx.label === null ? "" : String(ctx.label);
  $("temp").value = ctx.temperature;
  $("temp-out").textContent = ctx.temperature.toFixed(2);
  setState({ model: ctx.model.id, seed: ctx.seed, class: ctx.conditional() ? ctx.label : null,
    temp: round(ctx.temperature, 2) });
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
    showError($("sample"), `${ctx.model.id} is not class-conditional: pick cvae-mnist to choose a class.`);
    return;
  }
  const value = label === "" || label === null ? null : Number(label);
  if (value === ctx.label) return;
  ctx.label = value;
  syncControls();
  changed("label");
}

function setTemperature(t) {
  const value = round(Math.min(3, Math.max(0, t)), 2);
  if (value === ctx.temperature) return syncControls();
  ctx.temperature = value;
  syncControls();
  changed("temperature");
}

function newSeed() {
  setSeed(Math.floor(Math.random() * 100000));
}

function wireControls() {
  const select = $("model");
  select.replaceChildren(...ctx.models.map((m) => new Option(m.id, m.id)));
  select.addEventListener("change", () => setModel(select.value));
  $("seed").addEventListener("change", (e) => setSeed(e.target.value));
  $("new-seed").addEventListener("click", newSeed);
  $("class").addEventListener("change", (e) => setLabel(e.target.value));
  $("temp").addEventListener("input", (e) => { $("temp-out").textContent = Number(e.target.value).toFixed(2); });
  $("temp").addEventListener("change", (e) => setTemperature(Number(e.target.value)));
}

// --- sections ------------------------------------------------------------------------------------

function goTo(sec, { smooth = true } = {}) {
  const target = $(sec);
  if (!target) return;
  target.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
  setState({ sec });
  markSection(sec);
}

function markSection(sec) {
  document.querySelectorAll(".section-nav a").forEach((a) => {
    if (a.dataset.sec === sec) a.setAttribute("aria-current", "true");
    else a.removeAttribute("aria-current");
  });
}

function step(delta) {
  const current = getString("sec", "sample", SECTIONS);
  const i = Math.min(SECTIONS.length - 1, Math.max(0, SECTIONS.indexOf(current) + delta));
  goTo(SECTIONS[i]);
}

function wireNav() {
  document.querySelectorAll(".section-nav a").forEach((a) => a.addEventListener("click", (event) => {
    event.preventDefault();
    goTo(a.dataset.sec);
  }));
  // scrolling by hand also selects the section crossing the upper third of the screen
  const observer = new IntersectionObserver((entries) => {
    const hit = entries.find((e) => e.isIntersecting);
    if (hit) {
      setState({ sec: hit.target.id });
      markSection(hit.target.id);
    }
  }, { rootMargin: "-30% 0px -65% 0px" });
  SECTIONS.forEach((id) => observer.observe($(id)));
}

function shortcuts() {
  const jump = (keys, sec, name) => ({ keys, label: `jump to ${name}`, run: () => goTo(sec) });
  installShortcuts([
    { keys: ["n"], label: "new seed", run: newSeed },
    { keys: ["t", "T"], label: "temperature down / up (by 0.1)",
      run: (e) => setTemperature(ctx.temperature + (e.key === "T" ? 0.1 : -0.1)) },
    { keys: ["0 … 9"], label: "pick that class (conditional model)", match: (key) => /^[0-9]$/.test(key),
      run: (e) => setLabel(Number(e.key)) },
    { keys: ["x"], label: "random class again", run: () => setLabel(null) },
    { keys: ["m"], label: "next model", run: () => {
      const i = ctx.models.indexOf(ctx.model);
      setModel(ctx.models[(i + 1) % ctx.models.length].id);
    } },
    { keys: ["r"], label: "reset the sliders to the seed's sample", run: () => sections.sliders.reset() },
    { keys: ["z"], label: "set all sliders to 0 (the prior mean)", run: () => sections.sliders.zero() },
    { keys: ["l"], label: "toggle lerp / slerp highlight", run: () => sections.interp.toggleMethod() },
    { keys: ["c"], label: "clear the drawing", run: () => sections.draw.clear() },
    jump(["g"], "sample", "the sample grid"),
    jump(["s"], "sliders", "the latent sliders"),
    jump(["i"], "interp", "interpolation"),
    jump(["p"], "map", "the 2-D latent map (plane)"),
    jump(["d"], "draw", "the drawing canvas"),
    jump(["b"], "beta", "the β comparison"),
    { keys: ["j", "k"], label: "next / previous section", run: (e) => step(e.key === "j" ? 1 : -1) },
    { keys: ["h"], label: "home page (all families)", run: () => { window.location.href = "/"; } },
  ]);
}

async function main() {
  shortcuts();
  wireNav();
  let listing;
  try {
    listing = await api("/api/models");
  } catch (err) {
    showError(null, err);
    return;
  }
  ctx.models = listing.models.filter((m) => m.family === "vae");
  if (!ctx.models.length) {
    showError(null, "No VAE model is loaded on this server yet (GET /api/models lists none with family \"vae\").");
    return;
  }
  const wanted = getString("model", "vae-mnist");
  ctx.model = ctx.models.find((m) => m.id === wanted) || ctx.models.find((m) => m.id === "vae-mnist") || ctx.models[0];
  if (ctx.model.id !== wanted && getString("model")) {
    const failed = (listing.failed || []).find((f) => f.id === wanted);
    showError(null, `Model ${wanted} from the link is not loaded${failed ? ` (its checkpoint failed: ${failed.error})` : ""}; `
      + `showing ${ctx.model.id} instead.`);
  }
  ctx.seed = getNumber("seed", 0, { min: 0, max: MAX_SEED, integer: true });
  ctx.temperature = round(getNumber("temp", 1, { min: 0, max: 3 }), 2);
  const label = getNumber("class", null, { min: 0, max: 9, integer: true });
  ctx.label = ctx.conditional() ? label : null;
  wireControls();
  syncControls();
  sections = {
    samples: createSamples(ctx),
    sliders: createSliders(ctx),
    interp: createInterp(ctx),
    map: createMap(listing.models),
    draw: createDraw(ctx),
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
    beta: () => sections.beta.init(),
  });
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
