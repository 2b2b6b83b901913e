// ② The score field: the model's score s(x, σ) as arrows on a grid over the toy, at one noise level σ
// (POST /api/score2d/{id}/field), with the exact score of the blurred data as a second set of arrows and a
// heat map behind (the blurred density, the error σ·|s − s_ref|, or an EBM's energy). The answer for
// each (model, level) is kept, so switching arrows or background, or stepping σ back, redraws at once.
// Also fills the "dense vs thin" numbers, since they belong to the level on screen.

import { api, guarded, latest } from "../lib/api.js";
import { COLORMAPS, arrow, axes, gradient, heatmap, plane, points } from "./plane.js";

const $ = (id) => document.getElementById(id);
const GRID = 24;
const HALF = 3 + 3 / (GRID - 1); // the view: the box [-3, 3]² and half a grid cell around it
export const BACKGROUNDS = ["density", "error", "energy"];
export const ARROWS = ["model", "exact", "both"];
const MODEL_INK = "#14171c";
const EXACT_INK = "#1f8a3e";
const DENSITY_RANGE = 12; // nats below the peak that still get colour

const quantile = (values, q) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

/** How each background maps its numbers onto [0, 1], and what its legend says at the ends. */
function scaleFor(bg, out) {
  if (bg === "error") {
    return { values: out.error, unit: (v) => (Math.log10(Math.max(v, 1e-3)) + 2) / 3,
      ticks: ["≤ 0.01", "0.1", "1", "≥ 10"], note: "σ·|s − s_ref|, log scale: 1 = an error as large as the answer (σ·|s_ref| ≈ 1 near the data)" };
  }
  if (bg === "energy" && out.energy) {
    const lo = Math.min(...out.energy);
    const hi = quantile(out.energy, 0.9);
    return { values: out.energy, unit: (v) => (v - lo) / (hi - lo || 1),
      ticks: [`${lo.toFixed(1)} (likely)`, "", "", `≥ ${hi.toFixed(1)}`], note: "E(x): dark = low energy = high p ∝ exp(−E)" };
  }
  const peak = Math.max(...out.log_density);
  return { values: out.log_density, unit: (v) => 1 - (peak - v) / DENSITY_RANGE,
    ticks: [`≤ ${(peak - DENSITY_RANGE).toFixed(1)}`, "", "", `${peak.toFixed(1)}`],
    note: `log p_σ(x), the data blurred at this σ, in nats (the lowest ${DENSITY_RANGE} nats below the peak coloured)` };
}

/**
 * ctx: {model, level, bg, arrows, setLevel(), setBackground(), setArrows()}. Returns {refresh(), redraw(),
 * current()}; onShown(out) is told each answer drawn (the error chart marks its σ).
 */
export function createField(ctx, { onShown = () => {} } = {}) {
  const section = $("field");
  const canvas = $("field-canvas");
  const cache = new Map();
  let shown = null;

  async function fetchField(model, level) {
    const key = `${model.id}|${level}`;
    if (!cache.has(key)) {
      const out = await api(`/api/score2d/${encodeURIComponent(model.id)}/field`, { level, grid: GRID });
      cache.set(key, out);
    }
    return cache.get(key);
  }

  /** Arrow lengths: one common scale for model and exact, so a cell = the median length of the exact score. */
  function drawArrows(p, out) {
    const k = out.grid;
    const cell = ((2 * out.box) / (k - 1)) * p.scale;
    const lengths = out.reference.map(([dx, dy]) => Math.hypot(dx, dy));
    const ref = quantile(lengths, 0.5) || 1;
    const sets = { model: [[out.score, MODEL_INK, 1.6]], exact: [[out.reference, EXACT_INK, 2]],
      both: [[out.reference, EXACT_INK, 3], [out.score, MODEL_INK, 1.4]] }[ctx.arrows];
    let clipped = 0;
    for (const [vectors, ink, width] of sets) {
      p.c.beginPath();
      vectors.forEach(([dx, dy], n) => {
        const [u, v] = p.px([-out.box + (n % k) * ((2 * out.box) / (k - 1)), -out.box + Math.floor(n / k) * ((2 * out.box) / (k - 1))]);
        const len = Math.hypot(dx, dy);
        if (!len) return;
        if (len > ref) clipped += 1;
        const f = (0.9 * cell * Math.min(1, len / ref)) / len;
        arrow(p.c, u, v, dx * f, -dy * f); // y rises upwards on the page
      });
      p.c.strokeStyle = ink;
      p.c.lineWidth = width;
      p.c.lineCap = "round";
      p.c.stroke();
    }
    return { ref, clipped, drawn: sets.length * k * k };
  }

  function draw(out) {
    const bg = ctx.bg === "energy" && !out.energy ? "density" : ctx.bg;
    const p = plane(canvas, HALF);
    const scale = scaleFor(bg, out);
    heatmap(p, scale.values, out.grid, out.box, scale.unit, COLORMAPS[bg]);
    axes(p, out.box);
    points(p, out.data, { color: "rgba(40, 44, 52, 0.45)", radius: 1.8 });
    const { ref, clipped, drawn } = drawArrows(p, out);
    canvas.dataset.key = `${out.model}|${out.level}|${bg}|${ctx.arrows}`;
    canvas.dataset.level = String(out.level);
    canvas.dataset.bg = bg;
    $("legend-bar").style.background = gradient(bg);
    $("legend-ticks").replaceChildren(...scale.ticks.map((t) => Object.assign(document.createElement("span"), { textContent: t })));
    $("legend-note").textContent = scale.note;
    $("arrow-note").textContent = `Arrows show direction; length is |s| on one scale for both sets, one grid cell = `
      + `|s| = ${ref.toPrecision(3)} (the median length of the exact score at this σ); ${clipped} of the ${drawn} `
      + "arrows are longer and clipped to a cell.";
    canvas.setAttribute("aria-label", `score field of ${out.model} at σ = ${out.sigma.toPrecision(3)}: ${ctx.arrows} arrows over the ${bg} map`);
    numbers(out);
  }

  function numbers(out) {
    const e = out.error_by_density;
    $("err-dense").textContent = e.high_density.toPrecision(3);
    $("err-thin").textContent = e.low_density.toPrecision(3);
    const ratio = e.low_density / e.high_density;
    $("err-ratio").textContent = ratio >= 1 ? `${ratio.toPrecision(2)}×` : `${(1 / ratio).toPrecision(2)}× smaller`;
    $("err-sigma").textContent = out.sigma.toPrecision(3);
    $("density-numbers").dataset.level = String(out.level);
  }

  function controls() {
    const levels = ctx.model.card.config.sigmas;
    const slider = $("level");
    slider.max = String(levels.length - 1);
    slider.value = String(ctx.level);
    slider.disabled = levels.length === 1;
    $("sigma-out").textContent = `σ = ${Number(levels[ctx.level]).toPrecision(3)}`;
    $("level-of").textContent = `level ${ctx.level + 1} of ${levels.length}`;
    $("sigma-max").textContent = `σ_max = ${Number(levels[0]).toPrecision(3)}`;
    $("sigma-min").textContent = `σ_min = ${Number(levels.at(-1)).toPrecision(3)}`;
    const energy = ctx.model.card.config.kind === "ebm";
    $("bg-energy").disabled = !energy;
    $("bg-energy").closest("label").title = energy ? "" : "energy: only an energy-based model has one";
    for (const input of document.querySelectorAll("input[name=bg]")) input.checked = input.value === ctx.bg;
    for (const input of document.querySelectorAll("input[name=arrows]")) input.checked = input.value === ctx.arrows;
  }

  const refresh = latest(async () => {
    controls();
    const { model, level } = ctx;
    const out = await guarded(section, () => fetchField(model, level));
    if (!out || model !== ctx.model || level !== ctx.level) return; // a newer choice is on its way
    shown = out;
    draw(out);
    onShown(out);
  });

  function redraw() {
    controls();
    if (shown && shown.model === ctx.model.id && shown.level === ctx.level) draw(shown);
    else refresh();
  }

  $("level").addEventListener("input", (e) => {
    ctx.setLevel(Number(e.target.value));
  });
  for (const input of document.querySelectorAll("input[name=bg]")) input.addEventListener("change", () => ctx.setBackground(input.value));
  for (const input of document.querySelectorAll("input[name=arrows]")) input.addEventListener("change", () => ctx.setArrows(input.value));
  window.addEventListener("resize", () => { if (shown) draw(shown); });

  return { refresh, redraw, current: () => shown };
}
