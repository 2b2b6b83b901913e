// The 2-D pictures of a lab frame on a <canvas>: heat maps (GAN decision surface, flow density), grids
// pushed through the model (G(z), the VAE decoder, the flow's inverse), score arrows, reverse
// trajectories, the data and the samples. Frames use data coordinates in the square `view`
// (docs/lab.md); heat-map rows go with y rising, so row 0 is drawn at the bottom.

import { fitCanvas, ramp } from "../lib/canvas.js";

const SAMPLE = "#e8590c";
const SAMPLE_EDGE = "#7a2500";
const DATA = "#495057";
const GRID = "rgba(24, 54, 140, 0.75)";
const GRID_FAINT = "rgba(24, 54, 140, 0.16)";
const ARROW = "rgba(27, 30, 36, 0.7)";
const PATHS = ["#c2255c", "#1971c2", "#2b8a3e", "#9c36b5", "#e67700", "#0b7285", "#5f3dc4", "#a61e4d"];

export const COLORMAPS = {
  // p(real): pale orange where D says "fake", white at 1/2, pale blue where it says "real"
  decision: ramp([[0, [247, 190, 150]], [0.5, [255, 255, 255]], [1, [140, 180, 238]]]),
  density: ramp([[0, [255, 255, 255]], [0.3, [222, 210, 243]], [0.7, [150, 110, 210]], [1, [88, 40, 150]]]),
};
export const css = ([r, g, b]) => `rgb(${r}, ${g}, ${b})`;

/** A colour per data point, from where it is (hue = angle, lightness = radius), so μ(x) can wear x's colour. */
export function pointColor([x, y], reach = 3) {
  const hue = ((Math.atan2(y, x) * 180) / Math.PI + 360) % 360;
  const r = Math.min(1, Math.hypot(x, y) / reach);
  return `hsl(${hue.toFixed(0)}, 80%, ${(62 - 28 * r).toFixed(0)}%)`;
}

/** Data coordinates -> CSS pixels for a square canvas of `size` showing [low, high]². */
export function mapper(low, high, size) {
  const k = size / (high - low);
  return { x: (v) => (v - low) * k, y: (v) => size - (v - low) * k, k };
}

function axes(c, m, low, high, size) {
  c.fillStyle = "#fff";
  c.fillRect(0, 0, size, size);
  c.strokeStyle = "#e3e6eb";
  c.lineWidth = 1;
  for (let v = Math.ceil(low); v <= high; v += 1) {
    c.beginPath();
    c.moveTo(m.x(v), 0);
    c.lineTo(m.x(v), size);
    c.moveTo(0, m.y(v));
    c.lineTo(size, m.y(v));
    c.stroke();
  }
  c.strokeStyle = "#adb5bd";
  c.beginPath();
  c.moveTo(m.x(0), 0);
  c.lineTo(m.x(0), size);
  c.moveTo(0, m.y(0));
  c.lineTo(size, m.y(0));
  c.stroke();
}

/** values[row][col] (row = y rising) over the view, coloured by `cmap` after `scale(v)` -> 0..1. */
function heatMap(c, m, view, values, cmap, scale) {
  const n = values.length;
  const img = new ImageData(n, n);
  for (let i = 0; i < n; i += 1) {
    for (let j = 0; j < n; j += 1) {
      const [r, g, b] = cmap(scale(values[i][j]));
      img.data.set([r, g, b, 255], 4 * ((n - 1 - i) * n + j));
    }
  }
  const small = Object.assign(document.createElement("canvas"), { width: n, height: n });
  small.getContext("2d").putImageData(img, 0, 0);
  const h = (view.high - view.low) / (n - 1); // cells are centred on the grid points
  c.imageSmoothingEnabled = true;
  c.drawImage(small, m.x(view.low - h / 2), m.y(view.high + h / 2), (n * h) * m.k, (n * h) * m.k);
}

/**
 * A k x k grid of points [row][col][x, y]: its rows and columns as polylines. A segment stretched over
 * more than a sixth of the window (the map tearing space between two modes) is drawn faint, so the
 * tear shows without a web of lines hiding the picture.
 */
function gridLines(c, m, grid, span) {
  if (!grid?.length) return;
  const long = span / 6;
  const segments = (pts, wantLong) => {
    c.beginPath();
    for (let i = 1; i < pts.length; i += 1) {
      const [a, b] = [pts[i - 1], pts[i]];
      if (!a || !b || ![...a, ...b].every(Number.isFinite)) continue;
      if ((Math.hypot(b[0] - a[0], b[1] - a[1]) > long) !== wantLong) continue;
      c.moveTo(m.x(a[0]), m.y(a[1]));
      c.lineTo(m.x(b[0]), m.y(b[1]));
    }
    c.stroke();
  };
  const lines = [...grid, ...grid[0].map((_, j) => grid.map((row) => row[j]))];
  c.strokeStyle = GRID_FAINT;
  c.lineWidth = 1;
  for (const line of lines) segments(line, true);
  c.strokeStyle = GRID;
  c.lineWidth = 1.6;
  for (const line of lines) segments(line, false);
}

function dots(c, m, points, { fill, stroke = null, r = 3 }) {
  for (const [i, p] of (points || []).entries()) {
    if (!p || !Number.isFinite(p[0]) || !Number.isFinite(p[1])) continue;
    c.beginPath();
    c.arc(m.x(p[0]), m.y(p[1]), r, 0, 2 * Math.PI);
    c.fillStyle = typeof fill === "function" ? fill(i) : fill;
    c.fill();
    if (stroke) {
      c.strokeStyle = stroke;
      c.lineWidth = 1;
      c.stroke();
    }
  }
}

function arrow(c, x0, y0, x1, y1, head) {
  const a = Math.atan2(y1 - y0, x1 - x0);
  c.beginPath();
  c.moveTo(x0, y0);
  c.lineTo(x1, y1);
  c.stroke();
  c.beginPath();
  c.moveTo(x1, y1);
  c.lineTo(x1 - head * Math.cos(a - 0.45), y1 - head * Math.sin(a - 0.45));
  c.lineTo(x1 - head * Math.cos(a + 0.45), y1 - head * Math.sin(a + 0.45));
  c.closePath();
  c.fill();
}

/** The score s(x, t) as arrows from each grid point, lengths scaled so a typical arrow spans most of a cell. */
function scoreField(c, m, field) {
  const { points, score } = field;
  const k = Math.round(Math.sqrt(points.length));
  const cell = k > 1 ? Math.abs(points[1][0] - points[0][0]) * m.k : 20;
  const lengths = score.map((s) => Math.hypot(s[0], s[1])).filter(Number.isFinite).sort((a, b) => a - b);
  const typical = lengths[Math.floor(lengths.length * 0.9)] || 1;
  c.strokeStyle = ARROW;
  c.fillStyle = ARROW;
  c.lineWidth = 1.6;
  points.forEach((p, i) => {
    const [sx, sy] = score[i];
    const len = Math.hypot(sx, sy);
    if (!Number.isFinite(len) || len === 0) return;
    const px = Math.min(1.1 * cell, (0.85 * cell * len) / typical);
    const x0 = m.x(p[0]);
    const y0 = m.y(p[1]);
    arrow(c, x0, y0, x0 + (px * sx) / len, y0 - (px * sy) / len, Math.max(4, Math.min(8, px * 0.35)));
  });
}

/** Reverse paths x_T -> x_0: a polyline each, a hollow ring at x_T and a filled dot at x_0. */
function trajectories(c, m, paths) {
  paths.forEach((path, i) => {
    const color = PATHS[i % PATHS.length];
    const ok = path.filter((p) => p && Number.isFinite(p[0]) && Number.isFinite(p[1]));
    if (!ok.length) return;
    c.strokeStyle = color;
    c.globalAlpha = 0.6;
    c.lineWidth = 1.8;
    c.lineJoin = "round";
    c.beginPath();
    ok.forEach((p, j) => (j ? c.lineTo(m.x(p[0]), m.y(p[1])) : c.moveTo(m.x(p[0]), m.y(p[1]))));
    c.stroke();
    c.globalAlpha = 1;
    const [s, e] = [ok[0], ok[ok.length - 1]];
    c.lineWidth = 2.5;
    c.beginPath();
    c.arc(m.x(s[0]), m.y(s[1]), 6, 0, 2 * Math.PI);
    c.fillStyle = "#fff";
    c.fill();
    c.stroke();
    c.beginPath();
    c.arc(m.x(e[0]), m.y(e[1]), 6, 0, 2 * Math.PI);
    c.fillStyle = color;
    c.fill();
    c.strokeStyle = "#000";
    c.lineWidth = 1;
    c.stroke();
  });
}

/** The heat map's colour map and its scale for this frame, with the range the legend shows. */
export function heatOf(frame) {
  if (frame.decision) {
    const bce = frame.decision_kind === "p(real)";
    const flat = frame.decision.flat().filter(Number.isFinite);
    const lo = bce ? 0 : Math.min(...flat);
    const hi = bce ? 1 : Math.max(...flat);
    return { values: frame.decision, cmap: COLORMAPS.decision, lo, hi, label: bce ? "D(x) = p(real)" : "critic score D(x)",
      scale: (v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5) };
  }
  if (frame.density) {
    const hi = Math.max(1e-12, ...frame.density.flat().filter(Number.isFinite));
    return { values: frame.density, cmap: COLORMAPS.density, lo: 0, hi, label: "density p(x)",
      scale: (v) => Math.sqrt(Math.max(0, v) / hi) }; // sqrt: the low-density bridges between modes stay visible
  }
  return null;
}

/**
 * Draw one 2-D frame. layers: {heat, grid, field, paths, data, samples} (false hides one);
 * data: the training points to draw under the samples (null: none known); colorData: colour them by place.
 */
export function drawScene(canvas, frame, { layers = {}, data = null, colorData = false } = {}) {
  const { c, size } = fitCanvas(canvas);
  const { low, high } = frame.view;
  const m = mapper(low, high, size);
  const on = (name) => layers[name] !== false;
  axes(c, m, low, high, size);
  const heat = heatOf(frame);
  if (heat && on("heat")) heatMap(c, m, frame.view, heat.values, heat.cmap, heat.scale);
  const grid = frame.z_grid || frame.decoded_grid || frame.warped_grid;
  if (grid && on("grid")) gridLines(c, m, grid, high - low);
  if (frame.field && on("field")) scoreField(c, m, frame.field);
  const r = Math.max(2.5, size / 170);
  if (data && on("data")) {
    dots(c, m, data, { fill: colorData ? (i) => pointColor(data[i], high) : DATA, r: r * 0.8 });
  }
  if (frame.samples && on("samples")) dots(c, m, frame.samples, { fill: SAMPLE, stroke: SAMPLE_EDGE, r });
  if (frame.trajectories && on("paths")) trajectories(c, m, frame.trajectories);
  c.strokeStyle = "#868e96";
  c.lineWidth = 1;
  c.strokeRect(0.5, 0.5, size - 1, size - 1);
}

const LATENT_REACH = 3.5; // the latent panel shows [-3.5, 3.5]²: the decoded grid spans +-2.5

/** The VAE's latent panel: the prior's 1 and 2 sigma circles, the z grid the decoder maps, and μ(x) per data point. */
export function drawLatent(canvas, frame) {
  const { c, size } = fitCanvas(canvas);
  const m = mapper(-LATENT_REACH, LATENT_REACH, size);
  axes(c, m, -LATENT_REACH, LATENT_REACH, size);
  c.strokeStyle = "rgba(24, 54, 140, 0.35)";
  c.lineWidth = 1;
  const k = 12;
  for (let i = 0; i < k; i += 1) {
    const v = -2.5 + (5 * i) / (k - 1);
    c.beginPath();
    c.moveTo(m.x(v), m.y(-2.5));
    c.lineTo(m.x(v), m.y(2.5));
    c.moveTo(m.x(-2.5), m.y(v));
    c.lineTo(m.x(2.5), m.y(v));
    c.stroke();
  }
  c.strokeStyle = "#2b8a3e";
  c.lineWidth = 2;
  c.setLineDash([6, 4]);
  for (const radius of [1, 2]) {
    c.beginPath();
    c.arc(m.x(0), m.y(0), radius * m.k, 0, 2 * Math.PI);
    c.stroke();
  }
  c.setLineDash([]);
  const data = frame.data_points ?? [];
  dots(c, m, frame.encoder_means, { fill: (i) => (data[i] ? pointColor(data[i], frame.view.high) : DATA), r: Math.max(2.5, size / 100) });
  c.strokeStyle = "#868e96";
  c.lineWidth = 1;
  c.strokeRect(0.5, 0.5, size - 1, size - 1);
}

/** What the picture shows, per family: [{layer, label, swatch}] for the legend (swatch: a CSS class). */
export function legendOf(frame, { hasData, colorData }) {
  const items = [];
  const heat = heatOf(frame);
  if (heat) items.push({ layer: "heat", swatch: frame.decision ? "sw-decision" : "sw-density",
    label: frame.decision ? `${heat.label}: ${fmtRange(heat.lo, heat.hi)}` : `${heat.label} (√ scale, max ${fmt(heat.hi)})` });
  if (frame.z_grid) items.push({ layer: "grid", swatch: "sw-grid", label: "G(z) of a 12 × 12 grid of z" });
  if (frame.decoded_grid) items.push({ layer: "grid", swatch: "sw-grid", label: "decoder of a 12 × 12 grid of z" });
  if (frame.warped_grid) items.push({ layer: "grid", swatch: "sw-grid", label: "f⁻¹ of a 16 × 16 grid of z" });
  if (frame.field) items.push({ layer: "field", swatch: "sw-arrow", label: `score ∇ log p_t(x) at t = ${frame.field.t}` });
  if (frame.trajectories) items.push({ layer: "paths", swatch: "sw-paths", label: "8 reverse paths: ○ x_T → ● x₀" });
  if (hasData) items.push({ layer: "data", swatch: colorData ? "sw-data-color" : "sw-data", label: "training data" });
  if (frame.samples) items.push({ layer: "samples", swatch: "sw-samples", label: `${frame.samples.length} samples` });
  return items;
}

function fmt(v) {
  if (!Number.isFinite(v)) return "—";
  const a = Math.abs(v);
  return a !== 0 && (a < 0.01 || a >= 1000) ? v.toExponential(1) : Number(v.toPrecision(3)).toString();
}
const fmtRange = (lo, hi) => `${fmt(lo)} … ${fmt(hi)}`;
export { fmt };
