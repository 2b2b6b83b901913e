// The same seed, side by side: 16 digits per picked model (POST /api/models/{id}/sample), each column labelled
// with its model. A diffusion model's column takes seconds on a CPU, so each column says how long it has been
// waiting and how long the table's 1-core timing says it should take; api.js keeps at most two requests open,
// and a newer seed or class cancels the requests the page no longer shows.

import { api, showError, clearError } from "../lib/api.js";
import { digit, el } from "../lib/images.js";
import { familyName, sig } from "./format.js";

const $ = (id) => document.getElementById(id);
const N = 16;
const TICK_MS = 200;

/** ctx: {picked, seed, label, slot(id), model(id), row(id), conditional(id)}. */
export function createGrids(ctx) {
  const section = $("samples");
  const box = $("grids");
  let columns = new Map(); // model id -> {node, digits, status, caption, abort, timer}

  function column(id) {
    const status = el("p", { class: "cmp-status", "aria-live": "polite" });
    const digits = el("div", { class: "cmp-digits", role: "group", "aria-label": `16 digits from ${id}` });
    const caption = el("p", { class: "caption" });
    const node = el("figure", { class: "cmp-grid", "data-model": id },
      el("figcaption", { class: "cmp-grid-head" }, el("span", { class: "cmp-swatch", "aria-hidden": "true" }),
        el("code", {}, id), el("span", { class: "muted" }, familyName(ctx.model(id)?.family))),
      caption, status, digits);
    return { node, digits, status, caption, abort: null, timer: 0 };
  }

  /** Columns for the picks in their order: a model still picked keeps its digits; returns the new ones' ids. */
  function build() {
    const old = columns;
    for (const [id, c] of old) if (!ctx.picked.includes(id)) stop(c);
    columns = new Map(ctx.picked.map((id) => [id, old.get(id) ?? column(id)]));
    for (const [id, c] of columns) c.node.className = `cmp-grid slot-${ctx.slot(id)}${c.abort ? " busy" : ""}`;
    box.className = `cmp-grids cols-${ctx.picked.length}`;
    box.replaceChildren(...[...columns.values()].map((c) => c.node));
    return ctx.picked.filter((id) => !old.has(id) || old.get(id).node.dataset.state === "failed");
  }

  function stop(c) {
    c.abort?.abort();
    clearInterval(c.timer);
    c.timer = 0;
  }

  /** "sampling… 1.4 s (about 3 s: 16 × 190 ms per image on one core)" while the request is open. */
  function startClock(c, id) {
    const started = performance.now();
    const ms = ctx.row(id)?.ms_per_image;
    const expected = ms ? ` (about ${sig((N * ms) / 1000, 2)} s: ${N} × ${sig(ms)} ms per image on one core)` : "";
    const progress = el("progress", { "aria-label": `sampling ${id}` });
    const text = el("span", {});
    const tick = () => { text.textContent = `sampling… ${((performance.now() - started) / 1000).toFixed(1)} s${expected}`; };
    tick();
    c.status.replaceChildren(progress, text);
    c.timer = setInterval(tick, TICK_MS);
  }

  /** One short line (four columns side by side must line their digits up). */
  function captionText(id) {
    if (!ctx.conditional(id)) return `seed ${ctx.seed} · unconditional`;
    return `seed ${ctx.seed} · ${ctx.label === null ? "a class per digit" : `class ${ctx.label}`}`;
  }

  async function load(id) {
    const c = columns.get(id);
    stop(c);
    const abort = new AbortController();
    c.abort = abort;
    const body = { n: N, seed: ctx.seed };
    if (ctx.conditional(id) && ctx.label !== null) body.label = ctx.label;
    const key = `${id}|${ctx.seed}|${ctx.conditional(id) ? ctx.label ?? "" : ""}`;
    c.caption.textContent = captionText(id);
    c.node.classList.add("busy");
    c.node.dataset.state = "loading";
    startClock(c, id);
    try {
      const out = await api(`/api/models/${encodeURIComponent(id)}/sample`, body, { signal: abort.signal });
      c.digits.replaceChildren(...out.images.map((src, i) => digit(src, { size: 96,
        alt: `${id}, seed ${out.seed}, digit ${i + 1}${out.labels ? ` (class ${out.labels[i]})` : ""}` })));
      c.node.dataset.key = key;
      c.node.dataset.state = "done";
      c.status.replaceChildren();
      clearError(section);
    } catch (err) {
      if (abort.signal.aborted) return; // a newer seed, class or pick took over this column
      c.node.dataset.state = "failed";
      c.status.replaceChildren(el("span", { class: "cmp-failed" }, `⚠ ${id}: ${err.message}`));
      showError(section, err);
    } finally {
      if (c.abort === abort) { // still this column's latest request
        clearInterval(c.timer);
        c.abort = null;
        c.node.classList.remove("busy");
      }
    }
  }

  return {
    /** Picks changed: the new columns draw (a diffusion model's digits are not asked for twice). */
    rebuild() {
      for (const id of build()) load(id);
    },
    refresh() {
      for (const id of ctx.picked) load(id);
    },
  };
}
