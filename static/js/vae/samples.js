// Sample grid: 64 digits from the prior (POST sample, n=64), and one of them enlarged.

import { guarded, latest, post } from "../lib/api.js";
import { onGridClick, setSrc, showZoom } from "../lib/images.js";
import { getNumber, setState } from "../lib/urlstate.js";

const N = 64;

const $ = (id) => document.getElementById(id);

export function createSamples(ctx) {
  const section = $("sample");
  const img = $("sample-grid");
  let last = null;
  let cell = getNumber("cell", 0, { min: 0, max: N - 1, integer: true });

  function showCell(i) {
    if (!last) return;
    cell = i;
    showZoom(last, i, (z) => `‖z‖ = ${Math.hypot(...z).toFixed(2)} (√d = ${Math.sqrt(z.length).toFixed(2)})`);
  }

  const refresh = latest(async () => {
    const { model, seed, label, temperature } = ctx;
    const body = { n: N, seed, temperature };
    if (label !== null && ctx.conditional()) body.label = label;
    const out = await guarded(section, () => post(model.id, "sample", body));
    if (!out) return;
    last = out;
    setSrc(img, out.grid, `64 digits sampled from ${model.id}, seed ${out.seed}, temperature ${temperature}`);
    img.dataset.key = `${model.id}|${out.seed}|${label ?? ""}|${temperature}`;
    const cls = ctx.conditional() ? (label === null ? ", a random class per digit" : `, class ${label}`) : "";
    $("sample-caption").textContent = `${model.id} · seed ${out.seed} · T = ${temperature.toFixed(2)}${cls}`;
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
