// Training stability: the picked models' training curves from their cards (GET /api/models/{id}), one panel per
// model in its own loss units, all on one time axis: minutes of training (each epoch and logged step placed at
// its own run's rate: lib/training-runs.js). A checkpoint continued over several runs without
// --whole-history keeps only its last run's curve, which the notes under the panels say, with what the earlier
// runs took.

import { api, guarded } from "../lib/api.js";
import { svgEl, ticks } from "../lib/chart.js";
import { el } from "../lib/images.js";
import { runCount, totalOf, trainingClock } from "../lib/training-runs.js";
import { sig } from "./format.js";

const $ = (id) => document.getElementById(id);
const W = 1100;
const H = 190;
const PAD = { left: 78, right: 16, top: 30, bottom: 34 };

/** What a card's history logs, recognised by its keys (the families log different things). */
const LOSSES = [
  { keys: ["d_loss", "g_loss"], unit: "loss", heldout: false,
    series: [["D loss", (e) => e.d_loss], ["G loss", (e) => e.g_loss]] },
  { keys: ["recon", "kl"], unit: "−ELBO (nats)", heldout: true, series: [["−ELBO = recon + KL", (e) => e.recon + e.kl]] },
  { keys: ["bpd"], unit: "bits/dim", heldout: true, series: [["−log p(x) in bits/dim", (e) => e.bpd]] },
  { keys: ["nll"], unit: "nats / token", heldout: true, series: [["prior −log p(tokens)", (e) => e.nll]] },
  { keys: ["mse"], unit: "MSE", heldout: true, series: [["denoising MSE", (e) => e.mse]] },
];

function lossOf(history) {
  const train = history?.[0]?.train || {};
  return LOSSES.find((l) => l.keys.every((k) => k in train));
}

/** The panel's series as [name, points, style]: thin per logged step, thick per epoch, dashed held out. */
function seriesOf(training, loss) {
  const clock = trainingClock(training);
  const [atEpoch, atStep] = [(e) => clock.atEpoch(e) / 60, (s) => clock.atStep(s) / 60];
  const out = [];
  loss.series.forEach(([name, value], i) => {
    const tone = i ? "second" : "first"; // a GAN's G loss in dark grey beside D's in the model's colour
    if (training.steps_log?.length) {
      out.push({ name, tone, style: "raw",
        points: training.steps_log.map((s) => [atStep(s.step), value(s)]) });
    }
    out.push({ name, tone, style: "epoch", points: training.history.map((h) => [atEpoch(h.epoch), value(h.train)]) });
    if (loss.heldout && training.history[0].heldout) {
      out.push({ name, tone, style: "heldout",
        points: training.history.map((h) => [atEpoch(h.epoch), value(h.heldout)]) });
    }
  });
  return out;
}

function quantile(sorted, q) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

/**
 * y range: every epoch mean and held-out point, and the 2nd–98th percentile of the logged steps (one noisy
 * step's loss must not flatten the curves; the first epochs' fall is the story and stays in).
 */
function yRange(series) {
  const values = (style) => series.filter((s) => (style === "raw") === (s.style === "raw"))
    .flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite).sort((a, b) => a - b);
  const [raw, epochs] = [values("raw"), values("epoch")];
  const lo = Math.min(...epochs, ...(raw.length ? [quantile(raw, 0.02)] : []));
  const hi = Math.max(...epochs, ...(raw.length ? [quantile(raw, 0.98)] : []));
  const span = hi - lo || Math.abs(hi) || 1;
  return [lo - span * 0.08, hi + span * 0.1];
}

/** x ticks: decades and their threes on a log axis; round minutes on a linear one. */
function timeTicks([x0, x1], log) {
  if (!log) return ticks(x0, x1, 8);
  const out = [];
  for (let d = Math.floor(Math.log10(x0)); d <= Math.ceil(Math.log10(x1)); d += 1) {
    for (const m of [1, 3]) {
      const v = m * 10 ** d;
      if (v >= x0 && v <= x1) out.push(Number(v.toPrecision(3)));
    }
  }
  return out;
}

const pathOf = (points, X, Y) => points.map((p, i) => `${i ? "L" : "M"}${X(p[0]).toFixed(1)},${Y(p[1]).toFixed(1)}`).join("");

function panel(id, loss, series, domain, log, slot, last) {
  const svg = svgEl("svg", { viewBox: `0 0 ${W} ${H + (last ? 22 : 0)}`, class: `chart curve-panel slot-${slot}`, role: "img",
    "data-model": id, "aria-label": `${id}: ${loss.unit} against minutes of training` });
  const tx = log ? Math.log10 : (v) => v;
  const X = (v) => PAD.left + ((tx(v) - tx(domain[0])) / (tx(domain[1]) - tx(domain[0]) || 1)) * (W - PAD.left - PAD.right);
  const [y0, y1] = yRange(series);
  const Y = (v) => PAD.top + ((y1 - v) / (y1 - y0)) * (H - PAD.top - PAD.bottom);
  const clip = `clip-${id}`;
  svg.append(svgEl("clipPath", { id: clip }, svgEl("rect", { x: PAD.left, y: PAD.top, width: W - PAD.left - PAD.right,
    height: H - PAD.top - PAD.bottom })));
  for (const t of ticks(y0, y1, 4)) {
    svg.append(svgEl("line", { x1: PAD.left, x2: W - PAD.right, y1: Y(t), y2: Y(t), class: "chart-grid" }),
      svgEl("text", { x: PAD.left - 6, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, sig(t)));
  }
  for (const t of timeTicks(domain, log)) {
    svg.append(svgEl("line", { x1: X(t), x2: X(t), y1: PAD.top, y2: H - PAD.bottom, class: "chart-grid" }),
      svgEl("text", { x: X(t), y: H - PAD.bottom + 18, "text-anchor": "middle", class: "chart-tick" }, t));
  }
  const g = svgEl("g", { "clip-path": `url(#${clip})` });
  for (const s of series) {
    const points = s.points.filter((p) => Number.isFinite(p[1]) && (!log || p[0] > 0));
    g.append(svgEl("path", { d: pathOf(points, X, Y), class: `curve curve-${s.style} ${s.tone}` }));
  }
  svg.append(g, svgEl("text", { x: PAD.left, y: 20, class: "chart-label curve-title" }, id),
    svgEl("text", { x: PAD.left + 12 + id.length * 10, y: 20, class: "chart-tick" }, loss.unit));
  let lx = W - PAD.right; // the legend, right-aligned: one entry per loss (its epoch-mean line)
  for (const s of series.filter((t) => t.style === "epoch").reverse()) {
    lx -= 44 + s.name.length * 8;
    svg.append(svgEl("line", { x1: lx, x2: lx + 28, y1: 15, y2: 15, class: `curve curve-epoch ${s.tone}` }),
      svgEl("text", { x: lx + 34, y: 20, class: "chart-legend" }, s.name));
  }
  if (last) {
    svg.append(svgEl("text", { x: (PAD.left + W - PAD.right) / 2, y: H + 14, "text-anchor": "middle", class: "chart-label" },
      `minutes of training (${log ? "log" : "linear"} scale)`));
  }
  return svg;
}

function note(id, training, description) {
  const runs = runCount(training);
  const minutes = (s) => `${sig(s / 60, 2)} min`;
  const all = `${id}: trained in ${runs} runs, ${totalOf(training, "epochs")} epochs in ${minutes(totalOf(training, "seconds"))}`;
  let text = `${all}; the curve covers every run.`;
  if (runs === 1) text = `${id}: one run, ${training.epochs} epochs in ${minutes(training.seconds)}.`;
  else if (!training.whole_history) {
    text = `${all}; its card keeps only the last run's curve (${training.epochs} epochs, ${minutes(training.seconds)}), `
      + "drawn from minute 0.";
  }
  return el("li", { "data-model": id }, text, runs > 1 && description
    ? el("details", {}, el("summary", {}, "how it was trained (its card)"), el("p", {}, description)) : null);
}

/** ctx: {picked, slot(id), timeAxis: "log" | "lin"}. */
export function createCurves(ctx) {
  const section = $("curves");
  const cards = new Map(); // id -> promise of the full model (its card has the history)

  const card = (id) => {
    if (!cards.has(id)) {
      cards.set(id, api(`/api/models/${encodeURIComponent(id)}`));
      cards.get(id).catch(() => cards.delete(id));
    }
    return cards.get(id);
  };

  async function render() {
    const picked = [...ctx.picked];
    const models = await guarded(section, () => Promise.all(picked.map(card)));
    if (!models || picked.join() !== ctx.picked.join()) return; // the picks moved on
    const log = ctx.timeAxis === "log";
    const drawn = models.map((m) => {
      const training = m.card.training;
      const loss = lossOf(training?.history);
      return { m, training, loss, series: loss ? seriesOf(training, loss) : [] };
    });
    const xs = drawn.flatMap((d) => d.series.flatMap((s) => s.points.map((p) => p[0]))).filter((x) => x > 0);
    const domain = log ? [Math.min(...xs), Math.max(...xs)] : [0, Math.max(...xs)];
    const withCurves = drawn.filter((d) => d.loss);
    $("curve-panels").replaceChildren(...drawn.map((d) => (d.loss
      ? panel(d.m.id, d.loss, d.series, domain, log, ctx.slot(d.m.id), d === withCurves.at(-1))
      : el("p", { class: "muted", "data-model": d.m.id }, `${d.m.id}: its card keeps no training curve.`))));
    $("curve-notes").replaceChildren(...drawn.filter((d) => d.training).map((d) => note(d.m.id, d.training, d.m.description)));
  }

  return { render };
}
