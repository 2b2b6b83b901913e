// ④ Particles: n chains start uniformly over the square and follow the model's score by Langevin dynamics,
// x ← x + (a/2)·s(x, σ) + √a·z, streamed frame by frame (stream.js) and played back at a steady pace so a
// lecturer can pause (Space) on the moment the particles find the modes. Annealed runs σ_max → σ_min
// (first_level..last_level) with a = ε·σ²/σ_min², then the Tweedie step x + σ_min²·s; plain Langevin
// runs at σ_min only. Ends with the samples' quality beside the card's figures for annealed and plain.

import { showError, clearError } from "../lib/api.js";
import { langevinUrl, openLangevin } from "./stream.js";
import { axes, plane, points } from "./plane.js";

const $ = (id) => document.getElementById(id);
const HALF = 3.6;
const FPS = 14;
export const STEPS_PER_LEVEL = [5, 10, 20, 40, 100, 200, 400];
export const PARTICLES = [100, 400, 1000, 2000];
const STEP_FACTORS = [0.25, 0.5, 1, 2, 4];
const MAX_CHAIN_STEPS = 5000;

const fmtSigma = (s) => Number(s).toPrecision(3);
const fmt = {
  mmd: (v) => (v === null || v === undefined ? "—" : v.toPrecision(2)),
  mode_coverage: (v) => (v === null || v === undefined ? "—" : `${Math.round(v * 100)} %`),
  mode_weight_tv: (v) => (v === null || v === undefined ? "—" : v.toFixed(3)),
};

/** The model's own ε: a fifth of σ_min² for a score network, σ² for an energy model (server default). */
export const defaultStep = (model) => {
  const { kind, sigmas } = model.card.config;
  return (kind === "ebm" ? 1 : 0.2) * sigmas.at(-1) ** 2;
};

export function createParticles(ctx) {
  const section = $("particles");
  const canvas = $("particles-canvas");
  let stream = null;
  let frames = [];
  let shown = -1;
  let timer = 0;
  let state = "idle"; // running | paused | done | failed | idle
  let result = null;
  let settings = null;
  let received = false; // `done` has arrived

  function setStateName(name) {
    state = name;
    section.dataset.state = name;
    const play = $("play");
    play.setAttribute("aria-pressed", String(name === "running"));
    play.firstChild.textContent = { running: "Pause ", paused: "Play ", done: "Replay " }[name] || "Play ";
    play.disabled = !["running", "paused", "done"].includes(name);
  }

  // --- controls ------------------------------------------------------------------------------
  function fillSelect(select, options, value) {
    select.replaceChildren(...options.map(([v, text]) => new Option(text, String(v))));
    select.value = String(value);
  }

  function controls() {
    const { model } = ctx;
    const sigmas = model.card.config.sigmas;
    const ebm = model.card.config.kind === "ebm";
    const last = ctx.lastLevel ?? sigmas.length - 1;
    const levelOptions = sigmas.map((s, i) => [i, `σ = ${fmtSigma(s)} (level ${i + 1})`]);
    fillSelect($("first-level"), levelOptions, ctx.firstLevel);
    fillSelect($("last-level"), levelOptions, last);
    for (const option of $("first-level").options) option.disabled = Number(option.value) > last;
    for (const option of $("last-level").options) option.disabled = Number(option.value) < ctx.firstLevel;
    const ns = PARTICLES.includes(ctx.n) ? PARTICLES : [...PARTICLES, ctx.n].sort((a, b) => a - b);
    fillSelect($("n"), ns.map((n) => [n, String(n)]), ctx.n);
    const spl = STEPS_PER_LEVEL.includes(ctx.spl) ? STEPS_PER_LEVEL : [...STEPS_PER_LEVEL, ctx.spl].sort((a, b) => a - b);
    fillSelect($("spl"), spl.map((s) => [s, String(s)]), ctx.spl);
    const base = defaultStep(model);
    const steps = STEP_FACTORS.map((f) => [f === 1 ? "" : String(Number((base * f).toPrecision(3))),
      `ε = ${Number((base * f).toPrecision(3))}${f === 1 ? " (default)" : ` (×${f})`}`]);
    if (ctx.eps !== null && !steps.some(([v]) => Number(v) === ctx.eps)) steps.push([String(ctx.eps), `ε = ${ctx.eps}`]);
    fillSelect($("eps"), steps, ctx.eps === null ? "" : String(Number(ctx.eps.toPrecision(3))));
    $("seed").value = String(ctx.seed);
    $("annealed").checked = ctx.annealed;
    $("denoise").checked = ctx.denoise;
    $("first-level").disabled = !ctx.annealed;
    for (const id of ["level-controls", "annealed-field", "denoise-field"]) $(id).hidden = ebm;
    $("ebm-note").hidden = !ebm;
    $("levels-text").textContent = ebm ? "one level" : ctx.annealed
      ? `${last - ctx.firstLevel + 1} levels × ${ctx.spl} steps${ctx.denoise ? " + 1 denoising step" : ""}`
      : `plain Langevin: ${ctx.spl} steps at σ = ${fmtSigma(sigmas[last])}${ctx.denoise ? " + 1 denoising step" : ""}`;
    cardTable();
  }

  /** Why a request would be refused, before sending it (the server says the same with a 422). */
  function tooLong() {
    const last = ctx.lastLevel ?? ctx.model.card.config.sigmas.length - 1;
    const levels = ctx.annealed && ctx.model.card.config.kind !== "ebm" ? last - ctx.firstLevel + 1 : 1;
    return levels * ctx.spl > MAX_CHAIN_STEPS
      ? `${levels} levels × ${ctx.spl} steps = ${levels * ctx.spl} Langevin steps: more than the server's ${MAX_CHAIN_STEPS}; take fewer steps per level`
      : null;
  }

  function cardTable() {
    const metrics = ctx.model.card.metrics || {};
    const rows = [["this run", result?.quality, "run"]];
    for (const kind of ["annealed", "plain"]) {
      if (metrics.langevin?.[kind]) rows.push([`card: ${kind}`, metrics.langevin[kind], kind]);
    }
    $("quality-body").replaceChildren(...rows.map(([name, q, key]) => {
      const tr = document.createElement("tr");
      tr.dataset.row = key;
      const th = Object.assign(document.createElement("th"), { scope: "row", textContent: name });
      tr.append(th, ...["mmd", "mode_coverage", "mode_weight_tv"].map((m) => {
        const td = Object.assign(document.createElement("td"), { textContent: q ? fmt[m](q[m]) : "—" });
        td.dataset.metric = m;
        return td;
      }));
      return tr;
    }));
    $("card-note").textContent = metrics.samples
      ? `The card's rows: ${metrics.samples} chains, every level with 100 steps each then the denoising step (annealed), `
        + "or as many steps in all at σ_min alone (plain), measured when the checkpoint was made."
      : "";
  }

  // --- drawing and playback ------------------------------------------------------------------
  function draw(i) {
    const frame = frames[i];
    const p = plane(canvas, HALF);
    p.c.fillStyle = "#fff";
    p.c.fillRect(0, 0, p.size, p.size);
    axes(p, 3);
    if (ctx.data) points(p, ctx.data, { color: "rgba(73, 80, 87, 0.35)", radius: 2 });
    const radius = ctx.n > 1000 ? 1.7 : ctx.n > 400 ? 2.2 : 2.8;
    const outside = points(p, frame.points, { color: "#e8590c", radius, edge: "#7a2500" });
    shown = i;
    canvas.dataset.frame = String(i);
    canvas.dataset.step = String(frame.step);
    const total = settings?.steps ?? "?";
    const levels = ctx.model.card.config.sigmas.length;
    const runLevels = settings ? (settings.annealed ? settings.last_level - settings.first_level + 1 : 1) : Infinity;
    const first = settings ? (settings.annealed ? settings.first_level : settings.last_level) : 0;
    const where = frame.final ? "final samples" : frame.level >= runLevels ? "denoising step: x + σ²·s"
      : `level ${first + frame.level + 1} of ${levels}`;
    $("frame-step").textContent = `step ${frame.step} of ${total}`;
    $("frame-sigma").textContent = `σ = ${fmtSigma(frame.sigma)}`;
    $("frame-where").textContent = where;
    $("frame-outside").textContent = outside ? `${outside} of ${frame.points.length} outside the picture` : "";
  }

  function tick() {
    timer = 0;
    if (state !== "running") return;
    if (shown + 1 < frames.length) draw(shown + 1);
    if (shown + 1 >= frames.length && received) return finish();
    timer = setTimeout(tick, 1000 / FPS);
  }

  function finish() {
    setStateName("done");
    section.dataset.seed = String(result.seed);
    $("q-mmd").textContent = fmt.mmd(result.quality.mmd);
    $("q-cov").textContent = fmt.mode_coverage(result.quality.mode_coverage);
    $("q-tv").textContent = fmt.mode_weight_tv(result.quality.mode_weight_tv);
    $("quality").dataset.key = `${ctx.model.id}|${result.seed}|${ctx.annealed}`;
    cardTable();
  }

  function play() {
    if (state === "done") shown = -1; // replay from the uniform start
    if (!["paused", "done"].includes(state)) return;
    setStateName("running");
    if (!timer) tick();
  }

  function pause() {
    if (state !== "running") return;
    setStateName("paused");
    clearTimeout(timer);
    timer = 0;
  }

  function close() {
    stream?.close();
    stream = null;
    clearTimeout(timer);
    timer = 0;
  }

  /** Start the chains with ctx's settings (a new seed first when `newSeed`). */
  function run({ newSeed = false } = {}) {
    if (newSeed) ctx.setSeed(Math.floor(Math.random() * 100000));
    close();
    controls();
    frames = [];
    shown = -1;
    result = null;
    received = false;
    settings = null;
    for (const id of ["q-mmd", "q-cov", "q-tv"]) $(id).textContent = "…";
    clearError(section);
    const refused = tooLong();
    if (refused) {
      setStateName("failed");
      showError(section, refused);
      return;
    }
    setStateName("running");
    $("frame-step").textContent = "starting…";
    const last = ctx.lastLevel ?? ctx.model.card.config.sigmas.length - 1;
    const url = langevinUrl(ctx.model.id, { n: ctx.n, seed: ctx.seed, annealed: ctx.annealed, first_level: ctx.firstLevel,
      last_level: last, steps_per_level: ctx.spl, step_size: ctx.eps, final_denoise: ctx.denoise });
    section.dataset.url = url;
    stream = openLangevin(url, {
      onStart: (s) => { settings = s; },
      onStep: (frame) => {
        frames.push(frame);
        if (state === "running" && !timer) tick();
      },
      onDone: (done) => {
        result = done;
        received = true;
        frames.push({ ...frames.at(-1), points: done.points, final: true });
        if (state === "running" && !timer) tick();
      },
      onError: (err) => {
        clearTimeout(timer);
        setStateName("failed");
        showError(section, err);
      },
      onRetry: (s) => { $("frame-step").textContent = `the server is busy: trying again in ${s} s…`; },
    });
  }

  $("run").addEventListener("click", () => run({ newSeed: true }));
  $("play").addEventListener("click", () => (state === "running" ? pause() : play()));
  window.addEventListener("pagehide", close);
  window.addEventListener("resize", () => { if (shown >= 0) draw(shown); });
  setStateName("idle");

  return { run, controls, toggle: () => (state === "running" ? pause() : play()), state: () => state };
}
