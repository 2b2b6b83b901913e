// ⑥ Annealed Langevin on digits: n digits drawn from pure noise by the NCSN, streamed as Server-Sent Events
// (GET /api/ncsn/{id}/langevin/stream, lib/event-stream.js) and shown frame by frame at a steady pace, with
// the level, σ and step on screen and a bar of the levels filling up; then the final digits. Runs only when
// asked (Run, g): each run is a hundred network passes on a shared CPU server. The stream is closed when a new
// run starts, on Stop (x) and when the page is left.

import { clearError, showError } from "../lib/api.js";
import { MAX_SEED } from "../lib/controls.js";
import { openEventStream, queryUrl } from "../lib/event-stream.js";
import { digit, el, setSrc } from "../lib/images.js";
import { getNumber, setState } from "../lib/urlstate.js";
import { fmtSigma } from "./digits.js";

const $ = (id) => document.getElementById(id);
export const COUNTS = [1, 2, 4, 8, 16];
const DEFAULT_N = 4;
const FRAME_MS = 80; // at most 12 frames a second: a fast server's frames still read as a film
const MAX_FRAMES = 60; // `every` is chosen so a run sends about this many

/** The stream's URL for the model and the run's fields. */
export const digitLangevinUrl = (modelId, fields) => queryUrl(`/api/ncsn/${encodeURIComponent(modelId)}/langevin/stream`, fields);

/** Build section ⑥ for the score network `ncsn`. */
export function createDigitLangevin(ncsn) {
  const section = $("digit-langevin");
  const config = ncsn.card?.config || {};
  const levels = config.levels || 1;
  const planned = levels * (config.steps_per_level || 1) + 1;
  const every = Math.max(1, Math.ceil(planned / MAX_FRAMES));
  const conditional = ncsn.capabilities.includes("conditional");
  const s = {
    n: getNumber("gn", DEFAULT_N, { min: 1, max: 16, integer: true }),
    cls: conditional ? getNumber("gclass", null, { min: 0, max: 9, integer: true }) : null,
    seed: getNumber("gseed", 0, { min: 0, max: MAX_SEED, integer: true }),
  };
  let stream = null;
  let queue = [];
  let timer = 0;
  let shown = 0;
  let settings = null;
  let result = null; // `done`'s answer, shown once the queue has played out
  let images = [];

  const writeUrl = () => setState({ gn: s.n === DEFAULT_N ? null : s.n, gclass: s.cls, gseed: s.seed || null });

  function setStateName(name) {
    section.dataset.state = name;
    $("dl-stop").disabled = name !== "running";
  }

  function syncControls() {
    const counts = COUNTS.includes(s.n) ? COUNTS : [...COUNTS, s.n].sort((a, b) => a - b);
    $("dl-n").replaceChildren(...counts.map((n) => new Option(String(n), String(n))));
    $("dl-n").value = String(s.n);
    $("dl-class").value = s.cls === null ? "" : String(s.cls);
    $("dl-class-field").hidden = !conditional;
    $("dl-seed").value = String(s.seed);
  }

  // --- the progress bar over the levels (one segment per level, then the denoising step) ----------
  function segments() {
    $("dl-segments").replaceChildren(...Array.from({ length: levels + 1 }, (_, i) => el("span", {
      class: i === levels ? "seg denoise" : "seg", title: i === levels ? "the final denoising step" : `level ${i + 1}`,
    })));
    const sigmas = settings?.levels;
    $("dl-sigma-max").textContent = `σ_max = ${sigmas ? fmtSigma(sigmas[0]) : config.sigma_max ?? "?"}`;
    $("dl-sigma-min").textContent = `σ_min = ${sigmas ? fmtSigma(sigmas.at(-1)) : config.sigma_min ?? "?"}, then denoise`;
  }

  function progress(level, stepNo, total) {
    $("dl-segments").querySelectorAll(".seg").forEach((seg, i) => {
      seg.classList.toggle("past", i < level || stepNo >= total);
      seg.classList.toggle("now", i === level && stepNo < total);
    });
    const bar = $("dl-progress");
    bar.setAttribute("aria-valuemax", String(total));
    bar.setAttribute("aria-valuenow", String(stepNo));
    bar.setAttribute("aria-valuetext", `step ${stepNo} of ${total}, level ${Math.min(level + 1, levels)} of ${levels}`);
  }

  // --- the digits -----------------------------------------------------------------------------------
  function placeDigits(labels) {
    images = Array.from({ length: s.n }, (_, i) => digit("", { size: 112, alt: `digit ${i + 1} of ${s.n}`, cls: "dl-digit" }));
    $("dl-digits").replaceChildren(...images.map((img, i) => el("figure", { class: "dl-cell" }, img,
      el("figcaption", {}, labels ? `class ${labels[i]}` : `#${i + 1}`))));
  }

  function showFrame(frame) {
    const total = settings?.steps ?? planned;
    frame.images.forEach((src, i) => images[i] && setSrc(images[i], src));
    const denoising = frame.level >= levels;
    $("dl-level").textContent = denoising ? "denoise" : `${frame.level + 1} / ${levels}`;
    $("dl-sigma").textContent = fmtSigma(frame.sigma);
    $("dl-step").textContent = `${frame.step} / ${total}`;
    progress(frame.level, frame.step, total);
    shown += 1;
    section.dataset.frames = String(shown);
    section.dataset.step = String(frame.step);
  }

  function finish() {
    result.images.forEach((src, i) => images[i] && setSrc(images[i], src, `final digit ${i + 1} of ${s.n}`));
    const total = settings?.steps ?? planned;
    progress(levels, total, total);
    $("dl-step").textContent = `${total} / ${total}`;
    $("dl-level").textContent = "done";
    section.dataset.seed = String(result.seed);
    $("dl-status").textContent = `Final digits (seed ${result.seed}): ${total} Langevin steps over ${levels} levels and the `
      + `denoising step, ${shown} frames shown. Run again with G for a new seed.`;
    setStateName("done");
  }

  function tick() {
    timer = 0;
    if (section.dataset.state !== "running") return;
    const frame = queue.shift();
    if (frame) showFrame(frame);
    if (!queue.length && result) return finish();
    if (queue.length || !result) timer = setTimeout(tick, FRAME_MS);
  }

  function close() {
    stream?.close();
    stream = null;
    clearTimeout(timer);
    timer = 0;
  }

  /** Start a run with the settings on screen (a new seed first when `newSeed`). */
  function run({ newSeed = false } = {}) {
    if (newSeed) s.seed = Math.floor(Math.random() * 100000);
    close();
    syncControls();
    writeUrl();
    Object.assign(section.dataset, { frames: "0", step: "0" });
    queue = [];
    shown = 0;
    result = null;
    settings = null;
    clearError(section);
    segments();
    progress(0, 0, planned);
    placeDigits(null);
    setStateName("running");
    $("dl-status").textContent = "Starting: the digits begin as pure noise of size σ_max…";
    const url = digitLangevinUrl(ncsn.id, { n: s.n, label: s.cls, seed: s.seed, every });
    section.dataset.url = url;
    stream = openEventStream(url, {
      onStart: (start) => {
        settings = start;
        segments();
        placeDigits(start.labels);
        $("dl-status").textContent = `Drawing ${s.n} digit${s.n === 1 ? "" : "s"} (seed ${start.seed}): `
          + `${start.steps} Langevin steps over ${start.levels.length} levels, one frame every ${start.every === 1 ? "step" : `${start.every} steps`}.`;
      },
      onStep: (frame) => {
        queue.push(frame);
        if (!timer) tick();
      },
      onDone: (done) => {
        stream = null;
        result = done;
        if (!timer) tick();
      },
      onError: (err) => {
        close();
        setStateName("failed");
        showError(section, err);
      },
      onRetry: (wait) => { $("dl-status").textContent = `The server is busy: trying again in ${wait} s…`; },
    }, { again: "g" });
  }

  function stop() {
    if (section.dataset.state !== "running") return;
    close();
    setStateName("stopped");
    $("dl-status").textContent = `Stopped after ${shown} frames (step ${section.dataset.step}). Press g to run again.`;
  }

  /** A setting changed: keep it, and run again if a run is on screen. */
  function change(changes) {
    Object.assign(s, changes);
    syncControls();
    writeUrl();
    if (["running", "done"].includes(section.dataset.state)) run();
  }

  $("dl-run").addEventListener("click", () => run());
  $("dl-new").addEventListener("click", () => run({ newSeed: true }));
  $("dl-stop").addEventListener("click", stop);
  $("dl-n").addEventListener("change", (e) => change({ n: Number(e.target.value) }));
  $("dl-class").addEventListener("change", (e) => change({ cls: e.target.value === "" ? null : Number(e.target.value) }));
  $("dl-seed").addEventListener("change", (e) => {
    const seed = Math.round(Number(e.target.value));
    if (Number.isFinite(seed) && seed >= 0 && seed <= MAX_SEED) change({ seed });
    else syncControls();
  });
  window.addEventListener("pagehide", close);
  syncControls();
  segments();
  setStateName("idle");

  return { run, stop, state: () => section.dataset.state };
}
