// A scrubbable training chart (chart.js's lineChart has no markers, stacked panels or pointer input):
// stacked panels sharing one step axis, each series drawn raw (thin) and smoothed (thick), vertical
// markers at the film frames, the current one highlighted; dragging reports the step under the pointer.

import { svgEl, ticks } from "../lib/chart.js";

const WIDTH = 700;
const PAD = { left: 64, right: 16, top: 8, bottom: 48 };
const LEGEND = 26;

const fmt = (v) => (Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/** Exponential moving average, debiased at the start (as TensorBoard smooths). */
export function smooth(points, span) {
  const alpha = 2 / (span + 1);
  let avg = 0;
  let weight = 0;
  return points.map(([x, y]) => {
    avg = (1 - alpha) * avg + alpha * y;
    weight = (1 - alpha) * weight + alpha;
    return [x, avg / weight];
  });
}

function quantile(sorted, q) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/** y range of a panel: 1st–99th percentile of its values (a few spikes must not flatten the curves) and its refs. */
function yRange(panel) {
  const values = panel.series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite).sort((a, b) => a - b);
  const refs = (panel.refs || []).map((r) => r.value);
  let lo = Math.min(quantile(values, 0.01), ...refs);
  let hi = Math.max(quantile(values, 0.99), ...refs);
  if (panel.yMin !== undefined) lo = Math.min(lo, panel.yMin);
  if (panel.yMax !== undefined) hi = Math.max(hi, panel.yMax);
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - span * 0.06, hi + span * 0.08];
}

const pathOf = (points, X, Y) => points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");

/**
 * createLossChart(container, {onScrub(step)}) → {draw({panels, markers}), setCurrent(index)}.
 * panels: [{height, yLabel, series: [{name, color, points: [[step, value]]}], refs: [{value, label}]}];
 * markers: [{x: step, label}].
 */
export function createLossChart(container, { onScrub = () => {} } = {}) {
  let markerNodes = [];
  let X = null;
  let domain = [0, 1];
  let svg = null;
  let plotTop = 0;
  let plotBottom = 0;
  let legendEnd = 0;
  let labels = []; // legends and reference labels, raised above the frame markers once those are drawn

  function drawPanel(panel, top) {
    const inner = panel.height - LEGEND;
    const [y0, y1] = yRange(panel);
    const Y = (v) => top + LEGEND + ((y1 - v) / (y1 - y0)) * inner;
    const clipId = `clip-${Math.random().toString(36).slice(2)}`;
    svg.append(svgEl("clipPath", { id: clipId }, svgEl("rect", { x: PAD.left, y: top + LEGEND, width: WIDTH - PAD.left - PAD.right, height: inner })));
    for (const t of ticks(y0, y1, 4)) {
      svg.append(svgEl("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: Y(t), y2: Y(t), class: "chart-grid" }),
        svgEl("text", { x: PAD.left - 6, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, fmt(t)));
    }
    const mid = top + LEGEND + inner / 2;
    svg.append(svgEl("text", { x: 14, y: mid, "text-anchor": "middle", class: "chart-label",
      transform: `rotate(-90 14 ${mid})` }, panel.yLabel));
    for (const r of panel.refs || []) {
      const text = svgEl("text", { x: PAD.left + 0.8 * (WIDTH - PAD.left - PAD.right), y: Y(r.value) - 5,
        "text-anchor": "end", class: "chart-ref-label" }, r.label);
      svg.append(svgEl("line", { x1: PAD.left, x2: WIDTH - PAD.right, y1: Y(r.value), y2: Y(r.value), class: "chart-ref" }), text);
      labels.push(text);
    }
    const group = svgEl("g", { "clip-path": `url(#${clipId})` });
    for (const s of panel.series) {
      const span = Math.max(5, Math.round(s.points.length / 40));
      group.append(svgEl("path", { d: pathOf(s.points, X, Y), fill: "none", stroke: s.color, "stroke-width": 1.2, opacity: 0.3 }),
        svgEl("path", { d: pathOf(smooth(s.points, span), X, Y), fill: "none", stroke: s.color, "stroke-width": 3.5 }));
    }
    svg.append(group);
    let lx = PAD.left;
    for (const s of panel.series) {
      const text = svgEl("text", { x: lx + 32, y: top + 18, class: "chart-legend" }, s.name);
      svg.append(svgEl("line", { x1: lx, x2: lx + 26, y1: top + 12, y2: top + 12, stroke: s.color, "stroke-width": 4 }), text);
      labels.push(text);
      lx += 44 + s.name.length * 8.6;
    }
    if (top === PAD.top) legendEnd = lx;
  }

  function stepAt(event) {
    const box = svg.getBoundingClientRect();
    const vx = ((event.clientX - box.left) / box.width) * WIDTH;
    const t = (vx - PAD.left) / (WIDTH - PAD.left - PAD.right);
    return domain[0] + Math.min(1, Math.max(0, t)) * (domain[1] - domain[0]);
  }

  function wire() {
    const hit = svgEl("rect", { x: PAD.left, y: plotTop, width: WIDTH - PAD.left - PAD.right, height: plotBottom - plotTop,
      class: "scrub-area" });
    svg.append(hit);
    let dragging = false;
    hit.addEventListener("pointerdown", (event) => {
      dragging = true;
      hit.setPointerCapture?.(event.pointerId);
      event.preventDefault();
      onScrub(stepAt(event));
    });
    hit.addEventListener("pointermove", (event) => { if (dragging) onScrub(stepAt(event)); });
    const stop = () => { dragging = false; };
    hit.addEventListener("pointerup", stop);
    hit.addEventListener("pointercancel", stop);
  }

  function draw({ panels, markers }) {
    const height = panels.reduce((h, p) => h + p.height, 0) + PAD.top + PAD.bottom + (panels.length - 1) * 14;
    svg = svgEl("svg", { viewBox: `0 0 ${WIDTH} ${height}`, class: "chart loss-chart", role: "img",
      "aria-label": "training losses against step, with the film frames marked; drag to scrub" });
    container.replaceChildren(svg);
    labels = [];
    const xs = panels.flatMap((p) => p.series.flatMap((s) => s.points.map((q) => q[0]))).concat(markers.map((m) => m.x));
    domain = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
    if (domain[1] === domain[0]) domain[1] = domain[0] + 1;
    X = (v) => PAD.left + ((v - domain[0]) / (domain[1] - domain[0])) * (WIDTH - PAD.left - PAD.right);
    let top = PAD.top;
    plotTop = top + LEGEND;
    for (const panel of panels) {
      drawPanel(panel, top);
      top += panel.height + 14;
    }
    plotBottom = top - 14;
    for (const t of ticks(domain[0], domain[1], 6)) {
      svg.append(svgEl("text", { x: X(t), y: plotBottom + 20, "text-anchor": "middle", class: "chart-tick" },
        t >= 1000 ? `${t / 1000}k` : t));
    }
    svg.append(svgEl("text", { x: (PAD.left + WIDTH - PAD.right) / 2, y: plotBottom + 38, "text-anchor": "middle",
      class: "chart-label" }, "training step"));
    markerNodes = markers.map((m) => {
      const x = X(m.x);  // near an edge the label hangs inwards from its marker, so it is never cut off
      const anchor = x > WIDTH - PAD.right - 80 ? "end" : x < PAD.left + 80 ? "start" : "middle";
      const g = svgEl("g", { class: "film-marker" },
        svgEl("line", { x1: x, x2: x, y1: plotTop, y2: plotBottom }),
        svgEl("text", { x, y: x > legendEnd + 40 ? plotTop - 8 : plotTop + 16, "text-anchor": anchor, class: "film-marker-label" }, m.label));
      svg.append(g);
      return g;
    });
    svg.append(...labels);
    wire();
  }

  function setCurrent(index) {
    markerNodes.forEach((g, i) => g.classList.toggle("current", i === index));
    const node = markerNodes[index];
    if (!node) return;
    svg.append(node, ...labels, svg.querySelector(".scrub-area")); // on top of the other markers, under the labels
  }

  return { draw, setCurrent };
}
