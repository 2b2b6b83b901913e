// Showing frames: the picture (2-D canvas or the MNIST sample grid), its legend with layer toggles,
// the big numbers, the charts, the VAE's latent panel and the MNIST class histogram. Charts take every
// frame; the pictures are drawn once per animation frame, from the newest frame only.

import { drawLatent, drawScene, fmt, legendOf } from "./canvas2d.js";
import { drawHistogram, lossChart, metricChart } from "./charts.js";

const $ = (id) => document.getElementById(id);

function numberRow(label, value, { title = "", cls = "" } = {}) {
  const div = document.createElement("div");
  if (cls) div.className = cls;
  const dt = document.createElement("dt");
  dt.textContent = label;
  if (title) dt.title = title;
  const dd = document.createElement("dd");
  dd.textContent = value;
  div.append(dt, dd);
  return div;
}

function klBars(box, kl) {
  const top = Math.max(0.5, ...kl.filter(Number.isFinite));
  box.replaceChildren(...kl.slice(0, 8).map((v, i) => {
    const row = document.createElement("div");
    row.className = "kl-row";
    const name = document.createElement("span");
    name.textContent = `KL z${i + 1}`;
    const bar = document.createElement("span");
    bar.className = "kl-bar";
    const fill = document.createElement("span");
    fill.className = "kl-fill";
    fill.style.width = `${Math.max(0, Math.min(100, (100 * (v ?? 0)) / top))}%`;
    bar.append(fill);
    const value = document.createElement("span");
    value.className = "kl-value";
    value.textContent = `${fmt(v)} nats`;
    row.append(name, bar, value);
    return row;
  }));
  const collapsed = kl.every((v) => Number.isFinite(v) && v < 0.02);
  box.dataset.collapsed = String(collapsed);
  if (collapsed) {
    const note = document.createElement("p");
    note.className = "kl-note";
    note.textContent = "Every axis ≈ 0: posterior collapse (z carries nothing about x).";
    box.append(note);
  }
}

/**
 * ctx: {dataPoints(): the training points to draw (null: unknown), onLayer(): a legend toggle changed}.
 * Returns {show(frame), clear(), resize(), mark(step, label), latest()}.
 */
export function createView(ctx) {
  const charts = { loss: lossChart($("loss-chart")), metric: metricChart($("metric-chart")) };
  const layers = {};
  let latest = null;
  let pending = false;
  let legendKey = "";

  function legend(frame, hasData, colorData) {
    const items = legendOf(frame, { hasData, colorData });
    const key = items.map((i) => `${i.layer}|${i.label}`).join(";");
    if (key === legendKey) return;
    legendKey = key;
    $("scene-legend").replaceChildren(...items.map((item) => {
      const li = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "legend-toggle";
      button.dataset.layer = item.layer;
      button.setAttribute("aria-pressed", String(layers[item.layer] !== false));
      const swatch = document.createElement("span");
      swatch.className = `swatch ${item.swatch}`;
      swatch.setAttribute("aria-hidden", "true");
      button.append(swatch, item.label);
      button.addEventListener("click", () => {
        layers[item.layer] = layers[item.layer] === false;
        button.setAttribute("aria-pressed", String(layers[item.layer] !== false));
        draw();
      });
      li.append(button);
      return li;
    }));
  }

  function numbers(frame) {
    const rows = [numberRow("step", frame.step.toLocaleString("en"), { cls: "big" })];
    for (const [key, value] of Object.entries(frame.losses || {})) rows.push(numberRow(key, fmt(value)));
    const m = frame.metrics || {};
    if (m.mode_coverage != null) {
      rows.push(numberRow("modes covered", `${Math.round(m.mode_coverage * m.modes)} / ${m.modes}`,
        { title: "modes that get at least a quarter of their fair share of samples" }));
    }
    if (m.mmd != null || ("mmd" in m && !("class_entropy" in m))) rows.push(numberRow("MMD²", fmt(m.mmd), { title: `squared MMD to the data, RBF kernel σ = ${m.mmd_bandwidth ?? "?"}` }));
    if ("class_entropy" in m) rows.push(numberRow("class entropy", `${fmt(m.class_entropy)} bits`, { title: "log2 10 = 3.32 is uniform" }));
    $("lab-numbers").replaceChildren(...rows);
  }

  function draw() {
    pending = false;
    const frame = latest;
    if (!frame) return;
    const mnist = typeof frame.grid === "string";
    $("scene").hidden = mnist;
    $("mnist-grid").hidden = !mnist;
    $("scene-legend").hidden = mnist;
    if (mnist) {
      if ($("mnist-grid").getAttribute("src") !== frame.grid) $("mnist-grid").src = frame.grid;
      $("mnist-grid").dataset.gridStep = String(frame.grid_step);
      $("scene-caption").textContent = `16 samples at step ${frame.grid_step?.toLocaleString("en")}: the same noise at every refresh.`;
    } else if (frame.view) {
      const data = ctx.dataPoints(frame);
      const colorData = Boolean(frame.encoder_means);
      drawScene($("scene"), frame, { layers, data, colorData });
      legend(frame, Boolean(data), colorData);
      $("scene").dataset.step = String(frame.step);
      $("scene-caption").textContent = `The window [${frame.view.low}, ${frame.view.high}]², grid lines every unit.`;
    }
    $("latent-block").hidden = !frame.encoder_means;
    if (frame.encoder_means) {
      drawLatent($("latent"), frame);
      klBars($("kl-bars"), frame.kl_per_dim || []);
    }
    const hist = frame.metrics?.class_histogram;
    const home = mnist ? $("scene-figure").parentElement : $("stage").querySelector(".numbers-col");
    if ($("hist-block").parentElement !== home) home.append($("hist-block")); // MNIST: under the grid, in view
    $("hist-block").hidden = !hist;
    if (hist) drawHistogram($("class-hist"), hist);
  }

  function show(frame) {
    latest = frame;
    charts.loss.push(frame);
    charts.metric.push(frame);
    numbers(frame);
    $("diverged").hidden = !frame.diverged;
    $("metric-title").textContent = "class_entropy" in (frame.metrics || {})
      ? "Honest figures: classes of the samples" : "Honest figures: samples against the data";
    if (!pending) {
      pending = true;
      requestAnimationFrame(draw);
    }
  }

  function clear() {
    charts.loss.clear();
    charts.metric.clear();
    latest = null;
    legendKey = "";
  }

  function resize() {
    charts.loss.resize();
    charts.metric.resize();
    draw();
  }

  function mark(step, label) {
    charts.loss.mark(step, label);
    charts.metric.mark(step, label);
  }

  return { show, clear, resize, mark, latest: () => latest, redraw: draw };
}
