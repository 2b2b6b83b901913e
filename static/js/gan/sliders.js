// Latent sliders: 8 of z's 64 coordinates on big sliders (pick which), every move decodes z live
// (POST decode); an overview of all 64 values; and a sweep of the selected coordinate (POST traverse).

import { guarded, latest, post } from "../lib/api.js";
import { svgEl } from "../lib/chart.js";
import { el, fillStrip, setSrc } from "../lib/images.js";
import { formatNumbers, getNumber, getNumbers, round, setState } from "../lib/urlstate.js";

const RANGE = 3;
const SLOTS = 8;
const SWEEP_STEPS = 9;
const $ = (id) => document.getElementById(id);
/** z as the URL keeps it (2 decimals), so a permalink decodes exactly the same pixels. */
const exact = (values) => values.map((v) => round(v, 2));

export function createSliders(ctx) {
  const section = $("sliders");
  const list = $("gan-slider-list");
  const img = $("slider-img");
  let z = [];
  let dims = [];
  let active = 0; // the slot a click on the overview (and the sweep) applies to
  let label; // the class G is conditioned on (conditional models only)
  let rows = [];
  let source = "";
  let ready = null;

  const dimCount = () => ctx.model.latent_dim;
  const labelFor = () => (ctx.conditional() ? ctx.label ?? label ?? 0 : undefined);

  function saveUrl() {
    const plain = dims.every((v, i) => v === i);
    setState({ z: formatNumbers(z), dims: plain ? null : dims.map((v) => v + 1).join(","), zs: active || null });
  }

  function buildRows() {
    const d = dimCount();
    rows = dims.map((_, slot) => {
      const pick = el("select", { "aria-label": `coordinate on slider ${slot + 1}` },
        Array.from({ length: d }, (_, i) => new Option(`z${i + 1}`, String(i))));
      const input = el("input", { type: "range", min: -RANGE, max: RANGE, step: 0.01, value: 0 });
      const out = el("output", { class: "slider-value" }, "0.00");
      pick.addEventListener("change", () => { dims[slot] = Number(pick.value); select(slot); show(); saveUrl(); sweep(); });
      input.addEventListener("input", () => {
        z[dims[slot]] = Number(input.value);
        out.textContent = z[dims[slot]].toFixed(2);
        source = "your slider settings";
        if (active !== slot) select(slot);
        saveUrl();
        overview();
        decode();
      });
      input.addEventListener("change", () => { sweep(); api.onChange?.(); });
      input.addEventListener("focus", () => { if (active !== slot) { select(slot); sweep(); } });
      const row = el("div", { class: "gan-slider", "data-slot": slot }, pick, input, out);
      row.addEventListener("pointerdown", () => { if (active !== slot) { select(slot); sweep(); } });
      return { row, pick, input, out };
    });
    list.replaceChildren(...rows.map((r) => r.row));
    $("sliders-objective").textContent = `x = G(z): z has ${d} coordinates; ${dims.length} are on sliders. Every move `
      + "decodes live. N(0, 1) puts 95% of each coordinate in −2…2.";
    $("overview-count").textContent = `All ${d} coordinates`;
    const pages = Math.ceil(d / SLOTS);
    $("dim-pages").replaceChildren(el("span", { class: "dim-pages-label" }, "Show z"),
      ...Array.from({ length: pages }, (_, p) => el("button", { type: "button", class: "ghost page-btn", "data-page": p,
        onclick: () => {
          dims = dims.map((_, i) => Math.min(d - 1, p * SLOTS + i));
          show();
          saveUrl();
          sweep();
        }, title: `put z${p * SLOTS + 1}…z${Math.min(d, (p + 1) * SLOTS)} on the sliders` },
      `${p * SLOTS + 1}–${Math.min(d, (p + 1) * SLOTS)}`)));
  }

  function select(slot) {
    active = slot;
    rows.forEach((r, i) => r.row.classList.toggle("active", i === slot));
    setState({ zs: active || null });
    overview();
  }

  function show() {
    if (rows.length !== dims.length || rows[0]?.pick.options.length !== dimCount()) buildRows();
    rows.forEach((r, slot) => {
      const v = z[dims[slot]];
      r.pick.value = String(dims[slot]);
      r.input.value = Math.max(-RANGE, Math.min(RANGE, v));
      r.input.setAttribute("aria-label", `latent z${dims[slot] + 1}`);
      r.out.textContent = v.toFixed(2);
      r.row.classList.toggle("active", slot === active);
    });
    document.querySelectorAll("#dim-pages .page-btn").forEach((b) => {
      const p = Number(b.dataset.page);
      b.setAttribute("aria-pressed", String(dims.every((v, i) => v === Math.min(dimCount() - 1, p * SLOTS + i))));
    });
    overview();
  }

  /** All coordinates as bars around 0, the ±2 band shaded; the ones on sliders highlighted. */
  function overview() {
    const d = z.length;
    if (!d) return;
    const width = 680;
    const height = 150;
    const pad = { left: 34, right: 6, top: 8, bottom: 22 };
    const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img",
      "aria-label": "all coordinates of z as bars" });
    const slot = (width - pad.left - pad.right) / d;
    const Y = (v) => pad.top + ((RANGE - Math.max(-RANGE, Math.min(RANGE, v))) / (2 * RANGE)) * (height - pad.top - pad.bottom);
    svg.append(svgEl("rect", { x: pad.left, y: Y(2), width: width - pad.left - pad.right, height: Y(-2) - Y(2), class: "prior-band" }));
    for (const t of [-2, 0, 2]) {
      svg.append(svgEl("line", { x1: pad.left, x2: width - pad.right, y1: Y(t), y2: Y(t), class: t ? "chart-grid" : "chart-zero" }),
        svgEl("text", { x: pad.left - 5, y: Y(t) + 5, "text-anchor": "end", class: "chart-tick" }, t));
    }
    z.forEach((v, i) => {
      const on = dims.indexOf(i);
      const cls = on === active ? "zbar active" : on >= 0 ? "zbar shown" : "zbar";
      const x = pad.left + i * slot;
      const hit = svgEl("rect", { x, y: pad.top, width: slot, height: height - pad.top - pad.bottom, class: "zbar-hit",
        "data-dim": i }, svgEl("title", {}, `z${i + 1} = ${v.toFixed(2)}`));
      svg.append(svgEl("rect", { x: x + slot * 0.12, width: slot * 0.76, y: Math.min(Y(v), Y(0)),
        height: Math.max(1, Math.abs(Y(v) - Y(0))), class: cls }), hit);
      if (on === active || ((i === 0 || (i + 1) % 8 === 0) && Math.abs(i - dims[active]) > 1)) {
        svg.append(svgEl("text", { x: x + slot / 2, y: height - 5, "text-anchor": "middle",
          class: on === active ? "chart-tick ztick-on" : "chart-tick" }, i + 1));
      }
    });
    svg.addEventListener("click", (event) => {
      const dim = event.target.dataset?.dim;
      if (dim === undefined) return;
      const i = Number(dim);
      const slotOf = dims.indexOf(i);
      if (slotOf >= 0) select(slotOf);
      else dims[active] = i;
      show();
      saveUrl();
      sweep();
      rows[active].input.focus({ preventScroll: true });
    });
    $("z-overview").replaceChildren(svg);
  }

  const decode = latest(async () => {
    if (!z.length) return;
    const model = ctx.model;
    const body = { latents: [z.map((v) => Math.max(-10, Math.min(10, v)))] };
    if (ctx.conditional()) body.labels = [labelFor()];
    const out = await guarded(section, () => post(model.id, "decode", body));
    if (!out || model !== ctx.model) return;
    setSrc(img, out.images[0], `digit decoded by ${model.id} from the slider values`);
    img.dataset.z = formatNumbers(z);
    const cls = ctx.conditional() ? ` · class ${body.labels[0]}` : "";
    $("slider-meta").textContent = `${model.id}${cls} · ‖z‖ = ${Math.hypot(...z).toFixed(2)} · from ${source}`;
  });

  const sweep = latest(async () => {
    if (!z.length) return;
    const model = ctx.model;
    const dim = dims[active];
    const body = { latent: z.map((v) => Math.max(-10, Math.min(10, v))), dim, span: RANGE, steps: SWEEP_STEPS };
    if (ctx.conditional()) body.label = labelFor();
    const out = await guarded(section, () => post(model.id, "traverse", body));
    if (!out || model !== ctx.model) return;
    $("sweep-title").textContent = `Sweep z${dim + 1} from −${RANGE} to ${RANGE}, the other ${z.length - 1} coordinates fixed`;
    const size = Math.min(112, Math.floor(((list.closest(".panel").clientWidth || 1100) - 60) / SWEEP_STEPS) - 6);
    fillStrip($("sweep-strip"), out.frames, { size, alt: `z${dim + 1} sweep frame` });
    $("sweep-strip").querySelectorAll("img").forEach((im, i) => {
      im.title = `z${dim + 1} = ${(-RANGE + (2 * RANGE * i) / (SWEEP_STEPS - 1)).toFixed(2)}`;
    });
  });

  function initialDims() {
    const d = dimCount();
    const saved = getNumbers("dims", { min: 1, max: d });
    const n = Math.min(SLOTS, d);
    if (saved && saved.length === n && saved.every(Number.isInteger)) return saved.map((v) => v - 1);
    return Array.from({ length: n }, (_, i) => i);
  }

  async function fromSample({ keepUrl = false } = {}) {
    const model = ctx.model;
    const out = await guarded(section, () => ctx.grid());
    if (!out || model !== ctx.model) return;
    const cell = ctx.cell();
    label = out.labels ? out.labels[cell] : ctx.label;
    const saved = keepUrl ? getNumbers("z", { min: -10, max: 10 }) : null;
    if (keepUrl) {
      dims = initialDims();
      active = getNumber("zs", 0, { min: 0, max: dims.length - 1, integer: true });
    } else if (dims.length !== Math.min(SLOTS, dimCount()) || dims.some((v) => v >= dimCount())) {
      dims = initialDims();
      active = 0;
    }
    if (saved && saved.length === dimCount()) {
      z = saved;
      source = "the URL";
    } else {
      z = exact(out.latents[cell]);
      source = `sample #${cell + 1} of seed ${ctx.seed}`;
      setState({ z: null });
    }
  }

  function start(options) {
    ready = fromSample(options).then(() => {
      if (!z.length) return;
      show();
      decode();
      sweep();
    });
    return ready;
  }

  const api = {
    onChange: null,
    init: () => start({ keepUrl: true }),
    /** Forget a z loaded before the section started (the model or seed changed). */
    invalidate: () => { ready = null; },
    reset: () => start(),
    refresh: () => { decode(); sweep(); },
    /** The slider z (loading it from the URL or the sample when the section has not started yet). */
    async latent() {
      if (!ready) {
        ready = fromSample({ keepUrl: true });
      }
      await ready;
      return z.length ? { z: z.slice(), label: labelFor() } : null;
    },
    setLatent(values, lab) {
      z = exact(values);
      if (lab !== undefined && lab !== null) label = lab;
      source = "a sample in the grid";
      if (!dims.length) dims = initialDims();
      ready = Promise.resolve();
      saveUrl();
      show();
      decode();
      sweep();
      api.onChange?.();
    },
    async zero() {
      if (!z.length) await api.latent(); // the section has not started: load its z (and rows) first
      if (!z.length) return;
      z = z.map(() => 0);
      source = "z = 0, the prior's mean";
      saveUrl();
      show();
      decode();
      sweep();
      api.onChange?.();
    },
  };
  $("slider-reset").addEventListener("click", () => api.reset());
  $("slider-zero").addEventListener("click", () => api.zero());
  return api;
}
