// ② x -> z layer by layer (POST /api/flow/{id}/layers): every layer's output for the chosen digit,
// each with its log-det contribution and the running total, which ends at log p(y); the chart draws
// that total along the layers. The last "layer" is the Gaussian prior's log-density of z.

import { api, guarded, latest } from "../lib/api.js";
import { lineChart } from "../lib/chart.js";
import { digit, el } from "../lib/images.js";

const $ = (id) => document.getElementById(id);
const LN2 = Math.log(2);
const PIXELS = 784;

const signed = (v, digits = 1) => `${v >= 0 ? "+" : "−"}${Math.abs(v).toFixed(digits)}`;
/** The Gaussian terms: the half that leaves at the split, and the prior on the rest (the others are log-dets). */
const isPrior = (layer) => /prior|split/i.test(layer.name);

function cell(layer, i, total) {
  const range = `${layer.name}: values ${layer.min.toFixed(2)} … ${layer.max.toFixed(2)}, mean ${layer.mean.toFixed(2)}, std ${layer.std.toFixed(2)}`;
  return el("li", { class: `layer-cell${isPrior(layer) ? " prior" : ""}`, title: range },
    digit(layer.image, { size: 72, alt: `layer ${i + 1}: ${layer.name}` }),
    el("span", { class: "layer-name" }, layer.name),
    el("span", { class: "layer-ld" }, `${signed(layer.logdet_nats)}`),
    el("span", { class: "layer-total" }, `Σ ${signed(total)}`));
}

export function createLayers(ctx) {
  const section = $("layers");

  const refresh = latest(async () => {
    const d = ctx.digit;
    if (!d) return;
    const model = ctx.model;
    const out = await guarded(section, () => api(`/api/flow/${encodeURIComponent(model.id)}/layers`, { image: d.image, seed: 0 }));
    if (!out || d !== ctx.digit) return;
    let total = 0;
    const totals = out.layers.map((layer) => (total += layer.logdet_nats));
    $("layer-strip").replaceChildren(...out.layers.map((layer, i) => cell(layer, i, totals[i])));
    $("layer-strip").dataset.count = String(out.layers.length);
    const prior = out.layers.filter(isPrior).reduce((s, l) => s + l.logdet_nats, 0);
    $("sum-logdet").textContent = signed(total - prior);
    $("prior-logp").textContent = signed(prior);
    $("total-logp").textContent = signed(total);
    $("layers-bpd").textContent = out.bits_per_dim.toFixed(3);
    const fromTotal = 8 - total / (PIXELS * LN2);
    $("layers-note").textContent = `${d.caption}: ${out.layers.length} layers. On the 256 pixel levels, bits/dim = 8 − log p(y) / (784 · ln 2)`
      + ` = 8 − ${total.toFixed(1)} / 543.4 = ${fromTotal.toFixed(3)} (the server says ${out.bits_per_dim.toFixed(3)}).`;
    lineChart($("logp-chart"), [{ name: "running total of log p (nats)", color: "#5b2a86",
      points: totals.map((t, i) => [i + 1, t]) }], { width: 620, height: 220, xLabel: "layer", yLabel: "nats",
      label: "running total of the log-density along the layers" });
  });

  return { refresh };
}
