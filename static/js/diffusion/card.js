// ⑥ The model card (GET /api/models/{id}): title, config, how long it trained, held-out metrics,
// the held-out noise-prediction MSE by timestep, train / held-out MSE per epoch, and the sampler curves.

import { api, guarded } from "../lib/api.js";
import { lineChart } from "../lib/chart.js";
import { renderCurves, renderSamplerCosts } from "./curves.js";
import { el } from "../lib/images.js";
import { runCount, totalOf, withEarlier } from "../lib/training-runs.js";

const $ = (id) => document.getElementById(id);

function duration(seconds) {
  if (!Number.isFinite(seconds)) return "—";
  const h = Math.floor(seconds / 3600);
  const m = Math.round((seconds % 3600) / 60);
  return h ? `${h} h ${m} min` : `${Math.max(1, m)} min`;
}

function summary(model) {
  const card = model.card;
  const cfg = card.config || {};
  const tr = card.training || {};
  const history = tr.history || [];
  const done = history.length;
  const planned = tr.epochs;
  const facts = [
    ["schedule", `${cfg.schedule}, T = ${cfg.timesteps}`],
    ["UNet", cfg.unet ? `channels ${(cfg.unet.channels || []).join("/")}, ${cfg.unet.num_classes ? "class-conditional" : "unconditional"}` : "—"],
    ["label dropout", cfg.label_dropout === undefined ? "—" : `${cfg.label_dropout} (trains ε_θ(x_t, ∅) for guidance)`],
    ["EMA decay", cfg.ema_decay ?? "—"],
    ["sample guidance", cfg.unet?.num_classes ? `w = ${cfg.sample_guidance ?? 1} (what sample uses unless told)` : "—"],
    ["epochs", planned && done < planned ? `${done} of ${planned}` : withEarlier(tr, "epochs")],
    ["training time", runCount(tr) > 1 ? `${duration(totalOf(tr, "seconds"))} in all` : duration(tr.seconds)],
    ["optimiser steps", withEarlier(tr, "steps")],
  ];
  const status = [];
  if (planned && done < planned) {
    status.push(el("p", { class: "notice" }, `This checkpoint is still training: ${done} of ${planned} epochs so far. `
      + "Its samples may still look rough."));
  }
  return [
    el("h3", {}, card.title || model.id, " ", el("code", { class: "muted" }, model.id)),
    card.description ? el("p", { class: "meta" }, card.description) : null,
    ...status,
    el("dl", { class: "facts" }, facts.map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, String(v))))),
  ];
}

function metricsTable(card) {
  const metrics = Object.entries(card.metrics || {}).filter(([k]) => !["curves", "measured"].includes(k)); // curves are charted
  if (!metrics.length) {
    return el("p", { class: "muted" }, "No held-out metrics in this model card yet (genlab evaluate writes them once training has finished).");
  }
  const fmt = (v) => (typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4))
    : Array.isArray(v) ? v.map((c, i) => `${i}: ${c}`).join(" · ") : JSON.stringify(v));
  return el("table", { class: "metrics" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "metric (from the model card)"), el("th", { scope: "col" }, "value"))),
    el("tbody", {}, metrics.map(([k, v]) => el("tr", {}, el("th", { scope: "row" }, k.replaceAll("_", " ")), el("td", {}, fmt(v))))));
}

export function createCard(ctx) {
  const section = $("training");

  /** The latent model's sampler curve and both models' GFLOP per evaluation, for the cost-quality chart
   * (null when no latent model is loaded or either card lacks them: curves measured before the FLOPs were
   * recorded have no common cost scale to draw on). */
  async function latentCurve(pixel) {
    const latent = ctx.latentModels?.[0];
    const pixelGflop = pixel.card.metrics?.measured?.samplers_curve?.gflop_per_evaluation;
    if (!latent || !Number.isFinite(pixelGflop)) return null;
    const full = await guarded(section, () => api(`/api/models/${encodeURIComponent(latent.id)}`));
    const metrics = full?.card.metrics;
    const gflop = metrics?.measured?.samplers_curve?.gflop_per_evaluation;
    if (!metrics?.curves?.samplers || !Number.isFinite(gflop)) return null;
    return { id: latent.id, points: metrics.curves.samplers, gflop, pixelGflop };
  }

  async function refresh() {
    const model = ctx.model;
    const full = await guarded(section, () => api(`/api/models/${encodeURIComponent(model.id)}`));
    const latent = full && await latentCurve(full);
    if (!full || model !== ctx.model) return; // another model was picked meanwhile: its own refresh draws
    $("card-summary").replaceChildren(...summary(full).filter(Boolean));
    $("card-metrics").replaceChildren(metricsTable(full.card));
    renderCurves(full.card.metrics?.curves, $("curve-steps"), $("curve-guidance"));
    renderSamplerCosts(full.card.metrics?.curves?.samplers, $("curve-samplers"), latent);
    const tr = full.card.training || {};
    const byT = tr.loss_by_t || [];
    if (byT.length) {
      lineChart($("loss-t-chart"), [{ name: "held-out ‖ε − ε_θ(x_t, t, y)‖² (mean per pixel)", color: "#5b2a86",
        points: byT.map((r) => [r.t, r.mse]) }], { width: 600, height: 260, xLabel: "timestep t", yLabel: "MSE", yMin: 0,
        label: "held-out noise-prediction MSE against t" });
    } else {
      $("loss-t-chart").replaceChildren(el("p", { class: "muted empty-chart" },
        "Not recorded yet: the loss by timestep is measured on held-out digits when training finishes."));
    }
    const history = (tr.history || []).filter((r) => Number.isFinite(r.heldout?.mse) || Number.isFinite(r.train?.mse));
    if (history.length) {
      const series = [
        { name: "held-out MSE", color: "#1f5fd6", points: history.filter((r) => Number.isFinite(r.heldout?.mse)).map((r) => [r.epoch, r.heldout.mse]) },
        { name: "train MSE", color: "#d9480f", dash: true, points: history.filter((r) => Number.isFinite(r.train?.mse)).map((r) => [r.epoch, r.train.mse]) },
      ].filter((s) => s.points.length);
      lineChart($("history-chart"), series, { width: 600, height: 260, xLabel: "epoch", yLabel: "ε-prediction MSE", yMin: 0,
        label: "train and held-out MSE per epoch" });
    } else {
      $("history-chart").replaceChildren(el("p", { class: "muted empty-chart" }, "No epochs recorded in this model card yet."));
    }
  }

  return { refresh };
}
