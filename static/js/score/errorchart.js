// ③ The error of the learned score where the data is dense and where it is thin, at every noise level
// (the card's metrics.error_by_density, measured when the checkpoint was made), on log-log axes with σ
// falling left to right like the slider, and the level on screen marked. Song & Ermon (2019): the
// curves part company as σ shrinks, which is why sampling starts at a large σ and anneals.

import { svgEl } from "../lib/chart.js";

const W = 620;
const H = 300;
const PAD = { left: 70, right: 16, top: 14, bottom: 52 };
const COLORS = { high_density: "#1f5fd6", low_density: "#c92a2a" };
const NAMES = { high_density: "dense (top tenth of p_σ)", low_density: "thin (lower half of p_σ)" };

const decades = (lo, hi) => {
  const out = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e += 1) out.push(10 ** e);
  return out;
};
const label = (v) => (v >= 1 ? String(v) : v.toPrecision(1));

/** Draw rows [{sigma, high_density, low_density}] into `box`, marking `sigma`; nothing to draw → null. */
export function drawErrorChart(box, rows, sigma) {
  if (!rows?.length || rows.length < 2) {
    box.replaceChildren();
    return null;
  }
  const sigmas = rows.map((r) => r.sigma);
  const errors = rows.flatMap((r) => [r.high_density, r.low_density]).filter((v) => v > 0);
  const [x0, x1] = [Math.log10(Math.max(...sigmas)), Math.log10(Math.min(...sigmas))]; // σ falls to the right
  const [y0, y1] = [Math.log10(Math.min(...errors)) - 0.1, Math.log10(Math.max(...errors)) + 0.1];
  const X = (s) => PAD.left + ((Math.log10(s) - x0) / (x1 - x0)) * (W - PAD.left - PAD.right);
  const Y = (e) => PAD.top + ((y1 - Math.log10(e)) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H + 30}`, class: "chart", role: "img",
    "aria-label": "mean score error where the data is dense and where it is thin, against the noise level σ" });
  for (const t of decades(10 ** y0, 10 ** y1).filter((t) => Math.log10(t) >= y0 && Math.log10(t) <= y1)) {
    svg.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: Y(t), y2: Y(t), class: "chart-grid" }),
      svgEl("text", { x: PAD.left - 8, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, label(t)));
  }
  if (y0 < 0 && y1 > 0) svg.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: Y(1), y2: Y(1), class: "chart-zero" }));
  for (const t of decades(10 ** x1, 10 ** x0).filter((t) => Math.log10(t) >= x1 && Math.log10(t) <= x0)) {
    svg.append(svgEl("text", { x: X(t), y: H - PAD.bottom + 22, "text-anchor": "middle", class: "chart-tick" }, label(t)));
  }
  svg.append(svgEl("text", { x: (PAD.left + W - PAD.right) / 2, y: H - 6, "text-anchor": "middle", class: "chart-label" },
    "noise level σ (log scale, falling →)"));
  svg.append(svgEl("text", { x: 16, y: (PAD.top + H - PAD.bottom) / 2, "text-anchor": "middle", class: "chart-label",
    transform: `rotate(-90 16 ${(PAD.top + H - PAD.bottom) / 2})` }, "σ·|s − s_ref| (log)"));
  if (sigma) {
    svg.append(svgEl("line", { x1: X(sigma), x2: X(sigma), y1: PAD.top, y2: H - PAD.bottom, class: "chart-marker",
      "data-sigma": String(sigma) }));
  }
  Object.keys(NAMES).forEach((key, i) => {
    const d = rows.map((r, n) => `${n ? "L" : "M"}${X(r.sigma).toFixed(1)},${Y(Math.max(r[key], 1e-6)).toFixed(1)}`).join("");
    svg.append(svgEl("path", { d, fill: "none", stroke: COLORS[key], "stroke-width": 3.5 }));
    for (const r of rows) svg.append(svgEl("circle", { cx: X(r.sigma), cy: Y(Math.max(r[key], 1e-6)), r: 4, fill: COLORS[key] }));
    const lx = PAD.left + i * 270;
    svg.append(svgEl("line", { x1: lx, x2: lx + 30, y1: H + 16, y2: H + 16, stroke: COLORS[key], "stroke-width": 4 }),
      svgEl("text", { x: lx + 38, y: H + 22, class: "chart-legend" }, NAMES[key]));
  });
  box.replaceChildren(svg);
  return svg;
}
