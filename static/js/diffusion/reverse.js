// ② Reverse process over Server-Sent Events: the first frame shows while later steps still stream;
// x_t and the predicted x̂_0 side by side for the current frame; play / pause / step / scrub.

import { clearError, showError } from "../lib/api.js";
import { fitGrids, createPlayer } from "./player.js";
import { openStream, streamUrl } from "./stream.js";
import { setSrc } from "../lib/images.js";
import { getNumber, getString, round, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const MAX_FRAMES = 200; // the API keeps at most 200 frames
const N_CHOICES = [1, 2, 4, 8, 16, 32, 64];
const SAMPLERS = ["ddim", "ddpm", "sde", "ode", "langevin"]; // the API's names; the 'd' key walks them in this order
const STEP_SIZES = [3e-5, 1e-4, 3e-4, 1e-3]; // Langevin's epsilon (the API's default 1e-4)
const SIGMA_MAX = [50, 10, 2]; // the σ_max menu (null: the model's own, 158 for ddpm-mnist)
const SIGMA_MIN = [0.05, 0.2, 1]; // the σ_min menu (null: the model's own, 0.01)
const DEFAULT_CLASS = 3; // guided runs show digits; unconditional (∅) is the comparison one opts into

/**
 * The class a link without `class=` asks for. Links this page wrote before it defaulted to a class
 * always carry `sampler=` (every run's settings are in the URL), and there a missing class meant ∅;
 * any other link (a bare /diffusion) starts guided at DEFAULT_CLASS. New links always say
 * `class=N` or `class=none`.
 */
function linkedLabel(ctx) {
  if (!ctx.conditional() || getString("class") !== null) return ctx.label;
  return getString("sampler") === null ? DEFAULT_CLASS : null;
}

/** Keep every k-th step so a run has at most 200 frames: every step up to 200 steps. */
export const everyFor = (steps) => Math.max(1, Math.ceil(steps / MAX_FRAMES));

/** How many frames the API keeps: every k-th step plus the last. */
export function frameCount(steps, every) {
  return Math.ceil(steps / every) + ((steps - 1) % every === 0 ? 0 : 1);
}

/** Annealed Langevin's own request fields (the σ bounds only when chosen: null is the model's range). */
export function langevinFields(s) {
  const fields = { step_size: s.stepSize, steps_per_level: s.perLevel, final_denoise: s.finalDenoise };
  if (s.sigmaMax !== null) fields.sigma_max = s.sigmaMax;
  if (s.sigmaMin !== null) fields.sigma_min = s.sigmaMin;
  return fields;
}

function langevinCaption(settings) {
  const range = `σ ${settings.sigma_max ?? "max"} → ${settings.sigma_min ?? "min"}`;
  return ` · ε = ${settings.step_size} · ${settings.steps_per_level} per level · ${range}${settings.final_denoise ? "" : " · no final denoising"}`;
}

/** The sampler settings shown in the reverse controls (also used by compare and inpaint). */
function readSettings() {
  return {
    sampler: getString("sampler", "ddim", SAMPLERS),
    steps: getNumber("steps", 50, { min: 1, max: 1000, integer: true }),
    eta: round(getNumber("eta", 0, { min: 0, max: 1 }), 2),
    stepSize: STEP_SIZES.includes(getNumber("ls", 1e-4)) ? getNumber("ls", 1e-4) : 1e-4,
    perLevel: getNumber("spl", 2, { min: 1, max: 10, integer: true }),
    sigmaMax: SIGMA_MAX.includes(getNumber("smax", null)) ? getNumber("smax", null) : null, // null: the model's
    sigmaMin: SIGMA_MIN.includes(getNumber("smin", null)) ? getNumber("smin", null) : null,
    finalDenoise: getNumber("fd", 1, { min: 0, max: 1, integer: true }) === 1,
    guidance: round(getNumber("w", 3, { min: 0, max: 20 }), 1),
    n: N_CHOICES.includes(getNumber("n", 8, { integer: true })) ? getNumber("n", 8, { integer: true }) : 8,
  };
}

export function createReverse(ctx) {
  const section = $("reverse");
  const view = $("rev-view");
  const progress = $("rev-progress");
  const s = readSettings();
  ctx.sampler = s; // compare and inpaint read the same settings
  ctx.label = linkedLabel(ctx);
  let lastClass = ctx.label ?? DEFAULT_CLASS; // what unticking "unconditional" goes back to
  let wantFrame = getNumber("frame", null, { min: 0, max: MAX_FRAMES + 1, integer: true });
  let stream = null;
  let run = null; // settings of the run on screen

  const player = createPlayer($("rev-player"), {
    show(frame) {
      setSrc($("rev-xt"), frame.x_t, `x_t at t = ${frame.t}`);
      setSrc($("rev-x0"), frame.x0_pred, `predicted x_0 at t = ${frame.t}`);
      $("rev-xt").dataset.t = String(frame.t);
    },
    onChange(index) {
      setState({ frame: player.finished && index === player.count - 1 ? null : index });
    },
    totalSteps: () => run?.steps,
  });

  function syncControls() {
    const T = ctx.model.card.config.timesteps;
    s.steps = Math.min(s.steps, T); // more steps than the model's T would only repeat timesteps
    $("steps").max = String(T);
    document.querySelectorAll("input[name=sampler]").forEach((r) => { r.checked = r.value === s.sampler; });
    $("steps").value = String(s.steps);
    $("eta").value = String(s.eta);
    $("eta-out").textContent = s.eta.toFixed(2);
    $("eta-field").classList.toggle("disabled", s.sampler !== "ddim");
    $("eta").disabled = s.sampler !== "ddim";
    $("langevin-fields").hidden = s.sampler !== "langevin";
    $("lv-step").value = String(s.stepSize);
    $("lv-spl").value = String(s.perLevel);
    $("lv-smax").value = s.sigmaMax === null ? "" : String(s.sigmaMax);
    $("lv-smin").value = s.sigmaMin === null ? "" : String(s.sigmaMin);
    $("lv-denoise").checked = s.finalDenoise;
    $("w").value = String(s.guidance);
    $("w-out").textContent = s.guidance.toFixed(1);
    $("n").value = String(s.n);
    const guided = ctx.conditional() && ctx.label !== null;
    if (guided) lastClass = ctx.label;
    $("w-field").classList.toggle("disabled", !guided);
    $("uncond-field").hidden = !ctx.conditional();
    $("rev-uncond").checked = ctx.conditional() && !guided;
    $("rev-note").textContent = !ctx.conditional() ? `${ctx.model.id} is unconditional: class and guidance w do not apply.`
      : guided && s.guidance === 0 ? `Class ${ctx.label}, w = 0: the plain conditional model, one network pass per step.`
        : guided ? `Class ${ctx.label}, guided with w = ${s.guidance.toFixed(1)}: each step runs the network twice (with y and with ∅).`
        : "Unconditional (∅), for comparison: no class, so the network runs unconditionally and w has no effect — "
          + "digits of any class, often less clean than guided ones. Untick it (or pick a class, keys 0–9) to see guidance.";
    const state = { sampler: s.sampler, steps: s.steps, eta: s.eta, w: s.guidance, n: s.n,
      ls: s.sampler === "langevin" && s.stepSize !== 1e-4 ? s.stepSize : null,
      spl: s.sampler === "langevin" && s.perLevel !== 2 ? s.perLevel : null,
      smax: s.sampler === "langevin" ? s.sigmaMax : null,
      smin: s.sampler === "langevin" ? s.sigmaMin : null,
      fd: s.sampler === "langevin" && !s.finalDenoise ? 0 : null };
    if (ctx.conditional() && !guided) state.class = "none"; // a deliberate ∅, not the default class
    setState(state);
  }

  function setProgress(received, total) {
    progress.hidden = received === null;
    if (received === null) return;
    progress.querySelector(".progress-bar span").style.width = `${(100 * received) / total}%`;
    progress.querySelector(".progress-text").textContent = `streaming: ${received} / ${total} frames`;
  }

  function stop() {
    stream?.close();
    stream = null;
    section.classList.remove("streaming");
    setProgress(null);
    if (player.count && !player.finished) player.finish();
  }

  /** Start a new run with the current settings; the link's frame is honoured on the first run only. */
  function start() {
    stop();
    clearError(section);
    const settings = { n: s.n, seed: ctx.seed, sampler: s.sampler, steps: s.steps,
      eta: s.sampler === "ddim" ? s.eta : 0, guidance: s.guidance, every: everyFor(s.steps) };
    if (s.sampler === "langevin") Object.assign(settings, langevinFields(s));
    if (ctx.conditional() && ctx.label !== null) settings.label = ctx.label;
    run = settings;
    const total = frameCount(settings.steps, settings.every);
    const want = wantFrame !== null && wantFrame < total ? wantFrame : null;
    wantFrame = null;
    if (want === null) setState({ frame: null });
    fitGrids(view, settings.n, view.clientWidth || 1100);
    player.reset({ follow: want === null, total });
    $("rev-download").hidden = true;
    section.classList.add("streaming");
    section.dataset.final = "";
    setProgress(0, total);
    const model = ctx.model;
    const label = settings.label === undefined ? "class ∅" : `class ${settings.label}`;
    $("rev-caption").textContent = `${model.id} · ${settings.sampler.toUpperCase()} · ${settings.steps} steps`
      + `${settings.sampler === "ddim" ? ` · η = ${settings.eta}` : ""}`
      + `${settings.sampler === "langevin" ? langevinCaption(settings) : ""} · ${label} · w = ${settings.guidance} · seed ${settings.seed}`;
    const started = performance.now();
    stream = openStream(streamUrl(model.id, settings), {
      onStep(frame) {
        player.add(frame, want);
        setProgress(player.count, total);
      },
      onDone(out) {
        stream = null;
        section.classList.remove("streaming");
        setProgress(null);
        player.finish();
        if (player.following) setState({ frame: null });
        const a = $("rev-download");
        a.href = out.grid;
        a.download = `genlab-${model.id}-seed${out.seed}-${settings.sampler}${settings.steps}.png`;
        a.hidden = false;
        section.dataset.final = out.grid;
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        $("rev-caption").textContent += ` · ${player.count} frames in ${seconds} s`;
      },
      onRetry(seconds) {
        progress.querySelector(".progress-text").textContent = `server busy: retrying in ${seconds} s…`;
      },
      onError(err) {
        stream = null;
        section.classList.remove("streaming");
        setProgress(null);
        if (player.count) player.finish();
        showError(section, err);
      },
    });
  }

  // --- controls ------------------------------------------------------------------------------
  const changed = () => {
    syncControls();
    start();
  };
  document.querySelectorAll("input[name=sampler]").forEach((r) => r.addEventListener("change", () => {
    s.sampler = r.value;
    changed();
  }));
  $("steps").addEventListener("change", (e) => {
    const v = Math.round(Number(e.target.value));
    if (!Number.isFinite(v)) return syncControls();
    s.steps = Math.min(ctx.model.card.config.timesteps, Math.max(1, v));
    changed();
  });
  $("eta").addEventListener("input", (e) => { $("eta-out").textContent = Number(e.target.value).toFixed(2); });
  $("eta").addEventListener("change", (e) => { s.eta = round(Number(e.target.value), 2); changed(); });
  $("w").addEventListener("input", (e) => { $("w-out").textContent = Number(e.target.value).toFixed(1); });
  $("w").addEventListener("change", (e) => {
    s.guidance = round(Number(e.target.value), 1);
    changed();
    self.onGuidance?.();
  });
  $("n").addEventListener("change", (e) => { s.n = Number(e.target.value); changed(); });
  $("lv-step").addEventListener("change", (e) => { s.stepSize = Number(e.target.value); changed(); });
  $("lv-spl").addEventListener("change", (e) => {
    s.perLevel = Math.min(10, Math.max(1, Math.round(Number(e.target.value) || 2)));
    changed();
  });
  $("lv-smax").addEventListener("change", (e) => { s.sigmaMax = e.target.value ? Number(e.target.value) : null; changed(); });
  $("lv-smin").addEventListener("change", (e) => { s.sigmaMin = e.target.value ? Number(e.target.value) : null; changed(); });
  $("lv-denoise").addEventListener("change", (e) => { s.finalDenoise = e.target.checked; changed(); });
  $("rev-uncond").addEventListener("change", (e) => {
    // through the toolbar's class menu, so the controls, the URL and every section hear of it
    const select = $("class");
    select.value = e.target.checked ? "" : String(lastClass);
    select.dispatchEvent(new Event("change"));
  });
  $("rev-run").addEventListener("click", start);
  $("rev-stop").addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
  syncControls();

  const self = {
    start,
    stop,
    player,
    /** Seed, class or model changed: new controls text and a new run. */
    refresh: changed,
    syncControls,
    toggleSampler: () => { s.sampler = SAMPLERS[(SAMPLERS.indexOf(s.sampler) + 1) % SAMPLERS.length]; changed(); },
    onGuidance: null, // set by the page: compare's steps row uses the same w
  };
  return self;
}
