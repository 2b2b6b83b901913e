// Sample grid: 64 digits from the prior (POST sample, n=64), and one of them enlarged.

import { guarded, latest, post } from "./api.js";
import { setSrc } from "./images.js";
import { getNumber, setState } from "./urlstate.js";

const N = 64;
const PER_ROW = 8;
const GAP = 2;

const $ = (id) => document.getElementById(id);

/** Which digit of a grid PNG (8 per row, 2-px gaps) a click at natural pixel (px, py) falls on. */
export function gridCell(img, event, count = N) {
  const box = img.getBoundingClientRect();
  const nx = ((event.clientX - box.left) / box.width) * img.naturalWidth;
  const ny = ((event.clientY - box.top) / box.height) * img.naturalHeight;
  const content = PER_ROW * 28 + (PER_ROW - 1) * GAP;
  const pad = Math.max(0, (img.naturalWidth - content) / 2); // in case the grid has a border
  const col = Math.floor((nx - pad + GAP / 2) / (28 + GAP));
  const row = Math.floor((ny - pad + GAP / 2) / (28 + GAP));
  if (col < 0 || col >= PER_ROW || row < 0) return null;
  const i = row * PER_ROW + col;
  return i < count ? i : null;
}

export function createSamples(ctx) {
  const section = $("sample");
  const img = $("sample-grid");
  let last = null;
  let cell = getNumber("cell", 0, { min: 0, max: N - 1, integer: true });

  function showCell(i) {
    if (!last) return;
    cell = i;
    $("zoom-index").textContent = String(i + 1);
    setSrc($("zoom-img"), last.images[i], `sample ${i + 1} of 64, enlarged`);
    const z = last.latents?.[i];
    const norm = z ? Math.hypot(...z) : null;
    const parts = [`seed ${last.seed}, #${i + 1}`];
    if (last.labels) parts.push(`class ${last.labels[i]}`);
    if (norm !== null) parts.push(`‖z‖ = ${norm.toFixed(2)} (√d = ${Math.sqrt(z.length).toFixed(2)})`);
    $("zoom-meta").textContent = parts.join(" · ");
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

  img.addEventListener("click", (event) => {
    const i = gridCell(img, event);
    if (i === null) return;
    showCell(i);
    setState({ cell: i || null });
  });

  $("zoom-to-sliders").addEventListener("click", () => {
    if (last?.latents) api.onEditLatent?.(last.latents[cell], last.labels ? last.labels[cell] : undefined);
  });

  const api = { refresh, onEditLatent: null };
  return api;
}
