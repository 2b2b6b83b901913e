// Six axes at once: a radar of the picked models (hand-built SVG), every axis scaled so that outward is
// better, beside a table of the raw figures each point stands for (the chart's text alternative).
// Speed is log-scaled over the decades the table spans, so 0.1 ms and 1 s both stay readable.

import { svgEl } from "../lib/chart.js";
import { el } from "../lib/images.js";
import { percent, share, sig } from "./format.js";

const $ = (id) => document.getElementById(id);
const SIZE = { width: 800, height: 580 };
const CENTER = { x: 400, y: 296 };
const R = 215;
const RINGS = [0.25, 0.5, 0.75, 1];

const clamp01 = (v) => Math.min(1, Math.max(0, v));

/** The decades [lo, hi] of milliseconds per image that the whole table spans. */
function speedDecades(rows) {
  const ms = rows.map((r) => r.ms_per_image).filter((v) => v > 0);
  return [Math.floor(Math.log10(Math.min(...ms))), Math.ceil(Math.log10(Math.max(...ms)))];
}

/**
 * The six axes: name, what it is made of (`sub`; `scale`, the longer version in the values table), the 0–1
 * position (outward better), the raw figures, and whether the position is the raw figure itself.
 */
function axes(rows) {
  const [lo, hi] = speedDecades(rows);
  return [
    { name: "quality", sub: "FD floor / FD", at: (r) => clamp01(r.fd_floor / r.fd), scaled: true,
      raw: (r) => `FD ${sig(r.fd)}, floor ${sig(r.fd_floor)}` },
    { name: "precision", sub: "realistic samples", at: (r) => r.precision, raw: (r) => share(r.precision) },
    { name: "recall", sub: "data covered", at: (r) => r.recall, raw: (r) => share(r.recall) },
    { name: "class coverage", sub: "class entropy", at: (r) => r.class_entropy, raw: (r) => share(r.class_entropy) },
    { name: "speed", sub: "ms / image, log",
      scale: `1-core ms per image, log scale: ${sig(10 ** hi)} ms at the centre, ${sig(10 ** lo)} ms at the rim`,
      at: (r) => clamp01((hi - Math.log10(r.ms_per_image)) / (hi - lo || 1)), scaled: true,
      raw: (r) => `${sig(r.ms_per_image)} ms` },
    { name: "no copying", sub: "1 − near-copy share", at: (r) => 1 - r.near_copy_share, scaled: true,
      raw: (r) => percent(r.near_copy_share) },
  ];
}

function point(i, count, radius) {
  const angle = -Math.PI / 2 + (2 * Math.PI * i) / count;
  return [CENTER.x + radius * Math.cos(angle), CENTER.y + radius * Math.sin(angle)];
}

const polygon = (values) => values.map((v, i) => point(i, values.length, R * v).map((c) => c.toFixed(1)).join(",")).join(" ");

function frame(list) {
  const svg = svgEl("svg", { viewBox: `0 0 ${SIZE.width} ${SIZE.height}`, class: "chart radar", role: "img" });
  for (const ring of RINGS) {
    svg.append(svgEl("polygon", { points: polygon(list.map(() => ring)), class: ring === 1 ? "radar-rim" : "chart-grid" }));
  }
  list.forEach((axis, i) => {
    const [x, y] = point(i, list.length, R);
    const [lx, ly] = point(i, list.length, R + 26);
    const anchor = Math.abs(lx - CENTER.x) < 10 ? "middle" : lx > CENTER.x ? "start" : "end";
    const dy = ly < CENTER.y - R / 2 ? -26 : ly > CENTER.y + R / 2 ? 16 : -6;
    svg.append(svgEl("line", { x1: CENTER.x, y1: CENTER.y, x2: x, y2: y, class: "chart-grid" }),
      svgEl("text", { x: lx, y: ly + dy, "text-anchor": anchor, class: "chart-label radar-axis" }, axis.name),
      svgEl("text", { x: lx, y: ly + dy + 21, "text-anchor": anchor, class: "chart-tick" }, axis.sub));
  });
  return svg;
}

/** ctx: {table, picked, slot(id), row(id)}. */
export function createRadar(ctx) {
  function values(list, picked) {
    const head = el("tr", {}, el("th", { scope: "col" }, "axis"),
      picked.map(({ id }) => el("th", { scope: "col" }, el("span", { class: `cmp-swatch slot-${ctx.slot(id)}`, "aria-hidden": "true" }),
        el("code", {}, id))));
    const rows = list.map((axis) => el("tr", {}, el("th", { scope: "row" }, axis.name,
      el("span", { class: "sub" }, axis.scale ?? axis.sub)),
    picked.map(({ row }) => el("td", {}, !row ? "no row in the table"
      : [axis.raw(row), axis.scaled ? el("span", { class: "pos" }, ` → ${axis.at(row).toFixed(2)}`) : null]))));
    return el("table", { class: "cmp-values", id: "radar-table" },
      el("caption", {}, "What each point stands for: the figure (→ its place on the axis where it is scaled: 0 centre, 1 rim)"),
      el("thead", {}, head), el("tbody", {}, rows));
  }

  function render() {
    const list = axes(ctx.table.models);
    const picked = ctx.picked.map((id) => ({ id, row: ctx.row(id) }));
    const svg = frame(list);
    const drawn = picked.filter((p) => p.row);
    svg.setAttribute("aria-label", `radar of ${drawn.map((p) => p.id).join(", ")} on ${list.map((a) => a.name).join(", ")}; `
      + "the values are in the table beside it");
    for (const { id, row } of drawn) {
      const slot = ctx.slot(id);
      const at = list.map((axis) => axis.at(row));
      svg.append(svgEl("polygon", { points: polygon(at), class: `radar-shape slot-${slot}`, "data-model": id },
        svgEl("title", {}, id)));
      at.forEach((v, i) => {
        const [x, y] = point(i, at.length, R * v);
        svg.append(svgEl("circle", { cx: x, cy: y, r: 5, class: `radar-point slot-${slot}` },
          svgEl("title", {}, `${id}: ${list[i].name} ${list[i].raw(row)}`)));
      });
    }
    drawn.forEach(({ id }, i) => {
      const slot = ctx.slot(id);
      const y = SIZE.height - 14 - (drawn.length - 1 - i) * 26;
      svg.append(svgEl("line", { x1: 8, x2: 40, y1: y - 5, y2: y - 5, class: `radar-key slot-${slot}` }),
        svgEl("text", { x: 48, y, class: "chart-legend" }, id));
    });
    $("radar").replaceChildren(svg);
    $("radar-values").replaceChildren(values(list, picked));
  }

  return { render };
}
