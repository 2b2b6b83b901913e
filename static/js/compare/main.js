// Compare (/compare): 2–4 picked models side by side on every axis of the evaluation table, never one verdict.
// This module holds the state every section reads (picked models, seed, class, table view, time axis), keeps
// it in the URL, wires the picker and the shortcuts. One module per section: grids.js (the same seed side by
// side), table.js (every column), radar.js (six axes at once), prplane.js (precision against recall),
// curves.js (training curves); format.js writes the figures.

import { api, showError } from "../lib/api.js";
import { MAX_SEED } from "../lib/controls.js";
import { el } from "../lib/images.js";
import { installShortcuts } from "../lib/keys.js";
import { loadModels, navShortcuts } from "../lib/page.js";
import { createSectionNav, startWhenVisible } from "../lib/sections.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";
import { createCurves } from "./curves.js";
import { createGrids } from "./grids.js";
import { createPrPlane } from "./prplane.js";
import { createRadar } from "./radar.js";
import { createTable } from "./table.js";

const $ = (id) => document.getElementById(id);
const SECTIONS = ["samples", "table", "shape", "pr", "curves", "questions"];
const DEFAULT_PICKS = ["vae-mnist", "dcgan-mnist", "ddpm-mnist"];
const MIN_PICKS = 2;
const MAX_PICKS = 4;

const ctx = {
  models: [], // the digit models this server has loaded
  table: null, // GET /api/evaluation, or null when the server has none (tableError says why)
  candidates: [], // ids that can be picked: the table's rows first, then loaded digit models it lacks
  picked: [],
  seed: 0,
  label: null, // null: any class
  showOthers: true,
  sort: null, // {key, dir: "asc" | "desc"}
  timeAxis: "log",
  slot(id) {
    const i = this.picked.indexOf(id);
    return i < 0 ? null : i;
  },
  model(id) { return this.models.find((m) => m.id === id); },
  row(id) { return this.table?.models.find((r) => r.model === id) ?? null; },
  conditional(id) { return Boolean(this.model(id)?.capabilities.includes("conditional")); },
  modelTitle(id) { return this.model(id)?.title ?? ""; },
};

const sections = {};
const started = new Set();
const nav = createSectionNav(SECTIONS);
const run = (name, method = "render") => { if (started.has(name)) sections[name][method](); };

/** Models that draw 28 x 28 digits (models/evaluation/table.py is_digit_model): not the 2-D toys, not the classifier. */
const isDigitModel = (m) => m.capabilities.includes("sample") && !m.capabilities.includes("langevin_2d");

// --- state ---------------------------------------------------------------------------------------

function withTable(fn) {
  if (ctx.table) fn();
}

function setPicked(ids) {
  const unique = [...new Set(ids)].filter((id) => ctx.candidates.includes(id)).slice(0, MAX_PICKS);
  if (unique.length < MIN_PICKS || unique.join() === ctx.picked.join()) return syncPicker();
  ctx.picked = unique;
  setState({ models: unique.join(",") });
  syncPicker();
  run("samples", "rebuild");
  withTable(() => ["table", "radar", "pr"].forEach((name) => sections[name].render()));
  run("curves");
}

/** Picking a model another slot holds swaps the two; "none" (slots 3 and 4) drops the slot. */
function setSlot(slot, id) {
  const picked = [...ctx.picked];
  const held = picked.indexOf(id);
  if (!id) picked.splice(slot, 1);
  else if (slot >= picked.length) picked.push(id);
  else {
    if (held >= 0) picked[held] = picked[slot];
    picked[slot] = id;
  }
  setPicked(picked);
}

function setSeed(value) {
  const seed = Math.min(MAX_SEED, Math.max(0, Math.round(Number(value))));
  $("seed").value = Number.isFinite(seed) ? seed : ctx.seed;
  if (!Number.isFinite(seed) || seed === ctx.seed) return;
  ctx.seed = seed;
  setState({ seed });
  run("samples", "refresh");
}

function setLabel(value) {
  const label = value === "" || value === null ? null : Number(value);
  $("class").value = label === null ? "" : String(label);
  if (label === ctx.label) return;
  ctx.label = label;
  setState({ class: label }); // an unconditional model's column says it has no class to ask for
  run("samples", "refresh");
}

function setShowOthers(on) {
  ctx.showOthers = on;
  $("show-others").checked = on;
  setState({ others: on ? null : 0 });
  withTable(() => sections.table.render());
}

function setTimeAxis(axis) {
  ctx.timeAxis = axis;
  document.querySelector(`input[name="time-axis"][value="${axis}"]`).checked = true;
  setState({ time: axis === "log" ? null : axis });
  run("curves");
}

function readUrl() {
  const linked = (getString("models") || "").split(",").filter(Boolean);
  const usable = linked.filter((id) => ctx.candidates.includes(id));
  if (linked.length && usable.length !== linked.length) {
    const missing = linked.filter((id) => !usable.includes(id));
    showError(null, `Not on this server or not a digit model: ${missing.join(", ")} (from the link).`);
  }
  const defaults = DEFAULT_PICKS.filter((id) => ctx.candidates.includes(id));
  let picked = [...new Set(usable)].slice(0, MAX_PICKS);
  if (!picked.length) picked = defaults.length >= MIN_PICKS ? defaults : ctx.candidates.slice(0, DEFAULT_PICKS.length);
  if (picked.length < MIN_PICKS) picked = [...new Set([...picked, ...defaults, ...ctx.candidates])].slice(0, MIN_PICKS);
  ctx.picked = picked;
  ctx.seed = getNumber("seed", 0, { min: 0, max: MAX_SEED, integer: true });
  ctx.label = getNumber("class", null, { min: 0, max: 9, integer: true });
  ctx.showOthers = getString("others") !== "0";
  ctx.timeAxis = getString("time", "log", ["log", "lin"]);
  const [key, dir] = (getString("sort") || "").split(":");
  ctx.sort = key ? { key, dir: dir === "desc" ? "desc" : "asc" } : null;
}

// --- the picker ----------------------------------------------------------------------------------

function syncPicker() {
  document.querySelectorAll("#picker select").forEach((select) => {
    const slot = Number(select.dataset.slot);
    select.value = ctx.picked[slot] ?? "";
    select.disabled = slot > ctx.picked.length; // fill the slots in order
  });
}

function wirePicker() {
  document.querySelectorAll("#picker select").forEach((select) => {
    const slot = Number(select.dataset.slot);
    const options = ctx.candidates.map((id) => new Option(id, id));
    options.forEach((o) => { o.title = ctx.modelTitle(o.value) || ctx.row(o.value)?.title || ""; });
    select.replaceChildren(...(slot >= MIN_PICKS ? [new Option("— none —", "")] : []), ...options);
    select.addEventListener("change", () => setSlot(slot, select.value));
  });
  syncPicker();
  $("seed").value = ctx.seed;
  $("seed").addEventListener("change", (e) => setSeed(e.target.value));
  $("new-seed").addEventListener("click", () => setSeed(Math.floor(Math.random() * 100000)));
  $("class").value = ctx.label === null ? "" : String(ctx.label);
  $("class").addEventListener("change", (e) => setLabel(e.target.value));
  $("show-others").checked = ctx.showOthers;
  $("show-others").addEventListener("change", (e) => setShowOthers(e.target.checked));
  document.querySelectorAll('input[name="time-axis"]').forEach((radio) => {
    radio.checked = radio.value === ctx.timeAxis;
    radio.addEventListener("change", () => setTimeAxis(radio.value));
  });
}

// --- start ---------------------------------------------------------------------------------------

function shortcuts() {
  installShortcuts([
    { keys: ["m"], label: "pick the models (the first model menu)", run: () => $("pick-0").focus() },
    { keys: ["n"], label: "new seed", run: () => setSeed(Math.floor(Math.random() * 100000)) },
    { keys: ["0 … 9"], label: "ask the conditional models for that class", match: (key) => /^[0-9]$/.test(key),
      run: (e) => setLabel(e.key) },
    { keys: ["x"], label: "any class", run: () => setLabel(null) },
    { keys: ["o"], label: "table: show / hide the other models", run: () => setShowOthers(!ctx.showOthers) },
    { keys: ["l"], label: "training curves: log / linear time axis", run: () => setTimeAxis(ctx.timeAxis === "log" ? "lin" : "log") },
    ...navShortcuts(nav, [
      [["s"], "samples", "the samples"],
      [["t"], "table", "the table"],
      [["r"], "shape", "the radar of six axes"],
      [["v"], "pr", "the precision / recall plane"],
      [["c"], "curves", "the training curves"],
      [["w"], "questions", "the course's questions"],
    ]),
  ]);
}

/** The table, or null with the reason on the page: the grids and curves work without it. */
async function loadTable() {
  try {
    return await api("/api/evaluation");
  } catch (err) {
    const box = $("table-missing");
    box.textContent = err.status === 503
      ? `The evaluation table is broken (${err.message}); run genlab evaluate --all --write to measure it again.`
      : `No evaluation table on this server yet (${err.message}). The samples and training curves below work without it.`;
    box.hidden = false;
    for (const id of ["table-controls", "legend-box"]) $(id).hidden = true;
    for (const id of ["radar", "pr-plane"]) {
      $(id).replaceChildren(el("p", { class: "notice" }, "This chart needs the evaluation table: run genlab evaluate --all --write."));
    }
    return null;
  }
}

async function main() {
  shortcuts();
  nav.wire();
  const [listing, table] = await Promise.all([loadModels(), loadTable()]);
  if (!listing) return;
  ctx.models = listing.models.filter(isDigitModel);
  ctx.table = table;
  const loaded = ctx.models.map((m) => m.id);
  ctx.candidates = [...new Set([...(table?.models.map((r) => r.model).filter((id) => loaded.includes(id)) ?? []), ...loaded])];
  if (ctx.candidates.length < MIN_PICKS) {
    showError(null, "This server has fewer than two digit models loaded: nothing to compare.");
    return;
  }
  readUrl();
  setState({ models: ctx.picked.join(",") });
  wirePicker();
  Object.assign(sections, {
    samples: createGrids(ctx), table: createTable(ctx), radar: createRadar(ctx), pr: createPrPlane(ctx),
    curves: createCurves(ctx),
  });
  withTable(() => {
    sections.table.init();
    sections.radar.render();
    sections.pr.render();
  });
  startWhenVisible({
    samples: () => sections.samples.rebuild(),
    curves: () => sections.curves.render(),
  }, started);
  document.body.dataset.ready = "true"; // controls are wired (tests and scripts wait for this)
}

main();
