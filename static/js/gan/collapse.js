// Mode collapse: gan-collapsed-mnist next to the healthy dcgan-mnist — a sample grid of each (same
// seed), the classes of 1000 samples as judged by genlab's classifier, and how the collapse was provoked.

import { guarded, post } from "../lib/api.js";
import { svgEl } from "../lib/chart.js";
import { el, setSrc } from "../lib/images.js";
import { loadFilm } from "./film.js";
import { fmt, fmt3, recipe } from "./losses.js";
import { urlWith } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const PAIR = [
  { id: "gan-collapsed-mnist", role: "collapsed", color: "#d9480f", tag: "provoked collapse" },
  { id: "dcgan-mnist", role: "healthy", color: "#1f5fd6", tag: "healthy" },
];

/** Ten vertical bars (classes 0–9) with their counts, and the uniform share as a dashed line. */
function histogram(counts, color, label) {
  const width = 540;
  const height = 250;
  const pad = { left: 44, right: 10, top: 48, bottom: 30 };
  const total = counts.reduce((a, b) => a + b, 0) || 1;
  const uniform = total / counts.length;
  const max = Math.max(uniform * 1.25, ...counts);
  const slot = (width - pad.left - pad.right) / counts.length;
  const Y = (v) => pad.top + (1 - v / max) * (height - pad.top - pad.bottom);
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart class-hist", role: "img", "aria-label": label });
  svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(0), y2: Y(0), class: "chart-zero" }));
  counts.forEach((c, i) => {
    const x = pad.left + i * slot;
    svg.append(
      svgEl("rect", { x: x + slot * 0.12, width: slot * 0.76, y: Y(c), height: Math.max(0, Y(0) - Y(c)), fill: color, rx: 2 },
        svgEl("title", {}, `class ${i}: ${c} of ${total}`)),
      svgEl("text", { x: x + slot / 2, y: Y(c) - 6, "text-anchor": "middle", class: "hist-count" }, c),
      svgEl("text", { x: x + slot / 2, y: height - 6, "text-anchor": "middle", class: "hist-class" }, i),
    );
  });
  svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(uniform), y2: Y(uniform), class: "chart-ref" }),
    svgEl("text", { x: pad.left - 6, y: Y(uniform) + 5, "text-anchor": "end", class: "chart-tick" }, Math.round(uniform)),
    svgEl("text", { x: width - pad.right, y: 14, "text-anchor": "end", class: "chart-ref-label" },
      `- - - ${Math.round(uniform)} each if every class were equally likely`));
  return svg;
}

function facts(model) {
  const rows = [["how it was trained", recipe(model)]];
  if (model.description) rows.push(["its card says", model.description]);
  return el("table", { class: "facts" }, el("tbody", {}, rows.map(([k, v], i) =>
    el("tr", { class: i ? "desc" : null }, el("th", { scope: "row" }, k), el("td", {}, v)))));
}

/** This page reopened at frame `frame` of the model's training film. */
const filmHref = (id, frame) => urlWith({ fm: id, ff: frame, sec: "film" });

function filmLink(id) {
  return el("p", { class: "film-link" }, el("a", { href: filmHref(id, 0) }, `▶ Watch ${id} collapse in its training film`));
}

/** The top-left digit of a film frame's 8×8 grid (make_grid puts the first image at 0, 0). */
function firstCell(src, label) {
  const canvas = el("canvas", { width: 28, height: 28, class: "px mode-img", role: "img", "aria-label": label });
  const img = new Image();
  img.onload = () => canvas.getContext("2d").drawImage(img, 0, 0, 28, 28, 0, 0, 28, 28);
  img.src = src;
  return canvas;
}

/** The first z's picture at every frame of the collapsed GAN's film. Once G has collapsed, all 64 z share
 * that picture, so the strip is the sequence of modes G visited; each opens its frame in the film. */
async function modesStrip(id) {
  const film = await loadFilm(id);
  return el("figure", { class: "modes-strip" },
    el("h3", { class: "hist-title" }, `The modes ${id} visited in its one run`),
    el("div", { class: "modes-row" }, film.frames.map((f, i) => {
      const when = i ? `step ${f.step}` : "start";
      return el("a", { class: "mode", href: filmHref(id, i), "data-frame": i },
        firstCell(f.grid, `the first z at ${when}`), el("span", { class: "mode-step" }, when));
    })),
    el("figcaption", { class: "caption" }, "The first of the film's 64 fixed z at each frame. At the start the 64 "
      + "are 64 different digits; from the first hop on, the other 63 show nearly the same picture as this one. "
      + "Click one to open that frame in the film."));
}

function column(ctx, spec) {
  const model = ctx.models.find((m) => m.id === spec.id);
  const head = el("h3", { class: "pair-title" }, el("code", {}, spec.id), " ", el("span", { class: `tag ${spec.role}` }, spec.tag));
  if (!model) {
    const failed = ctx.failed.find((f) => f.id === spec.id);
    return { node: el("div", { class: `pair-col missing ${spec.role}`, "data-model": spec.id }, head,
      el("div", { class: "not-trained" }, failed ? `Its checkpoint failed to load: ${failed.error}`
        : "Not trained yet: its checkpoint appears in checkpoints/ when training finishes (then restart the server).")) };
  }
  const img = el("img", { class: "px grid-img pair-grid", width: 280, height: 280, alt: `64 samples of ${spec.id}` });
  const caption = el("figcaption", { class: "caption" });
  const m = model.card?.metrics || {};
  const hist = Array.isArray(m.class_histogram) && m.class_histogram.length === 10;
  const entropy = m.class_entropy;
  const ratio = m.frechet_ratio_to_floor ?? (m.frechet_distance !== undefined && m.real_vs_real_frechet_floor
    ? m.frechet_distance / m.real_vs_real_frechet_floor : undefined);
  const stats = el("div", { class: "pair-stats" },
    el("div", { class: "big-stat" }, el("span", { class: "big-num" }, entropy === undefined ? "—" : fmt(entropy)),
      el("span", { class: "big-label" }, "class entropy"), el("small", { class: "muted" }, "1 = all classes equally, 0 = one class")),
    el("div", { class: "big-stat" }, el("span", { class: "big-num" }, ratio === undefined ? "—" : `${fmt(ratio, 0)}×`),
      el("span", { class: "big-label" }, "Fréchet distance ÷ floor"),
      el("small", { class: "muted" }, ratio === undefined ? "not measured yet"
        : `FD ${fmt3(m.frechet_distance)} vs ${fmt3(m.real_vs_real_frechet_floor)} between two halves of real data; lower is better`)));
  const chart = hist ? histogram(m.class_histogram, spec.color, `classes of ${m.samples ?? 1000} samples of ${spec.id}`)
    : el("p", { class: "not-trained" }, "No class histogram in its card yet (genlab evaluate writes it).");
  const node = el("div", { class: `pair-col ${spec.role}`, "data-model": spec.id }, head,
    el("div", { class: "pair-top" }, el("figure", {}, img, caption), stats),
    el("h4", { class: "hist-title" }, `Classes of ${m.samples ?? 1000} samples, judged by genlab's digit classifier`),
    chart, facts(model), spec.role === "collapsed" ? filmLink(spec.id) : null);
  return { node, model, img, caption };
}

export function createCollapse(ctx) {
  const section = $("collapse");
  let cols = [];

  async function refresh() {
    const live = cols.filter((c) => c.model);
    const body = { n: 64, seed: ctx.seed, temperature: 1 };
    const outs = await guarded(section, () => Promise.all(live.map((c) => post(c.model.id, "sample", body))));
    if (!outs) return;
    outs.forEach((out, i) => {
      setSrc(live[i].img, out.grid, `64 samples of ${live[i].model.id}, seed ${out.seed}`);
      live[i].caption.textContent = `seed ${out.seed} · T = 1 · the same z for both`;
    });
  }

  return {
    init() {
      cols = PAIR.map((spec) => column(ctx, spec));
      $("collapse-pair").replaceChildren(...cols.map((c) => c.node));
      if (ctx.models.length) refresh();
      const collapsed = ctx.models.find((m) => m.id === PAIR[0].id && m.capabilities.includes("film"));
      if (collapsed) guarded(section, () => modesStrip(collapsed.id)).then((strip) => strip && $("collapse-modes").replaceChildren(strip));
    },
    refresh,
  };
}
