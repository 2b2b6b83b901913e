// The noise-schedule chart: ᾱ_t (top) and log10 SNR (bottom) against t for every schedule, with a
// marker at the current t. chart.js's lineChart has no movable marker, so this small chart is drawn
// here from the same SVG helpers; moving t only moves the marker (no full redraw).

import { svgEl, ticks } from "../lib/chart.js";

export const SCHEDULE_COLORS = { linear: "#1f5fd6", cosine: "#d9480f" };

const fmt = (v) => (Number.isInteger(v) ? String(v) : v.toFixed(Math.abs(v) < 1 ? 2 : 1));

/** Linear interpolation of a sampled curve at t (the schedules route sends ~200 points). */
export function valueAt(curve, key, t) {
  const ts = curve.t;
  let j = ts.findIndex((x) => x >= t);
  if (j < 0) return curve[key].at(-1);
  if (j === 0 || ts[j] === t) return curve[key][j];
  const f = (t - ts[j - 1]) / (ts[j] - ts[j - 1]);
  return curve[key][j - 1] + f * (curve[key][j] - curve[key][j - 1]);
}

/**
 * schedules: {name: {t, alpha_bar, log10_snr}}. Returns {setT(t, schedule)} to move the marker.
 */
export function scheduleChart(container, schedules, { width = 520, panel = 150, label = "noise schedules" } = {}) {
  const pad = { left: 58, right: 14, top: 10, gap: 26, bottom: 40 };
  const height = pad.top + 2 * panel + pad.gap + pad.bottom + 26;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart sched-chart", role: "img", "aria-label": label });
  container.replaceChildren(svg);
  const names = Object.keys(schedules);
  const T = Math.max(...names.map((n) => schedules[n].t.at(-1)));
  const X = (t) => pad.left + (t / T) * (width - pad.left - pad.right);
  const snrs = names.flatMap((n) => schedules[n].log10_snr);
  const snrLo = Math.max(-6, Math.floor(Math.min(...snrs)));
  const snrHi = Math.ceil(Math.max(...snrs));
  const panels = [
    { key: "alpha_bar", name: "ᾱₜ", lo: 0, hi: 1, top: pad.top },
    { key: "log10_snr", name: "log₁₀ SNR", lo: snrLo, hi: snrHi, top: pad.top + panel + pad.gap },
  ];
  for (const p of panels) {
    p.Y = (v) => p.top + ((p.hi - Math.max(p.lo, Math.min(p.hi, v))) / (p.hi - p.lo)) * panel;
    for (const v of ticks(p.lo, p.hi, 4)) {
      svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: p.Y(v), y2: p.Y(v),
        class: v === 0 && p.key === "log10_snr" ? "chart-zero" : "chart-grid" }),
      svgEl("text", { x: pad.left - 6, y: p.Y(v) + 5, "text-anchor": "end", class: "chart-tick" }, fmt(v)));
    }
    svg.append(svgEl("text", { x: 14, y: p.top + panel / 2, "text-anchor": "middle", class: "chart-label",
      transform: `rotate(-90 14 ${p.top + panel / 2})` }, p.name));
    for (const n of names) {
      const s = schedules[n];
      const d = s.t.map((t, i) => `${i ? "L" : "M"}${X(t).toFixed(1)},${p.Y(s[p.key][i]).toFixed(1)}`).join("");
      svg.append(svgEl("path", { d, fill: "none", stroke: SCHEDULE_COLORS[n] || "#555", "stroke-width": 3,
        class: "sched-line", "data-schedule": n }));
    }
  }
  const axisY = pad.top + 2 * panel + pad.gap;
  for (const t of ticks(0, T, 5)) {
    svg.append(svgEl("text", { x: X(t), y: axisY + 20, "text-anchor": "middle", class: "chart-tick" }, fmt(t)));
  }
  svg.append(svgEl("text", { x: (pad.left + width - pad.right) / 2, y: axisY + 38, "text-anchor": "middle",
    class: "chart-label" }, "timestep t"));
  names.forEach((n, i) => {
    const lx = pad.left + i * 170;
    const ly = height - 8;
    svg.append(svgEl("line", { x1: lx, x2: lx + 28, y1: ly - 5, y2: ly - 5, stroke: SCHEDULE_COLORS[n], "stroke-width": 4 }),
      svgEl("text", { x: lx + 36, y: ly, class: "chart-legend" }, n));
  });
  // the marker: one vertical line through both panels, a dot and a value on each
  const marker = svgEl("line", { y1: pad.top, y2: axisY, class: "sched-marker" });
  const dots = panels.map(() => svgEl("circle", { r: 6, class: "sched-dot" }));
  const values = panels.map(() => svgEl("text", { class: "chart-value sched-value" }));
  svg.append(marker, ...dots, ...values);

  return {
    /** Move the marker to t on `schedule`; `exact` ({alpha_bar, log10_snr}) replaces the interpolated values. */
    setT(t, schedule, exact = null) {
      const x = X(t);
      marker.setAttribute("x1", x);
      marker.setAttribute("x2", x);
      svg.querySelectorAll(".sched-line").forEach((path) => {
        path.classList.toggle("dim", path.dataset.schedule !== schedule);
      });
      const curve = schedules[schedule];
      panels.forEach((p, i) => {
        const v = exact?.[p.key] ?? valueAt(curve, p.key, t);
        const y = p.Y(v);
        dots[i].setAttribute("cx", x);
        dots[i].setAttribute("cy", y);
        dots[i].setAttribute("fill", SCHEDULE_COLORS[schedule]);
        const right = x > width * 0.62;
        values[i].setAttribute("x", right ? x - 10 : x + 10);
        values[i].setAttribute("y", Math.max(p.top + 16, Math.min(p.top + panel - 4, y - 10)));
        values[i].setAttribute("text-anchor", right ? "end" : "start");
        values[i].textContent = p.key === "alpha_bar" ? v.toFixed(3) : v.toFixed(2);
      });
      svg.dataset.t = String(t);
    },
  };
}
