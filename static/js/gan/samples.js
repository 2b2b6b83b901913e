// Sample grid: 64 digits x = G(z), z ~ N(0, T²I) (POST sample, n=64), and one of them enlarged.

import { guarded, latest } from "../lib/api.js";
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
    showZoom(last, i, (z) => `‖z‖ = ${Math.hypot(...z).toFixed(2)} (typical at T = 1: √${z.length} = ${Math.sqrt(z.length).toFixed(1)})`);
  }

  const refresh = latest(async () => {
    const { model, label, temperature } = ctx;
    const out = await guarded(section, () => ctx.grid());
    if (!out || out.key !== ctx._gridKey) return; // a newer request is on its way
    last = out;
    setSrc(img, out.grid, `64 digits sampled from ${model.id}, seed ${out.seed}, T = ${temperature}`);
    img.dataset.key = `${model.id}|${out.seed}|${label ?? ""}|${temperature}`;
    const cls = ctx.conditional() ? (label === null ? " · a random class per digit" : ` · class ${label}`) : "";
    $("sample-caption").textContent = `${model.id} · seed ${out.seed} · T = ${temperature.toFixed(2)}${cls}`;
    showCell(cell);
  });

  onGridClick(img, (i) => {
    showCell(i);
    setState({ cell: i || null });
  }, { current: () => cell });

  $("zoom-to-sliders").addEventListener("click", () => {
    if (last) api.onEditLatent?.(last.latents[cell], last.labels ? last.labels[cell] : undefined);
  });

  const api = { refresh, onEditLatent: null, cell: () => cell };
  return api;
}
