// Training film: GET /api/models/{id}/film — the same 64 z decoded at points during training, and
// the per-step losses. Scrubbing the chart or the slider shows the nearest frame; play replays training.

import { runCount, runOfEpoch, totalOf } from "../lib/training-runs.js";
import { api, guarded } from "../lib/api.js";
import { el, setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";
import { createLossChart } from "./losschart.js";
import { SHIPPED, fmt, isCritic, objectiveOf, recipe } from "./losses.js";

const $ = (id) => document.getElementById(id);
const FRAME_MS = 700;
const COLORS = { d: "#1f5fd6", g: "#d9480f", real: "#2b8a3e", fake: "#c2255c", w: "#2b8a3e" };
const LN2 = Math.log(2);

/** "untrained, at epoch 0", "after epoch 3", or for a frame kept inside an epoch "40% into epoch 1". */
function when(f) {
  if (f.epoch === 0) return "untrained, at epoch 0";
  return Number.isInteger(f.epoch) ? `after epoch ${f.epoch}`
    : `${Math.round((f.epoch % 1) * 100)}% into epoch ${Math.floor(f.epoch) + 1}`;
}
/** Index of the item whose `step` is nearest `step` (-1 for none). */
const nearestByStep = (items, step) => items.reduce((best, r, i) =>
  (best < 0 || Math.abs(r.step - step) < Math.abs(items[best].step - step) ? i : best), -1);

const films = new Map(); // model id → film response (promise), shared by every section that shows a film

/** GET /api/models/{id}/film, once per model per page (a failed request is retried next time). */
export function loadFilm(id) {
  if (!films.has(id)) {
    const p = api(`/api/models/${encodeURIComponent(id)}/film`);
    p.catch(() => films.delete(id));
    films.set(id, p);
  }
  return films.get(id);
}

const series = (log, key) => log.filter((r) => Number.isFinite(r[key])).map((r) => [r.step, r[key]]);

function panelsFor(model, log) {
  const loss = model.card?.config?.loss;
  const top = { height: 230, yLabel: "loss", series: [
    { name: "D loss", color: COLORS.d, points: series(log, "d_loss") },
    { name: "G loss", color: COLORS.g, points: series(log, "g_loss") },
  ] };
  if (loss === "wgan-gp") {
    return [top, { height: 150, yLabel: "W estimate", series: [
      { name: "Wasserstein estimate W = E[D(x)] − E[D(G(z))]", color: COLORS.w, points: series(log, "wasserstein") },
    ], refs: [{ value: 0, label: "0: D cannot tell them apart" }] }];
  }
  top.refs = [{ value: 2 * LN2, label: "D ≡ ½: L_D = ln 4" }];
  if (loss === "nonsaturating") top.refs.push({ value: LN2, label: "D ≡ ½: L_G = ln 2" });
  if (loss === "minimax") top.refs.push({ value: -LN2, label: "D ≡ ½: L_G = −ln 2" });
  return [top, { height: 140, yLabel: "D's output", yMin: 0, yMax: 1, series: [
    { name: "mean D(x), real", color: COLORS.real, points: series(log, "d_real") },
    { name: "mean D(G(z)), fake", color: COLORS.fake, points: series(log, "d_fake") },
  ], refs: [{ value: 0.5, label: "½: D cannot tell" }] }];
}

function formulas(model) {
  const o = objectiveOf(model);
  if (!o) return [el("p", { class: "muted" }, `Unknown loss ${model.card?.config?.loss}.`)];
  const c = model.card.config;
  const smoothing = c.label_smoothing ? el("p", { class: "meta" }, `One-sided label smoothing: D's target for real digits is `
    + `${1 - c.label_smoothing}, not 1, so D(x) cannot be pushed to certainty.`) : null;
  const reading = isCritic(model)
    ? "Reading it: W falls as G closes the gap to the real digits; unlike the BCE losses it tracks sample quality."
    : "Reading it: neither loss goes to 0 — one player's gain is the other's loss. Near the ln 4 / ½ lines D can barely tell; "
      + "D loss → 0 with D(G(z)) → 0 means D has won and G gets no useful signal (see Mode collapse).";
  return [
    el("p", { class: "formula" }, `D: ${o.d}`),
    el("p", { class: "formula" }, `G, ${o.name}: ${o.g}`),
    el("p", { class: "meta" }, o.gNote),
    smoothing,
    el("p", { class: "meta" }, reading),
  ];
}

/** "156 (run 3 of 12)" for a film of every run; "8 of its last run" for one that kept only its last. */
function span(training, f) {
  if (training?.whole_history) return `${totalOf(training, "epochs")} (${runOfEpoch(training, f.epoch)})`;
  const epochs = training?.epochs ?? f.epoch;
  return runCount(training) > 1 ? `${epochs} of its last run` : String(epochs);
}

export function createFilm(ctx) {
  const section = $("film");
  const slider = $("film-frame");
  const chart = createLossChart($("film-chart"), { onScrub: (step) => setFrame(nearest(step)) });
  let modelId = getString("fm", null);
  let frame = getNumber("ff", -1, { min: 0, max: 999, integer: true });
  let film = null;
  let model = null;
  let timer = null;
  let started = false;

  const filmModels = () => ctx.models.filter((m) => m.capabilities.includes("film"));

  function fillSelect() {
    const loaded = filmModels();
    const missing = SHIPPED.filter((id) => !ctx.models.some((m) => m.id === id));
    $("film-model").replaceChildren(...loaded.map((m) => new Option(m.id, m.id)),
      ...missing.map((id) => Object.assign(new Option(`${id} (not trained yet)`, id), { disabled: true })));
  }

  function nearest(step) {
    return Math.max(0, nearestByStep(film?.frames || [], step));
  }

  // A frame kept inside an epoch (a run filmed every few steps) reads the losses of its nearest logged step.
  function lossesAt(f) {
    if (Number.isInteger(f.epoch)) {
      const h = film.history?.find((r) => r.epoch === f.epoch)?.train;
      return h && { label: `epoch ${f.epoch} means`, h };
    }
    const h = film.steps_log?.[nearestByStep(film.steps_log, f.step)];
    return h && { label: `step ${h.step.toLocaleString("en")}`, h };
  }

  function readout(f) {
    const at = lossesAt(f);
    if (!at) return "";
    const { h } = at;
    const parts = [`${at.label}: D loss ${fmt(h.d_loss)}`, `G loss ${fmt(h.g_loss)}`];
    if (h.d_real !== undefined) parts.push(`D(x) ${fmt(h.d_real)}`, `D(G(z)) ${fmt(h.d_fake)}`);
    if (h.wasserstein !== undefined) parts.push(`W ${fmt(h.wasserstein)}`, `gradient penalty ${fmt(h.gp, 3)}`);
    return parts.join(" · ");
  }

  function setFrame(i) {
    if (!film?.frames.length) return;
    frame = Math.min(film.frames.length - 1, Math.max(0, i));
    const f = film.frames[frame];
    setSrc($("film-grid"), f.grid, `${model.id}'s 64 fixed z ${when(f)} of training`);
    $("film-grid").dataset.frame = String(frame);
    slider.value = frame;
    $("film-frame-out").textContent = `${frame + 1} / ${film.frames.length}`;
    $("film-caption").textContent = `${model.id} ${when(f)} of ${span(model.card?.training, f)}`
      + ` · step ${f.step.toLocaleString("en")} · the same 64 z in every frame`;
    $("film-readout").textContent = readout(f);
    chart.setCurrent(frame);
    setState({ fm: model.id, ff: frame });
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    $("film-play").setAttribute("aria-pressed", "false");
    $("film-play").firstChild.textContent = "▶ Play ";
  }

  function play() {
    if (!film?.frames.length) return;
    if (frame >= film.frames.length - 1) setFrame(0);
    $("film-play").setAttribute("aria-pressed", "true");
    $("film-play").firstChild.textContent = "⏸ Pause ";
    timer = setInterval(() => {
      if (frame >= film.frames.length - 1) stop();
      else setFrame(frame + 1);
    }, FRAME_MS);
  }

  async function show(id) {
    stop();
    const target = filmModels().find((m) => m.id === id) || filmModels()[0];
    if (!target) {
      $("film-chart").replaceChildren(el("p", { class: "muted" }, "No GAN with a training film is loaded yet."));
      return;
    }
    $("film-model").value = target.id;
    $("film-objective").textContent = `${target.id}: ${recipe(target)}. The same 64 z decoded at points through training, `
      + "next to the two players' losses.";
    $("film-formulas").replaceChildren(...formulas(target).filter(Boolean));
    const data = await guarded(section, () => loadFilm(target.id));
    if ($("film-model").value !== target.id) return;
    if (!data) { // the error is on screen; do not leave another model's film next to it
      film = null;
      $("film-chart").replaceChildren();
      $("film-grid").removeAttribute("src");
      $("film-caption").textContent = "";
      $("film-readout").textContent = "";
      return;
    }
    model = target;
    film = data;
    const panels = panelsFor(model, data.steps_log || []);
    chart.draw({ panels, markers: data.frames.map((f) => ({ x: f.step, label: when(f) })) });
    slider.max = Math.max(0, data.frames.length - 1);
    const log = data.steps_log || [];
    const every = log.length > 1 ? log[1].step - log[0].step : null;
    $("film-chart-note").textContent = `Drag across the chart to scrub; │ marks a film frame. Thin lines: the losses of `
      + `${every > 1 ? `every ${every}th` : "every logged"} step (${log.length} in all); thick: smoothed.`;
    const want = frame >= 0 && (modelId === null || modelId === target.id) ? frame : data.frames.length - 1;
    modelId = target.id;
    setFrame(want);
  }

  $("film-model").addEventListener("change", (e) => { frame = -1; show(e.target.value); });
  slider.addEventListener("input", () => { stop(); setFrame(Number(slider.value)); });
  $("film-play").addEventListener("click", () => (timer ? stop() : play()));
  $("film-prev").addEventListener("click", () => { stop(); setFrame(frame - 1); });
  $("film-next").addEventListener("click", () => { stop(); setFrame(frame + 1); });
  fillSelect();

  return {
    init() {
      started = true;
      show(modelId || ctx.model.id);
    },
    /** The page's model changed: show its film (the film model can still be picked independently). */
    follow(id) {
      if (!filmModels().some((m) => m.id === id)) return;
      frame = -1;
      modelId = id;
      if (started) show(id);
    },
    togglePlay() {
      if (!started) return;
      if (timer) stop(); else play();
    },
    step(delta) {
      if (!started) return;
      stop();
      setFrame(frame + delta);
    },
  };
}
