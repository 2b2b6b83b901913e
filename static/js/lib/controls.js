// The sample controls every explorer page shares: model, seed, class and (optionally) temperature,
// kept in `ctx`, mirrored in the toolbar (templates/macros.html `toolbar`) and in the URL.

import { getNumber, round, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
export const MAX_SEED = 4294967295;

/**
 * ctx: {models, model, seed, label, temperature?, conditional()}.
 * changed(what): told "model" | "seed" | "label" | "temperature" after the value moved.
 * options: temperature (the page has a T slider), notConditional() (the error when a class is
 * picked for an unconditional model: {at, message}), afterSync(), optionTitle (model titles as tooltips),
 * tempDefault / tempMax (the T a link without `temp` gets, and the largest one; 1 and 3 unless told).
 */
export function createControls(ctx, changed, { temperature = true, notConditional, afterSync, optionTitle = false,
  tempDefault = 1, tempMax = 3 } = {}) {
  function sync() {
    $("model").value = ctx.model.id;
    $("seed").value = ctx.seed;
    $("class-field").hidden = !ctx.conditional();
    $("class").value = ctx.label === null ? "" : String(ctx.label);
    const state = { model: ctx.model.id, seed: ctx.seed, class: ctx.conditional() ? ctx.label : null };
    if (temperature) {
      $("temp").value = ctx.temperature;
      $("temp-out").textContent = ctx.temperature.toFixed(2);
      state.temp = round(ctx.temperature, 2);
    }
    setState(state);
    afterSync?.();
  }

  function setModel(id) {
    const model = ctx.models.find((m) => m.id === id);
    if (!model || model === ctx.model) return;
    ctx.model = model;
    if (!ctx.conditional()) ctx.label = null;
    sync();
    changed("model");
  }

  function setSeed(seed) {
    const value = Math.min(MAX_SEED, Math.max(0, Math.round(Number(seed))));
    if (!Number.isFinite(value) || value === ctx.seed) return sync();
    ctx.seed = value;
    sync();
    changed("seed");
  }

  function setLabel(label) {
    if (!ctx.conditional()) {
      notConditional?.();
      return;
    }
    const value = label === "" || label === null ? null : Number(label);
    if (value === ctx.label) return;
    ctx.label = value;
    sync();
    changed("label");
  }

  function setTemperature(t) {
    const value = round(Math.min(tempMax, Math.max(0, t)), 2);
    if (value === ctx.temperature) return sync();
    ctx.temperature = value;
    sync();
    changed("temperature");
  }

  const newSeed = () => setSeed(Math.floor(Math.random() * 100000));

  function nextModel() {
    const i = ctx.models.indexOf(ctx.model);
    setModel(ctx.models[(i + 1) % ctx.models.length].id);
  }

  /** Read seed, class (and temperature) from the URL into ctx; ctx.model must be set. */
  function readUrl() {
    ctx.seed = getNumber("seed", 0, { min: 0, max: MAX_SEED, integer: true });
    if (temperature) ctx.temperature = round(getNumber("temp", tempDefault, { min: 0, max: tempMax }), 2);
    const label = getNumber("class", null, { min: 0, max: 9, integer: true });
    ctx.label = ctx.conditional() ? label : null;
  }

  function wire() {
    const select = $("model");
    select.replaceChildren(...ctx.models.map((m) => {
      const option = new Option(m.id, m.id);
      if (optionTitle) option.title = m.title;
      return option;
    }));
    select.addEventListener("change", () => setModel(select.value));
    $("seed").addEventListener("change", (e) => setSeed(e.target.value));
    $("new-seed").addEventListener("click", newSeed);
    $("class").addEventListener("change", (e) => setLabel(e.target.value));
    if (!temperature) return;
    $("temp").addEventListener("input", (e) => { $("temp-out").textContent = Number(e.target.value).toFixed(2); });
    $("temp").addEventListener("change", (e) => setTemperature(Number(e.target.value)));
  }

  return { sync, setModel, setSeed, setLabel, setTemperature, newSeed, nextModel, readUrl, wire };
}
