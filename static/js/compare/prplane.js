// The precision / recall plane: every model of the table a point (precision on x, recall on y, 0–1), the
// picked ones larger, coloured and labelled; and what the measured table says, written from its figures (which
// model is most precise, which covers most, and whether the GAN-versus-VAE folklore holds on them).

import { svgEl, ticks } from "../lib/chart.js";
import { familyName, share } from "./format.js";

const $ = (id) => document.getElementById(id);
const W = 600;
const H = 560;
const PAD = { left: 70, right: 24, top: 40, bottom: 62 };
const LABEL_GAP = 22; // px between two picked models' labels before the later one moves down

const X = (p) => PAD.left + p * (W - PAD.left - PAD.right);
const Y = (r) => H - PAD.bottom - r * (H - PAD.top - PAD.bottom);

/** [x, y, anchor, text]: the top corners' names above the frame (the models crowd the top right inside it). */
const CORNERS = [
  [1, 1.045, "end", "realistic and covering ↗"], [0.98, 0.03, "end", "realistic, narrow"],
  [0, 1.045, "start", "↖ covering, unrealistic"], [0.02, 0.03, "start", "neither"],
];

function axes(svg) {
  for (const t of ticks(0, 1, 5)) {
    svg.append(svgEl("line", { x1: X(t), x2: X(t), y1: Y(0), y2: Y(1), class: "chart-grid" }),
      svgEl("line", { x1: X(0), x2: X(1), y1: Y(t), y2: Y(t), class: "chart-grid" }),
      svgEl("text", { x: X(t), y: Y(0) + 22, "text-anchor": "middle", class: "chart-tick" }, t),
      svgEl("text", { x: X(0) - 8, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, t));
  }
  svg.append(svgEl("rect", { x: X(0), y: Y(1), width: X(1) - X(0), height: Y(0) - Y(1), class: "pr-frame" }),
    svgEl("text", { x: (X(0) + X(1)) / 2, y: H - 10, "text-anchor": "middle", class: "chart-label" },
      "precision: share of samples among real digits →"),
    svgEl("text", { x: 18, y: (Y(0) + Y(1)) / 2, "text-anchor": "middle", class: "chart-label",
      transform: `rotate(-90 18 ${(Y(0) + Y(1)) / 2})` }, "recall: share of real digits covered →"));
  for (const [p, r, anchor, text] of CORNERS) {
    svg.append(svgEl("text", { x: X(p), y: Y(r) + (r > 1 ? 0 : -4), "text-anchor": anchor, class: "pr-corner" }, text));
  }
}

/** The row with the largest `key` (the first of a tie). */
const best = (rows, key) => rows.reduce((a, b) => (b[key] > a[key] ? b : a));

/** Does the folklore (GANs precise but narrow, VAEs covering but blurry) hold on each family's best figures? */
function folklore(rows) {
  const of = (family) => rows.filter((r) => r.family === family);
  const [gans, vaes] = [of("gan"), of("vae")];
  if (!gans.length || !vaes.length) return "";
  const [g, v] = [{ p: best(gans, "precision"), r: best(gans, "recall") }, { p: best(vaes, "precision"), r: best(vaes, "recall") }];
  const figures = `the GANs' best precision is ${share(g.p.precision)} (${g.p.model}) and best recall ${share(g.r.recall)} `
    + `(${g.r.model}); the VAEs' ${share(v.p.precision)} (${v.p.model}) and ${share(v.r.recall)} (${v.r.model})`;
  const ganPrecise = g.p.precision > v.p.precision;
  const vaeCovers = v.r.recall > g.r.recall;
  if (ganPrecise && vaeCovers) return ` The folklore (GANs sharp but narrow, VAEs blurry but broad) holds here: ${figures}.`;
  if (!ganPrecise && !vaeCovers) {
    return ` The folklore says GANs are sharp but narrow and VAEs blurry but broad; measured, it is the opposite: ${figures}. `
      + "In the classifier's features a blurry but well-formed digit still sits among real ones, while a GAN's "
      + "varied samples stray off them more often: look at the grids.";
  }
  return ` The folklore (GANs sharp but narrow, VAEs blurry but broad) holds only in part: ${figures}.`;
}

/** "Of the picked models, A is the most precise (0.909) and B covers the most (recall 0.909)." */
function pickedReading(picked) {
  if (picked.length < 2) return "";
  const [p, r] = [best(picked, "precision"), best(picked, "recall")];
  return `Of the picked models, ${p.model} is the most precise (${share(p.precision)}) and ${r.model} covers the most `
    + `(recall ${share(r.recall)}). `;
}

/** ctx: {table, slot(id)}. */
export function createPrPlane(ctx) {
  /** Picked models' names beside their points; one that had to move clear of another gets a leader line. */
  function labels(svg, picked) {
    const placed = [];
    for (const r of [...picked].sort((a, b) => b.recall - a.recall)) {
      const [px, py] = [X(r.precision), Y(r.recall)];
      let y = py + 6;
      while (placed.some((taken) => Math.abs(taken - y) < LABEL_GAP)) y += LABEL_GAP;
      placed.push(y);
      const right = r.precision < 0.7;
      const x = px + (right ? 18 : -18);
      if (y - 6 - py > 4) {
        svg.append(svgEl("line", { x1: px, y1: py, x2: x, y2: y - 6, class: `pr-leader slot-${ctx.slot(r.model)}` }));
      }
      svg.append(svgEl("text", { x, y, "text-anchor": right ? "start" : "end", class: `pr-label slot-${ctx.slot(r.model)}` },
        r.model));
    }
  }

  function render() {
    const rows = ctx.table.models;
    const picked = rows.filter((r) => ctx.slot(r.model) !== null);
    const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart pr-plane", role: "img",
      "aria-label": `precision against recall for ${rows.length} models; `
        + picked.map((r) => `${r.model}: precision ${share(r.precision)}, recall ${share(r.recall)}`).join("; ") });
    axes(svg);
    for (const r of [...rows].sort((a, b) => (ctx.slot(a.model) !== null) - (ctx.slot(b.model) !== null))) {
      const slot = ctx.slot(r.model);
      svg.append(svgEl("circle", { cx: X(r.precision), cy: Y(r.recall), r: slot === null ? 6 : 10,
        class: `pr-point${slot === null ? "" : ` picked slot-${slot}`}`, "data-model": r.model },
      svgEl("title", {}, `${r.model} (${familyName(r.family)}): precision ${share(r.precision)}, recall ${share(r.recall)}`)));
    }
    labels(svg, picked);
    $("pr-plane").replaceChildren(svg);
    const [p, r] = [best(rows, "precision"), best(rows, "recall")];
    $("pr-reading").textContent = `${pickedReading(picked)}In the whole table, most precise: ${p.model} `
      + `(${familyName(p.family)}, ${share(p.precision)}); widest coverage: ${r.model} (${familyName(r.family)}, `
      + `recall ${share(r.recall)}).${folklore(rows)}`;
  }

  return { render };
}
