// ③ The prior writes a digit token by token (stream.js). The tokens are queued and played back at the
// chosen speed, so a lecturer can pause on one cell: the grid fills in reading order, the current cell's
// eight likeliest codes show as bars with their pictures, and the decoder's digit-so-far updates beside it.

import { digit, el, setSrc } from "../lib/images.js";
import { getString, setState } from "../lib/urlstate.js";
import { openTokenStream, tokenStreamUrl } from "./stream.js";
import { CELLS, codeColor, createTokenGrid } from "./tokengrid.js";

const $ = (id) => document.getElementById(id);
const SPEEDS = ["2", "5", "20", "0"];

export function createWriter(ctx) {
  const section = $("writer");
  const grid = createTokenGrid($("writer-grid"));
  const speed = $("write-speed");
  speed.value = getString("speed", "5", SPEEDS);
  let stream = null;
  let queue = [];
  let shown = 0;
  let finished = null; // the `done` event, once it came
  let info = {};
  let timer = 0;
  let state = "idle";

  function setStateName(name) {
    state = name;
    section.dataset.state = name;
    const pause = $("write-pause");
    pause.setAttribute("aria-pressed", String(name === "paused"));
    pause.firstChild.textContent = name === "paused" ? "Play " : "Pause ";
    pause.disabled = !(name === "running" || name === "paused");
    caption();
  }

  function caption() {
    const label = info.label === null || info.label === undefined ? "" : `class ${info.label} · `;
    const word = { idle: "not started", running: "writing", paused: "paused", done: "done", failed: "failed" }[state];
    $("writer-caption").textContent = state === "idle" ? "Not started: press Enter (or Write)."
      : `${label}seed ${info.seed ?? ctx.seed} · T = ${Number(info.temperature ?? ctx.temperature).toFixed(2)} · `
        + `token ${shown} of ${CELLS} · ${word}`;
  }

  /** The current cell's top-8 codes as bars, each with the code's picture; the drawn one marked. */
  function showTop(t) {
    const best = t.top[0][1] || 1;
    $("top-list").replaceChildren(...t.top.map(([code, p]) => {
      const src = ctx.codebook.image(code);
      const bar = el("span", { class: "vq-bar" });
      bar.style.width = `${Math.max(1, (100 * p) / best)}%`;
      const chip = el("span", { class: "vq-chip" }, String(code));
      chip.style.background = codeColor(code);
      return el("li", { class: code === t.token ? "drawn" : "", "data-code": String(code) },
        src ? digit(src, { size: 36, alt: "", cls: "vq-top-img" }) : el("span", { class: "vq-top-img" }),
        chip, el("span", { class: "vq-bar-wrap" }, bar), el("span", { class: "vq-p" }, p.toFixed(3)),
        el("span", { class: "vq-drawn-mark" }, code === t.token ? "← drawn" : ""));
    }));
    const p = t.top.find(([code]) => code === t.token)?.[1];
    $("top-where").textContent = `— cell ${t.index + 1} of ${CELLS}: row ${t.row + 1}, column ${t.col + 1}`;
    $("top-token").textContent = String(t.token);
    $("top-p").textContent = p === undefined ? "< top 8" : p.toFixed(3);
    $("top-entropy").textContent = `${t.entropy_bits.toFixed(2)} bits`;
  }

  function showToken(t) {
    grid.write(t.index, t.token);
    grid.cursor(t.index);
    shown = t.index + 1;
    $("writer-grid").dataset.filled = String(shown);
    setSrc($("writer-image"), t.image, `the digit decoded from the first ${shown} tokens`);
    showTop(t);
  }

  function maybeDone() {
    if (!finished || queue.length || state === "failed") return;
    grid.cursor(-1);
    $("writer-grid").dataset.tokens = finished.tokens.flat().join(",");
    setSrc($("writer-image"), finished.image, `the digit written by the prior (class ${finished.label ?? "none"})`);
    section.dataset.seed = String(finished.seed);
    section.dataset.label = finished.label === null ? "" : String(finished.label);
    setStateName("done");
  }

  function tick() {
    timer = 0;
    if (state !== "running") return;
    const rate = Number(speed.value);
    if (queue.length) showToken(queue.shift());
    if (rate === 0) while (queue.length) showToken(queue.shift());
    caption();
    maybeDone();
    if (state === "running") timer = setTimeout(tick, rate ? 1000 / rate : 50);
  }

  function stop() {
    stream?.close();
    stream = null;
    clearTimeout(timer);
    timer = 0;
  }

  /** Write a digit with the page's seed, class and temperature (any writing under way is dropped). */
  function start() {
    stop();
    const model = ctx.model;
    const fields = { seed: ctx.seed, temperature: ctx.temperature, label: ctx.conditional() ? ctx.label : null };
    const url = tokenStreamUrl(model.id, fields);
    Object.assign(section.dataset, { url, seed: "", label: "" });
    queue = [];
    shown = 0;
    finished = null;
    info = { seed: ctx.seed, temperature: ctx.temperature, label: fields.label };
    grid.clear();
    grid.highlight(ctx.code);
    $("writer-image").removeAttribute("src");
    $("top-list").replaceChildren();
    section.querySelector(".error").hidden = true;
    setStateName("running");
    stream = openTokenStream(url, {
      onStart: (s) => { info = s; caption(); },
      onToken: (t) => {
        queue.push(t);
        if (!timer && state === "running") tick();
      },
      onDone: (d) => {
        finished = d;
        if (state === "running" && !timer) tick();
      },
      onError: (err) => {
        const box = section.querySelector(".error");
        box.textContent = `⚠ ${err.message}`;
        box.hidden = false;
        setStateName("failed");
      },
      onRetry: (s) => { $("writer-caption").textContent = `The server is busy: trying again in ${s} s…`; },
    });
  }

  function toggle() {
    if (state === "running") {
      clearTimeout(timer);
      timer = 0;
      setStateName("paused");
    } else if (state === "paused") {
      setStateName("running");
      tick();
    } else {
      start();
    }
  }

  $("write").addEventListener("click", start);
  $("write-pause").addEventListener("click", toggle);
  speed.addEventListener("change", () => setState({ speed: speed.value === "5" ? null : speed.value }));
  setStateName("idle");
  $("writer-grid").dataset.filled = "0";

  return {
    start, toggle,
    idle: () => state === "idle",
    highlight: (code) => grid.highlight(code),
    /** Settings changed: write again if a writing was started. */
    refresh: () => { if (state !== "idle") start(); },
  };
}
