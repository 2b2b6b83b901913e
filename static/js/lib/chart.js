// Small SVG charts (no library): horizontal bars, error bars against a prior band, line charts.
// Each function replaces the contents of a container with one <svg> that scales to its width.

const NS = "http://www.w3.org/2000/svg";

export function svgEl(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== null && value !== undefined) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function frame(container, width, height, label) {
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img", "aria-label": label });
  container.replaceChildren(svg);
  return svg;
}

/** About `count` round tick values covering [lo, hi]. */
export function ticks(lo, hi, count = 5) {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) || raw;
  const out = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

const fmt = (v) => (Number.isInteger(v) ? String(v) : Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2));

/**
 * Horizontal bars: [{label, value, color, marker?, markerLabel?}], all on one scale from 0.
 * `marker` draws a tick (e.g. the held-out average) so one digit can be compared with the typical one.
 */
export function barChart(container, bars, { width = 560, unit = "nats", label = "bar chart" } = {}) {
  const row = 46;
  const left = 190;
  const right = 120;
  const height = bars.length * row + 26;
  const svg = frame(container, width, height, label);
  const max = Math.max(1e-9, ...bars.map((b) => Math.max(Math.abs(b.value), b.marker ?? 0))) * 1.05;
  const x = (v) => left + (Math.abs(v) / max) * (width - left - right);
  bars.forEach((b, i) => {
    const y = 8 + i * row;
    svg.append(
      svgEl("text", { x: left - 10, y: y + 22, "text-anchor": "end", class: "chart-label" }, b.label),
      svgEl("rect", { x: left, y, width: Math.max(1, x(b.value) - left), height: row - 14, fill: b.color, rx: 3 }),
      svgEl("text", { x: Math.max(x(b.value), b.marker == null ? 0 : x(b.marker)) + 10, y: y + 22, class: "chart-value" },
        `${b.value.toFixed(1)} ${unit}`),
    );
    if (b.marker !== undefined && b.marker !== null) {
      const mx = x(b.marker);
      svg.append(svgEl("line", { x1: mx, x2: mx, y1: y - 4, y2: y + row - 10, class: "chart-marker" },
        svgEl("title", {}, b.markerLabel || `reference ${b.marker.toFixed(1)}`)));
    }
  });
  return svg;
}

/**
 * Posterior q(z|x) per latent dimension: a dot at the mean and a bar over mean ± 2·std, drawn over
 * the N(0, 1) prior's ± 2 band. A dimension the model ignores sits on the band (mean 0, std 1).
 */
export function errorBarChart(container, means, stds, { width = 640, height = 300, label = "posterior" } = {}) {
  const svg = frame(container, width, height, label);
  const pad = { left: 48, right: 12, top: 12, bottom: 38 };
  const reach = Math.max(3, ...means.map((m, i) => Math.abs(m) + 2 * stds[i]));
  const lim = Math.min(10, Math.ceil(reach));
  const y = (v) => pad.top + ((lim - v) / (2 * lim)) * (height - pad.top - pad.bottom);
  const slot = (width - pad.left - pad.right) / means.length;
  const x = (i) => pad.left + slot * (i + 0.5);
  svg.append(svgEl("rect", { x: pad.left, width: width - pad.left - pad.right, y: y(2), height: y(-2) - y(2),
    class: "prior-band" }, svgEl("title", {}, "prior N(0,1): ±2 std")));
  for (const t of ticks(-lim, lim, 6)) {
    svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t),
      class: t === 0 ? "chart-zero" : "chart-grid" }),
    svgEl("text", { x: pad.left - 6, y: y(t) + 5, "text-anchor": "end", class: "chart-tick" }, t));
  }
  means.forEach((m, i) => {
    const lo = Math.max(-lim, m - 2 * stds[i]);
    const hi = Math.min(lim, m + 2 * stds[i]);
    const cap = Math.min(10, slot * 0.3);
    svg.append(
      svgEl("line", { x1: x(i), x2: x(i), y1: y(hi), y2: y(lo), class: "err-bar" }),
      svgEl("line", { x1: x(i) - cap, x2: x(i) + cap, y1: y(hi), y2: y(hi), class: "err-bar" }),
      svgEl("line", { x1: x(i) - cap, x2: x(i) + cap, y1: y(lo), y2: y(lo), class: "err-bar" }),
      svgEl("circle", { cx: x(i), cy: y(Math.max(-lim, Math.min(lim, m))), r: 5, class: "err-dot" },
        svgEl("title", {}, `z${i + 1}: mean ${m.toFixed(2)}, std ${stds[i].toFixed(2)}`)),
    );
    if (means.length <= 32) {
      svg.append(svgEl("text", { x: x(i), y: height - 14, "text-anchor": "middle", class: "chart-tick" }, i + 1));
    }
  });
  return svg;
}

/**
 * Line chart: series = [{name, color, dash?, points: [[x, y], ...]}]. A legend is drawn under it.
 */
export function lineChart(container, series, { width = 560, height = 260, xLabel = "", yLabel = "",
  label = "line chart", yMin = null, refLine = null, xLog = false } = {}) {
  const legend = refLine ? [...series, { name: refLine.label, color: "#2b8a3e", dash: true, ref: true }] : series;
  const legendRows = Math.ceil(legend.length / 2);
  const total = height + legendRows * 24 + 6;
  const svg = frame(container, width, total, label);
  const pad = { left: 62, right: 14, top: 12, bottom: 44 };
  const toX = xLog ? Math.log10 : (v) => v; // xLog: e.g. step counts 10 … 1000, evenly spaced per decade
  const xs = series.flatMap((s) => s.points.map((p) => toX(p[0])));
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).concat(refLine ? [refLine.value] : []);
  if (!xs.length) return svg;
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [yMin ?? Math.min(...ys), Math.max(...ys)];
  const span = y1 - y0 || Math.abs(y1) || 1;
  y0 = yMin ?? y0 - span * 0.05;
  y1 += span * 0.08;
  const X = (v) => pad.left + ((toX(v) - x0) / (x1 - x0 || 1)) * (width - pad.left - pad.right);
  const Y = (v) => pad.top + ((y1 - v) / (y1 - y0 || 1)) * (height - pad.top - pad.bottom);
  for (const t of ticks(y0, y1, 4)) {
    svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(t), y2: Y(t), class: "chart-grid" }),
      svgEl("text", { x: pad.left - 6, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, fmt(t)));
  }
  const xTicks = xLog ? [...new Set(xs)].map((v) => 10 ** v) : ticks(x0, x1, 6);
  for (const t of xTicks) {
    svg.append(svgEl("text", { x: X(t), y: height - 22, "text-anchor": "middle", class: "chart-tick" }, fmt(Number(t.toPrecision(6)))));
  }
  svg.append(svgEl("text", { x: (pad.left + width - pad.right) / 2, y: height - 2, "text-anchor": "middle",
    class: "chart-label" }, xLabel));
  svg.append(svgEl("text", { x: 14, y: (pad.top + height - pad.bottom) / 2, "text-anchor": "middle", class: "chart-label",
    transform: `rotate(-90 14 ${(pad.top + height - pad.bottom) / 2})` }, yLabel));
  if (refLine) {
    svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(refLine.value), y2: Y(refLine.value),
      class: "chart-ref" }));
  }
  for (const s of series) {
    const d = s.points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");
    svg.append(svgEl("path", { d, fill: "none", stroke: s.color, "stroke-width": 3,
      "stroke-dasharray": s.dash ? "7 5" : null }));
    if (s.points.length <= 16) {
      for (const p of s.points) svg.append(svgEl("circle", { cx: X(p[0]), cy: Y(p[1]), r: 3.5, fill: s.color }));
    }
  }
  legend.forEach((s, i) => {
    const lx = pad.left + (i % 2) * ((width - pad.left) / 2);
    const ly = height + 14 + Math.floor(i / 2) * 24;
    svg.append(svgEl("line", { x1: lx, x2: lx + 28, y1: ly, y2: ly, stroke: s.color, "stroke-width": s.ref ? 2 : 3,
      "stroke-dasharray": s.ref ? "3 4" : s.dash ? "7 5" : null }),
    svgEl("text", { x: lx + 36, y: ly + 6, class: "chart-legend" }, s.name));
  });
  return svg;
}
