// The live lab (/lab): one training session at a time, created from the URL's settings, its frames
// shown as they stream in, steered by the toolbar, the hyper-parameter widgets and the keyboard.
// Protocol: docs/lab.md. Modules: session (HTTP), view (frames), canvas2d / charts (pictures),
// controls (hyper-parameters), draw (a drawn distribution), state (the permalink).

import { installShortcuts } from "../lib/keys.js";
import { createHpControls, formatValue } from "./controls.js";
import { createDrawPad } from "./draw.js";
import { labOptions, openSession } from "./session.js";
import { DEFAULTS, SPEEDS, presetsFor, readState, writeState } from "./state.js";
import { createView } from "./view.js";

const $ = (id) => document.getElementById(id);

let options = null;
let s = null; // the permalink state (state.js)
let session = null; // the open session (session.js), or null
let info = { state: "starting", step: 0, hp: {}, params: {} }; // the session's last known state
let starting = null; // the create in flight
let retryTimer = 0;
let generation = 0; // bumps on every new session: answers for an older one are dropped

// every 2-D frame carries the data points its samples are drawn over (the VAE's encoder means are theirs, row by row)
const view = createView({ dataPoints: (frame) => frame.data_points ?? null });
const hp = createHpControls($("hp-grid"), changeHp);
const pad = createDrawPad($("draw-pad"), (points) => { $("draw-count").textContent = String(points.length); });

// --- status and errors -----------------------------------------------------------------------------

function say(text, { error = false } = {}) {
  const box = $("lab-error");
  box.hidden = !text;
  box.textContent = text ? `${error ? "⚠ " : ""}${text}` : "";
  box.classList.toggle("notice-only", !error);
}

function showState(state, step = info.step) {
  $("state-badge").dataset.state = state;
  $("state-badge").textContent = state;
  if (Number.isFinite(step)) {
    $("step-count").textContent = step.toLocaleString("en");
    $("step-count").dataset.step = String(step);
  }
  const playing = state === "playing";
  $("play").setAttribute("aria-pressed", String(playing));
  $("play").querySelector(".play-icon").textContent = playing ? "❚❚" : "▶";
  $("play").querySelector(".play-label").textContent = playing ? "Pause" : "Play";
  document.body.dataset.labState = state;
}

function panelError(id, err) {
  const box = $(id).querySelector(".error") || $(id);
  box.hidden = !err;
  box.textContent = err ? `⚠ ${err.message || err}` : "";
}

// --- the session -----------------------------------------------------------------------------------

function spec() {
  if (s.export) return { export: s.export, steps_per_frame: s.spf };
  return { family: s.family, data: s.data, seed: s.seed, preset: s.preset, hp: s.overrides,
    points: s.data === "drawn" ? s.points : null, steps_per_frame: s.spf };
}

/** A reopened export sets the toolbar from what it was (family, data, seed, preset); the link's hand-set
 * hyper-parameters are then applied on top of the export's own. */
async function adoptExport(opened) {
  Object.assign(s, { family: opened.info.family, data: opened.info.data, seed: opened.info.seed,
    preset: opened.info.preset, points: null });
  syncToolbar();
  say(`Reopened ${s.export} at step ${opened.info.step.toLocaleString("en")}: its weights and hyper-parameters; `
    + "the optimizers start afresh. Press Space to train on.");
  if (Object.keys(s.overrides).length) await quiet(control({ action: "change", hp: s.overrides }, "hp-panel"));
  writeState(s);
}

async function start() {
  clearTimeout(retryTimer);
  const mine = ++generation;
  const old = session;
  session = null;
  if (old) await old.close();
  view.clear();
  $("download-log").setAttribute("aria-disabled", "true");
  $("export-result").textContent = "";
  syncToolbar();
  $("draw-panel").hidden = s.data !== "drawn";
  if (s.data === "drawn" && !s.points?.length && !s.export) {
    showState("drawing", NaN);
    say("Draw some points in the panel below, then press “Train on this drawing”.");
    $("draw-panel").scrollIntoView({ block: "center" });
    return;
  }
  showState("starting", NaN);
  say("");
  starting = openSession(spec(), {
    frame: (frame) => mine === generation && onFrame(frame),
    end: (end) => mine === generation && onEnd(end),
    lost: (err) => mine === generation && say(`The frame stream was lost: ${err.message}. Press r to start again.`, { error: true }),
  });
  try {
    const opened = await starting;
    if (mine !== generation) return opened.close();
    session = opened;
    info = { ...opened.info };
    hp.build(info.params, info.hp);
    document.body.dataset.session = opened.id;
    $("download-log").href = opened.logUrl;
    $("download-log").setAttribute("aria-disabled", "false");
    if (info.frame) onFrame({ ...info.frame, state: info.state });
    showState(info.state, info.step);
    if (s.export) await adoptExport(opened);
  } catch (err) {
    if (mine !== generation) return;
    refused(err);
  } finally {
    starting = null;
  }
}

/** A refused create: 429 / 503 wait for Retry-After and try again; a 422 is shown as it is. */
function refused(err) {
  if (err.status === 429 || err.status === 503) {
    let wait = Math.min(60, Math.max(1, err.retryAfter || 5));
    showState("waiting", NaN);
    const tick = () => {
      say(`${err.status === 429 ? "You already run your share of lab sessions" : "The lab is full"} (${err.message}). `
        + `Trying again in ${wait} s…`, { error: true });
      if (wait-- <= 0) start();
      else retryTimer = setTimeout(tick, 1000);
    };
    tick();
    return;
  }
  showState("refused", NaN);
  say(`The session could not start: ${err.message}`, { error: true });
}

function onFrame(frame) {
  info.step = frame.step;
  // a frame the worker sent before the last control's reply can reach the page after it (the stream and
  // the reply travel apart): its state is older than the reply's, so a pause would seem undone
  if (frame.state && !(frame.controls_applied < info.controls_applied)) info.state = frame.state;
  view.show(frame);
  showState(info.state, frame.step);
  if (frame.budget) {
    $("budget-note").textContent = `This session ends itself after ${frame.budget.steps_left.toLocaleString("en")} more steps `
      + `or ${Math.round(frame.budget.seconds_left)} s, or ${options.limits.idle_seconds} s after its last viewer leaves.`;
  }
}

function onEnd(end) {
  info.state = "ended";
  showState("ended");
  say(`The session ended (${end.reason}): ${end.detail}. Press r to start a new one.`, { error: end.reason === "failed" });
}

/** POST a control; its answer updates the state. Errors: 422 in `where`, 404 / 409 as an ended session. */
async function control(message, where = "lab-error") {
  if (!session) {
    if (info.state === "ended" || info.state === "refused") start();
    return null;
  }
  const mine = generation;
  try {
    const reply = await session.control(message);
    if (mine !== generation) return null;
    panelError(where, null);
    info = { ...info, ...reply };
    showState(info.state, info.step);
    if (reply.hp) hp.set(reply.hp);
    return reply;
  } catch (err) {
    if (mine !== generation) return null;
    if (err.status === 404 || err.status === 409) onEnd({ reason: "ended", detail: err.message });
    else if (where === "lab-error") say(err.message, { error: true });
    else panelError(where, err);
    throw err;
  }
}

const quiet = (promise) => promise.catch(() => null);
const togglePlay = () => quiet(control({ action: info.state === "playing" ? "pause" : "play" }));
const step = () => quiet(control({ action: "step", n: s.n }));

function reset() {
  if (!session) return start();
  return quiet(control({ action: "reset" }).then(() => view.clear()));
}

async function changeHp(name, value) {
  const before = info.hp[name];
  const reply = await control({ action: "change", hp: { [name]: value } }, "hp-panel");
  if (!reply) return;
  s.overrides = { ...s.overrides, [name]: reply.hp[name] };
  writeState(s);
  if (reply.hp[name] !== before) view.mark(reply.step, `${name} = ${formatValue(reply.hp[name])}`);
}

/** Apply a preset to the running model (or back to the defaults: name null); the URL follows. */
async function applyPreset(name) {
  if (!session) {
    s.preset = name;
    s.overrides = {};
    s.export = null;
    syncToolbar();
    return start();
  }
  const before = { ...info.hp };
  const message = name ? { action: "preset", preset: name }
    : { action: "change", hp: Object.fromEntries(Object.entries(info.params).map(([k, p]) => [k, p.default])) };
  const reply = await quiet(control(message, "hp-panel"));
  if (!reply) return syncToolbar();
  // hand-set values the preset left alone stay overrides; those it set are the preset's now
  s.overrides = name ? Object.fromEntries(Object.entries(s.overrides).filter(([k]) => reply.hp[k] === before[k])) : {};
  s.preset = name;
  writeState(s);
  syncToolbar();
  view.mark(reply.step, name || "defaults");
}

function presetByIndex(i) {
  const names = presetsFor(options, s.family, s.data);
  if (i === 0) applyPreset(null);
  else if (names[i - 1]) applyPreset(names[i - 1]);
}

function setSpeed(spf) {
  s.spf = spf;
  writeState(s);
  syncToolbar();
  if (session) quiet(control({ action: "speed", steps_per_frame: spf }));
}

function restartWith(changes) {
  Object.assign(s, { export: null }, changes);  // a new run: no longer the reopened export
  if (s.preset && !presetsFor(options, s.family, s.data).includes(s.preset)) s.preset = null;
  writeState(s);
  start();
}

function cycle(list, value, delta = 1) {
  return list[(list.indexOf(value) + delta + list.length) % list.length];
}

function setFamily(family) {
  restartWith({ family, overrides: {} });  // a preset that does not fit the new family is dropped there
}

async function exportModel() {
  if (!session) return;
  const out = $("export-result");
  out.textContent = "Saving…";
  try {
    // {model_id, family, title, page (MNIST: served at once; null for 2-D), files: {json, safetensors}}
    const result = await session.exportModel();
    out.replaceChildren(`Saved as ${result.model_id}. `);
    const link = (href, text, download = false) => {
      const a = Object.assign(document.createElement("a"), { href, textContent: text });
      if (download) a.download = "";
      return a;
    };
    if (result.page) out.append(link(result.page, `Open it in its explorer: ${result.page}`), " ");
    else out.append(link(`/lab?export=${result.model_id}`, "Open it again in the lab"), " ");
    for (const [kind, href] of Object.entries(result.files || {})) out.append(link(href, kind, true), " ");
    panelError("run-panel", null);
  } catch (err) {
    out.textContent = "";
    panelError("run-panel", err);
  }
}

// --- the toolbar -----------------------------------------------------------------------------------

function syncToolbar() {
  $("family").value = s.family;
  $("data").value = s.data;
  $("seed").value = s.seed;
  $("step-n").value = s.n;
  $("speed").value = String(s.spf);
  const names = presetsFor(options, s.family, s.data);
  $("preset").replaceChildren(new Option("— none (defaults) —", ""),
    ...names.map((name, i) => new Option(`${i + 1}. ${name}`, name)));
  $("preset").value = s.preset || "";
  const about = s.preset && options.presets[s.preset];
  $("preset-about").hidden = !about;
  $("preset-about").textContent = about ? `${s.preset}: ${about.about} (Visible within about ${about.steps} steps.)` : "";
}

function wireToolbar() {
  $("family").replaceChildren(...Object.keys(options.families).map((f) => new Option(f, f)));
  $("data").replaceChildren(...options.data.map((d) => new Option(d === "drawn" ? "drawn (your own)" : d, d)));
  const speeds = [...new Set([...SPEEDS, s.spf])].sort((a, b) => a - b);
  $("speed").replaceChildren(...speeds.map((v) => new Option(String(v), String(v))));
  $("family").addEventListener("change", (e) => setFamily(e.target.value));
  $("data").addEventListener("change", (e) => restartWith({ data: e.target.value }));
  $("seed").addEventListener("change", (e) => {
    const seed = Math.round(Number(e.target.value));
    if (Number.isFinite(seed) && seed >= 0 && seed <= 4294967295) restartWith({ seed });
    else syncToolbar();
  });
  $("preset").addEventListener("change", (e) => applyPreset(e.target.value || null));
  $("speed").addEventListener("change", (e) => setSpeed(Number(e.target.value)));
  $("step-n").addEventListener("change", (e) => {
    const n = Math.round(Number(e.target.value));
    s.n = Number.isFinite(n) ? Math.min(1000, Math.max(1, n)) : DEFAULTS.n;
    writeState(s);
    syncToolbar();
  });
  $("play").addEventListener("click", togglePlay);
  $("step").addEventListener("click", step);
  $("reset").addEventListener("click", reset);
  $("export").addEventListener("click", exportModel);
  $("download-log").addEventListener("click", (e) => { if (!session) e.preventDefault(); });
  $("draw-train").addEventListener("click", trainOnDrawing);
  $("draw-clear").addEventListener("click", () => pad.clear());
  $("draw-undo").addEventListener("click", () => pad.undo());
}

function trainOnDrawing() {
  const points = pad.points();
  if (!points.length) {
    panelError("draw-panel", "Draw at least one point first.");
    return;
  }
  panelError("draw-panel", null);
  restartWith({ data: "drawn", points });
}

function shortcuts() {
  installShortcuts([
    { keys: ["Space"], match: (k) => k === " ", label: "play / pause", run: togglePlay },
    { keys: ["s", "→"], match: (k) => k === "s" || k === "ArrowRight", label: "step: train n steps (the toolbar's n), then show them", run: step },
    { keys: ["r"], label: "reset: back to step 0 with the same seed and settings", run: reset },
    { keys: ["1", "…", "9"], match: (k) => /^[1-9]$/.test(k), label: "apply the family's preset 1 … 9 (the Preset menu) to the running model",
      run: (e) => presetByIndex(Number(e.key)) },
    { keys: ["0"], label: "back to the default hyper-parameters", run: () => presetByIndex(0) },
    { keys: ["+", "-"], match: (k) => k === "+" || k === "=" || k === "-", label: "more / fewer steps per frame",
      run: (e) => setSpeed(cycle(SPEEDS, SPEEDS.includes(s.spf) ? s.spf : DEFAULTS.spf, e.key === "-" ? -1 : 1)) },
    { keys: ["f"], label: "next model family (a new session)", run: () => setFamily(cycle(Object.keys(options.families), s.family)) },
    { keys: ["d"], label: "next data set (a new session)", run: () => restartWith({ data: cycle(options.data, s.data) }) },
    { keys: ["n"], label: "new seed (a new session)", run: () => restartWith({ seed: Math.floor(Math.random() * 100000) }) },
    { keys: ["w"], label: "draw your own distribution", run: () => restartWith({ data: "drawn" }) },
    { keys: ["Enter"], label: "train on the drawing (while drawing)", run: () => { if (s.data === "drawn") trainOnDrawing(); } },
    { keys: ["e"], label: "export the model (card + safetensors)", run: exportModel },
    { keys: ["l"], label: "download the run log (CSV)", run: () => session && $("download-log").click() },
    { keys: ["h"], label: "home page (all families)", run: () => { window.location.href = "/"; } },
  ]);
}

async function main() {
  shortcuts();
  try {
    options = await labOptions();
  } catch (err) {
    say(`The lab is not available on this server: ${err.message}`, { error: true });
    showState("off", NaN);
    return;
  }
  s = readState(options);
  wireToolbar();
  syncToolbar();
  writeState(s);
  if (s.points) pad.setPoints(s.points);
  else pad.render();
  $("draw-count").textContent = String(pad.points().length);
  window.addEventListener("resize", () => { view.resize(); pad.render(); });
  window.addEventListener("pagehide", () => session?.close());
  document.body.dataset.ready = "true";
  await start();
}

main();
