// ① Sampling pixel by pixel (GET /api/pixelcnn/{id}/stream, Server-Sent Events): `start`, one `pixel`
// event per pixel {row, col, value, probs, canvas}, then `done`. The events are queued and played back
// at the chosen speed, so a lecturer can pause on one pixel and step; Stop closes the EventSource, which
// stops the server's work. EventSource would reconnect (and start over) by itself after an error, so
// every exit path closes it; a refused stream is asked once more with fetch to read its {"detail"}.

import { diagnoseStream } from "../lib/api.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const SIDE = 28;
const PIXELS = SIDE * SIDE;
const UNSEEN = "#2e3440"; // not sampled yet: slate, so a sampled black pixel stays visible as black
const SPEEDS = ["5", "25", "100", "0"];
const MAX_BUSY_RETRIES = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The 256-level distribution as bars (linear or log scale), the sampled level in orange. */
function drawProbs(canvas, probs, value, log) {
  const c = canvas.getContext("2d");
  const { width, height } = canvas;
  const pad = { left: 52, right: 8, top: 10, bottom: 8 };
  const w = (width - pad.left - pad.right) / 256;
  const h = height - pad.top - pad.bottom;
  const max = Math.max(...probs);
  const floor = -6; // log10 p below 1e-6 draws nothing
  const y = (p) => (log ? Math.max(0, (Math.log10(Math.max(p, 1e-12)) - floor) / -floor) : p / max);
  c.clearRect(0, 0, width, height);
  c.fillStyle = "#fff";
  c.fillRect(0, 0, width, height);
  c.font = "14px system-ui, sans-serif";
  c.textAlign = "right";
  c.textBaseline = "middle";
  const ticks = log ? [0, -2, -4, -6].map((e) => [10 ** e, `1e${e}`]) : [1, 0.5, 0].map((f) => [f * max, (f * max).toFixed(2)]);
  for (const [p, text] of ticks) {
    const ty = pad.top + h - y(p) * h;
    c.strokeStyle = "#e3e6eb";
    c.beginPath();
    c.moveTo(pad.left, ty);
    c.lineTo(width - pad.right, ty);
    c.stroke();
    c.fillStyle = "#4a5260";
    c.fillText(text, pad.left - 6, ty);
  }
  probs.forEach((p, i) => {
    const bh = y(p) * h;
    if (bh <= 0) return;
    c.fillStyle = i === value ? "#d9480f" : "#1f5fd6";
    c.fillRect(pad.left + i * w, pad.top + h - bh, Math.max(1, w - 0.4), bh);
  });
  // the sampled level: a marker above its bar, visible even when its probability is tiny
  const mx = pad.left + (value + 0.5) * w;
  c.fillStyle = "#d9480f";
  c.beginPath();
  c.moveTo(mx - 6, pad.top - 2);
  c.lineTo(mx + 6, pad.top - 2);
  c.lineTo(mx, pad.top + 8);
  c.fill();
}

const entropyBits = (probs) => -probs.reduce((s, p) => (p > 0 ? s + p * Math.log2(p) : s), 0);

export function createStream(ctx) {
  const section = $("stream");
  const canvas = $("stream-canvas");
  const chart = $("probs-chart");
  const cursor = $("stream-cursor");
  const paint = canvas.getContext("2d");
  const speedSelect = $("stream-speed");
  speedSelect.value = getString("speed", "100", SPEEDS);
  const logBox = document.createElement("input");
  let source = null;
  let queue = [];
  let shown = 0;
  let last = null;
  let state = "idle"; // running | paused | stopped | done | failed
  let received = 0;
  let finished = false; // the server sent `done`
  let clock = 0;
  let budget = 0;
  let frame = 0;
  let info = {};
  let log = getNumber("log", 0, { min: 0, max: 1, integer: true }) === 1;

  // the log-scale switch, after the speed select
  logBox.type = "checkbox";
  logBox.id = "probs-log";
  logBox.checked = log;
  const logLabel = document.createElement("label");
  logLabel.className = "check";
  logLabel.append(logBox, " log scale");
  speedSelect.closest("label").after(logLabel);
  logBox.addEventListener("change", () => {
    log = logBox.checked;
    setState({ log: log ? 1 : null });
    if (last) drawProbs(chart, last.probs, last.value, log);
  });

  function setStateName(name) {
    state = name;
    section.dataset.state = name;
    const paused = name === "paused";
    $("stream-pause").setAttribute("aria-pressed", String(paused));
    $("stream-pause").disabled = !(name === "running" || name === "paused");
    $("stream-pause").firstChild.textContent = paused ? "Play " : "Pause ";
    $("stream-step").disabled = !paused;
    $("stream-stop").disabled = !(name === "running" || name === "paused");
  }

  function clearCanvas() {
    paint.fillStyle = UNSEEN;
    paint.fillRect(0, 0, SIDE, SIDE);
    canvas.dataset.filled = "0";
    cursor.hidden = true;
  }

  function close() {
    source?.close();
    source = null;
    cancelAnimationFrame(frame);
    frame = 0;
  }

  function caption() {
    const label = info.label === null || info.label === undefined ? "" : `class ${info.label} · `;
    const where = { running: "sampling", paused: "paused", stopped: "stopped", done: "done", failed: "failed", idle: "" }[state];
    $("stream-caption").textContent = `${label}seed ${info.seed ?? ctx.seed} · pixel ${shown} of ${PIXELS}`
      + ` (${received} received) · ${where}`;
  }

  function showPixel(p) {
    const v = p.value;
    paint.fillStyle = `rgb(${v}, ${v}, ${v})`;
    paint.fillRect(p.col, p.row, 1, 1);
    shown += 1;
    last = p;
  }

  /** The newest shown pixel: cursor, bars and numbers (once per animation frame, not per pixel). */
  function showCurrent() {
    canvas.dataset.filled = String(shown);
    caption();
    if (!last) return;
    Object.assign(cursor.style, { left: `${(100 * last.col) / SIDE}%`, top: `${(100 * last.row) / SIDE}%`,
      width: `${100 / SIDE}%`, height: `${100 / SIDE}%` });
    cursor.hidden = shown >= PIXELS;
    drawProbs(chart, last.probs, last.value, log);
    chart.dataset.pixel = String(shown - 1);
    $("probs-where").textContent = `— pixel ${shown} of ${PIXELS}: row ${last.row + 1}, column ${last.col + 1}`;
    $("probs-value").textContent = String(last.value);
    $("probs-p").textContent = last.probs[last.value].toPrecision(3);
    $("probs-black").textContent = last.probs[0].toPrecision(3);
    $("probs-entropy").textContent = `${entropyBits(last.probs).toFixed(2)} bits`;
  }

  function maybeDone() {
    if (finished && shown >= received && state !== "stopped") {
      setStateName("done");
      caption();
    }
  }

  /** Play the queue: `speed` pixels a second, or everything received at once (speed 0). */
  function tick(now) {
    frame = 0;
    if (state !== "running") return;
    const speed = Number(speedSelect.value);
    budget += speed ? ((now - clock) / 1000) * speed : Infinity;
    clock = now;
    let drew = false;
    while (queue.length && budget >= 1) {
      showPixel(queue.shift());
      budget -= 1;
      drew = true;
    }
    if (!queue.length) budget = Math.min(budget, 1);
    if (drew) showCurrent();
    maybeDone();
    if (state === "running") frame = requestAnimationFrame(tick);
  }

  function play() {
    if (state !== "paused" && state !== "running") return;
    setStateName("running");
    clock = performance.now();
    budget = 0;
    if (!frame) frame = requestAnimationFrame(tick);
  }

  function pause() {
    if (state !== "running") return;
    setStateName("paused");
    caption();
  }

  function stepOne() {
    if (state !== "paused" || !queue.length) return;
    showPixel(queue.shift());
    showCurrent();
  }

  function stop() {
    if (state !== "running" && state !== "paused") return;
    close();
    queue = [];
    setStateName("stopped");
    caption();
  }

  function url() {
    const q = new URLSearchParams({ seed: String(ctx.seed) });
    if (ctx.label !== null && ctx.conditional()) q.set("label", String(ctx.label));
    return `/api/pixelcnn/${encodeURIComponent(ctx.model.id)}/stream?${q}`;
  }

  function fail(err) {
    close();
    setStateName("failed");
    const box = section.querySelector(".error");
    box.textContent = `⚠ ${err.message}`;
    box.hidden = false;
    caption();
  }

  /** Open the stream; a refusal before `start` (503: every slot busy) is retried a few times. */
  function connect(target, attempt) {
    const es = new EventSource(target);
    source = es;
    let opened = false;
    es.addEventListener("start", (event) => {
      opened = true;
      info = JSON.parse(event.data);
      caption();
    });
    es.addEventListener("pixel", (event) => {
      queue.push(JSON.parse(event.data));
      received += 1;
      section.dataset.received = String(received);
    });
    es.addEventListener("done", (event) => {
      finished = true;
      section.dataset.final = JSON.parse(event.data).image;
      es.close();
      if (source === es) source = null;
      maybeDone();
    });
    es.addEventListener("error", async () => {
      es.close();
      if (source !== es || finished) return;
      if (opened) {
        fail(new Error(`the stream broke off after ${received} pixels (server restarted or the connection dropped); press “Sample again”`));
        return;
      }
      const err = await diagnoseStream(target);
      if (source !== es) return; // stopped or restarted meanwhile
      if ((!err || err.status === 503) && attempt < MAX_BUSY_RETRIES) {
        $("stream-caption").textContent = `The server is busy: trying again in ${Math.min(err?.retryAfter ?? 1, 5)} s…`;
        await sleep(Math.min(err?.retryAfter ?? 1, 5) * 1000);
        if (source === es) connect(target, attempt + 1);
        return;
      }
      fail(err || new Error("the stream could not be opened; press “Sample again”"));
    });
  }

  /** Start a new sample: clear the canvas and open the stream. */
  function start() {
    close();
    queue = [];
    shown = 0;
    received = 0;
    last = null;
    finished = false;
    info = { seed: ctx.seed, label: ctx.label };
    section.querySelector(".error").hidden = true;
    clearCanvas();
    setStateName("running");
    caption();
    connect(url(), 0);
    play();
  }

  $("stream-run").addEventListener("click", start);
  $("stream-pause").addEventListener("click", () => (state === "paused" ? play() : pause()));
  $("stream-step").addEventListener("click", stepOne);
  $("stream-stop").addEventListener("click", stop);
  speedSelect.addEventListener("change", () => setState({ speed: speedSelect.value === "100" ? null : speedSelect.value }));
  window.addEventListener("pagehide", close);
  clearCanvas();
  setStateName("idle");

  return {
    start,
    refresh: start,
    toggle: () => (state === "paused" ? play() : pause()),
    step: stepOne,
    stop,
  };
}
