// The lab's charts: the losses and the honest figures (MMD, mode coverage or class entropy) against the
// step, drawn by uPlot (static/vendor/uplot, loaded as the global `uPlot`), one point per frame; the
// steps where a hyper-parameter or a preset changed are marked. And the MNIST class histogram (SVG).

import { svgEl } from "../lib/chart.js";

const COLORS = ["#1f5fd6", "#c2255c", "#2b8a3e", "#e67700", "#5f3dc4"];
const MAX_POINTS = 4000; // past this, every other point is dropped (a long run keeps its whole shape)
const FONT = "15px system-ui, sans-serif";
const LOG2_10 = Math.log2(10);

const axis = (extra = {}) => ({ font: FONT, labelFont: FONT, stroke: "#111418", size: 56,
  grid: { stroke: "#e3e6eb", width: 1 }, ticks: { stroke: "#c9ced6", width: 1 }, ...extra });

/** Vertical dashed lines at the marked steps, with their label at the top (a uPlot plugin). */
function markerPlugin(markers) {
  return {
    hooks: {
      draw: (u) => {
        const { ctx, bbox } = u;
        const ratio = bbox.height / Math.max(1, u.over.clientHeight || bbox.height);
        ctx.save();
        ctx.font = `${Math.round(13 * ratio)}px system-ui, sans-serif`;
        ctx.textBaseline = "top";
        for (const { step, label } of markers) {
          const x = u.valToPos(step, "x", true);
          if (!(x >= bbox.left && x <= bbox.left + bbox.width)) continue;
          ctx.strokeStyle = "#495057";
          ctx.setLineDash([5 * ratio, 4 * ratio]);
          ctx.lineWidth = 1.5 * ratio;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
          ctx.fillStyle = "#111418";
          ctx.fillText(label, x + 4 * ratio, bbox.top + 2 * ratio);
        }
        ctx.restore();
      },
    },
  };
}

/**
 * One uPlot chart whose series appear as frames bring them. defs(frame) -> [{key, label, value(frame),
 * scale?}], the y scales' options in `scales` and their axes in `axes` ({scaleName: axis options}).
 */
function liveChart(box, { defs, scales = {}, axes = {}, height = 200 }) {
  let keys = [];
  let data = [[]];
  let plot = null;
  let markers = [];
  let lastStep = -1;

  function build(series) {
    plot?.destroy();
    keys = series;
    const used = [...new Set(series.map((s) => s.scale || "y"))];
    plot = new window.uPlot({
      width: Math.max(200, box.clientWidth),
      height,
      scales: { x: { time: false }, ...Object.fromEntries(used.map((name) => [name, scales[name] || {}])) },
      series: [{ label: "step" }, ...series.map((s, i) => ({
        label: s.label, scale: s.scale || "y", stroke: s.color || COLORS[i % COLORS.length], width: 2.5,
        value: (u, v) => (v == null ? "—" : Number(v.toPrecision(4)).toString()),
      }))],
      axes: [axis(), ...used.map((name, i) => axis({ scale: name, side: i ? 1 : 3, grid: { show: i === 0, stroke: "#e3e6eb", width: 1 },
        ...(axes[name] || {}) }))],
      legend: { show: true, live: false },
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      plugins: [markerPlugin(markers)],
    }, data, box);
  }

  function clear() {
    data = [[]];
    markers.length = 0;
    keys = [];
    lastStep = -1;
    plot?.destroy();
    plot = null;
    box.replaceChildren();
    box.dataset.points = "0";
  }

  /** Add the frame's point; a frame whose step went back (reset) starts the chart over. */
  function push(frame) {
    if (frame.step < lastStep) clear();
    if (frame.step === lastStep) return;
    lastStep = frame.step;
    const found = defs(frame);
    if (!found.length) return;
    const known = new Set(keys.map((s) => s.key));
    if (!plot || found.some((s) => !known.has(s.key))) {
      const merged = [...keys, ...found.filter((s) => !known.has(s.key))];
      data = [data[0], ...merged.map((s) => {
        const old = keys.findIndex((k) => k.key === s.key);
        return old >= 0 ? data[old + 1] : data[0].map(() => null);
      })];
      build(merged);
    }
    data[0].push(frame.step);
    keys.forEach((s, i) => {
      const v = s.value(frame);
      data[i + 1].push(Number.isFinite(v) ? v : null);
    });
    if (data[0].length > MAX_POINTS) data = data.map((col) => col.filter((_, i) => i % 2 === 0 || i === col.length - 1));
    plot.setData(data);
    box.dataset.points = String(data[0].length);
  }

  /** A dashed line at `step` (a control that changed the run). */
  function mark(step, label) {
    markers.push({ step, label });
    plot?.redraw(false);
  }

  function resize() {
    if (plot) plot.setSize({ width: Math.max(200, box.clientWidth), height });
  }

  return { push, clear, mark, resize, points: () => data[0].length };
}

/** The losses chart: one series per loss the family reports (d_loss, g_loss; loss, recon, kl; nll ...). */
export function lossChart(box) {
  return liveChart(box, {
    defs: (frame) => Object.keys(frame.losses || {}).map((key) => ({ key, label: key, value: (f) => f.losses?.[key] })),
    scales: { y: { auto: true } },
  });
}

/** The figures chart: MMD (left), mode coverage or class entropy (right). */
export function metricChart(box) {
  return liveChart(box, {
    defs: (frame) => {
      const m = frame.metrics || {};
      const out = [];
      if ("mmd" in m && !("class_entropy" in m)) out.push({ key: "mmd", label: "MMD² to the data", scale: "mmd", color: "#1f5fd6", value: (f) => f.metrics?.mmd });
      if (m.mode_coverage != null) {
        out.push({ key: "cov", label: `mode coverage (of ${m.modes})`, scale: "frac", color: "#2b8a3e", value: (f) => f.metrics?.mode_coverage });
      }
      if ("class_entropy" in m) {
        out.push({ key: "ent", label: "class entropy (bits)", scale: "bits", color: "#c2255c", value: (f) => f.metrics?.class_entropy });
      }
      return out;
    },
    scales: { mmd: { auto: true, range: (u, lo, hi) => [Math.min(0, lo), Math.max(hi, 0.01) * 1.05] },
      frac: { auto: false, range: [0, 1.05] }, bits: { auto: false, range: [0, LOG2_10 + 0.1] } },
    axes: { frac: { values: (u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`) } },
  });
}

/** MNIST: the classifier's 10 class fractions as bars, with the uniform 10% marked. */
export function drawHistogram(box, fractions) {
  const width = 560;
  const height = 200;
  const pad = { left: 44, right: 8, top: 10, bottom: 30 };
  const top = Math.max(0.3, ...fractions) * 1.05;
  const y = (v) => pad.top + (1 - v / top) * (height - pad.top - pad.bottom);
  const slot = (width - pad.left - pad.right) / 10;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
    "aria-label": `class fractions: ${fractions.map((f, i) => `${i}: ${Math.round(f * 100)}%`).join(", ")}` });
  for (const t of [0, 0.1, 0.2, 0.3, 0.5, 0.75, 1].filter((v) => v <= top)) {
    svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t), class: t === 0.1 ? "chart-ref" : "chart-grid" }),
      svgEl("text", { x: pad.left - 6, y: y(t) + 5, "text-anchor": "end", class: "chart-tick" }, `${Math.round(t * 100)}%`));
  }
  fractions.forEach((f, i) => {
    const x = pad.left + i * slot;
    svg.append(svgEl("rect", { x: x + slot * 0.15, width: slot * 0.7, y: y(f), height: Math.max(0, y(0) - y(f)),
      class: f > 0.3 ? "hist-bar spike" : "hist-bar" }, svgEl("title", {}, `${i}: ${(f * 100).toFixed(1)}%`)),
    svgEl("text", { x: x + slot / 2, y: height - 8, "text-anchor": "middle", class: "chart-label" }, i));
  });
  box.replaceChildren(svg);
}
