// Sample grid: 64 digits from the prior (POST sample, n=64), and one of them enlarged. A VAE with a
// fitted prior offers the choice between it and N(0, I), the prior it was trained with: the same
// decoder, fed from where the encoder puts real digits or from the whole ball, shows the prior's holes.

import { guarded, latest, post } from "../lib/api.js";
import { el, onGridClick, setSrc, showZoom } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const N = 64;

const $ = (id) => document.getElementById(id);

const OBJECTIVES = {
  standard: "z ~ N(0, T²·I), x = decoder(z): 64 digits, one decoder pass each. Lower T → more typical, less varied digits.",
  fitted: "z ~ a 10-Gaussian mixture fitted to where the encoder puts the training digits (T scales each Gaussian), "
    + "x = decoder(z). Switch to N(0, I), the prior the VAE was trained with, to see the holes it leaves.",
};

/** The prior picker: shown only for a model with a fitted prior; its choice lives in the URL (prior=standard). */
function priorPicker(onChange) {
  const select = el("select", { id: "sample-prior" },
    el("option", { value: "fitted" }, "fitted mixture (where real digits encode)"),
    el("option", { value: "standard" }, "N(0, I): the training prior"));
  const field = el("label", { class: "field", hidden: true }, "Sample z from ", select);
  select.value = getString("prior") === "standard" ? "standard" : "fitted";
  select.addEventListener("change", () => {
    setState({ prior: select.value === "standard" ? "standard" : null });
    onChange();
  });
  return { field, current: (model) => (model.capabilities.includes("fitted_prior") ? select.value : null) };
}

export function createSamples(ctx) {
  const section = $("sample");
  const img = $("sample-grid");
  let last = null;
  let cell = getNumber("cell", 0, { min: 0, max: N - 1, integer: true });
  const picker = priorPicker(() => refresh());
  section.querySelector(".objective").after(picker.field);

  function showCell(i) {
    if (!last) return;
    cell = i;
    showZoom(last, i, (z) => `‖z‖ = ${Math.hypot(...z).toFixed(2)} (√d = ${Math.sqrt(z.length).toFixed(2)})`);
  }

  const refresh = latest(async () => {
    const { model, seed, label, temperature } = ctx;
    const body = { n: N, seed, temperature };
    if (label !== null && ctx.conditional()) body.label = label;
    const prior = picker.current(model);
    picker.field.hidden = prior === null;
    section.querySelector(".objective").textContent = OBJECTIVES[prior ?? "standard"];
    if (prior !== null) body.prior = prior;
    const out = await guarded(section, () => post(model.id, "sample", body));
    if (!out) return;
    last = out;
    setSrc(img, out.grid, `64 digits sampled from ${model.id}, seed ${out.seed}, temperature ${temperature}`);
    img.dataset.key = `${model.id}|${out.seed}|${label ?? ""}|${temperature}`;
    const cls = ctx.conditional() ? (label === null ? ", a random class per digit" : `, class ${label}`) : "";
    const from = out.prior ? ` · z from ${out.prior === "fitted" ? "the fitted mixture" : "N(0, I)"}` : "";
    $("sample-caption").textContent = `${model.id} · seed ${out.seed} · T = ${temperature.toFixed(2)}${cls}${from}`;
    showCell(cell);
  });

  onGridClick(img, (i) => {
    showCell(i);
    setState({ cell: i || null });
  }, { current: () => cell });

  $("zoom-to-sliders").addEventListener("click", () => {
    if (last?.latents) api.onEditLatent?.(last.latents[cell], last.labels ? last.labels[cell] : undefined);
  });

  const api = { refresh, onEditLatent: null };
  return api;
}
