// Interpolation: walk from one latent to another (POST interpolate), lerp and slerp one above the
// other, plus ‖z_t‖ along both paths. A GAN has no encoder: an end is a seed's draw or the slider z.

import { guarded, latest, post } from "./api.js";
import { lineChart } from "./chart.js";
import { el, fillStrip } from "./images.js";
import { getNumber, getString, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const KINDS = { seed: "Seed's draw", z: "Slider z" };
const MAX_SEED = 4294967295;

/** "seed:12" | "z" → {kind, seed}. */
function parseEnd(text, fallback) {
  const [kind, value] = (text || "").split(":");
  const n = Number(value);
  if (kind === "seed" && Number.isInteger(n) && n >= 0 && n <= MAX_SEED) return { kind, seed: n };
  if (kind === "z") return { ...fallback, kind };
  return fallback;
}

const endText = (e) => (e.kind === "seed" ? `seed:${e.seed}` : "z");

export function createInterp(ctx) {
  const section = $("interp");
  const ends = {
    a: parseEnd(getString("a"), { kind: "seed", seed: 1 }),
    b: parseEnd(getString("b"), { kind: "seed", seed: 2 }),
  };
  let method = getString("method", "lerp", ["lerp", "slerp"]);
  let steps = getNumber("steps", 10, { min: 2, max: 32, integer: true });
  let started = false;
  const pickers = {};

  async function endBody(end) {
    if (end.kind === "seed") return { body: { seed: end.seed } };
    const slider = await ctx.sliderLatent();
    if (!slider) throw new Error("the slider z is not loaded yet");
    return { body: { latent: slider.z.map((v) => Math.max(-10, Math.min(10, v))) }, label: slider.label };
  }

  function picker(name) {
    const which = name === "a" ? "start" : "end";
    const kind = el("select", { "aria-label": `${which} kind` }, Object.entries(KINDS).map(([k, t]) => new Option(t, k)));
    const seed = el("input", { type: "number", min: 0, max: MAX_SEED, step: 1, "aria-label": `${which} seed` });
    const dice = el("button", { type: "button", class: "ghost", title: `random ${which} seed` }, "↻ random");
    const note = el("span", { class: "muted" }, "the z on the latent sliders below");
    $(`end-${name}`).append(el("div", { class: "end-controls" }, kind, seed, dice, note));
    kind.addEventListener("change", () => update(name, { kind: kind.value }));
    seed.addEventListener("change", () => update(name, { seed: Math.min(MAX_SEED, Math.max(0, Math.round(Number(seed.value) || 0))) }));
    dice.addEventListener("click", () => update(name, { kind: "seed", seed: Math.floor(Math.random() * 100000) }));
    return { kind, seed, dice, note };
  }

  function showPicker(name) {
    const p = pickers[name];
    const end = ends[name];
    p.kind.value = end.kind;
    p.seed.value = end.seed;
    p.seed.hidden = end.kind !== "seed";
    p.dice.hidden = end.kind !== "seed";
    p.note.hidden = end.kind !== "z";
  }

  function update(name, change) {
    Object.assign(ends[name], change);
    setState({ [name]: endText(ends[name]) });
    showPicker(name);
    refresh();
  }

  function setMethod(value) {
    method = value;
    document.querySelectorAll("input[name=method]").forEach((r) => { r.checked = r.value === method; });
    document.querySelectorAll(".strip-block").forEach((b) => b.classList.toggle("selected", b.dataset.method === method));
    const strips = $("strips");
    const first = strips.querySelector(`.strip-block[data-method="${method}"]`);
    if (strips.firstElementChild !== first) strips.prepend(first);
    setState({ method });
  }

  function normChart(paths) {
    const series = [
      { name: "lerp ‖z_t‖", color: "#1f5fd6", points: paths.lerp.map((z, i) => [i + 1, Math.hypot(...z)]) },
      { name: "slerp ‖z_t‖", color: "#d9480f", dash: true, points: paths.slerp.map((z, i) => [i + 1, Math.hypot(...z)]) },
    ];
    const d = paths.lerp[0]?.length || 1;
    lineChart($("gan-norm-chart"), series, { width: 1100, height: 190, xLabel: "frame", yLabel: "‖z‖", yMin: 0,
      refLine: { value: Math.sqrt(d), label: `√d = ${Math.sqrt(d).toFixed(1)}: typical ‖z‖ under N(0, I)` },
      label: "norm of z along the lerp and slerp paths" });
  }

  const refresh = latest(async () => {
    if (!started) return;
    const model = ctx.model;
    let label;
    const outs = await guarded(section, async () => {
      const [a, b] = await Promise.all([endBody(ends.a), endBody(ends.b)]);
      const body = { start: a.body, end: b.body, steps };
      if (ctx.conditional()) {
        label = ctx.label ?? a.label ?? b.label ?? await ctx.singleLabel();
        body.label = label;
      }
      return Promise.all(["lerp", "slerp"].map((m) => post(model.id, "interpolate", { ...body, method: m })));
    });
    if (!outs || model !== ctx.model) return;
    const width = $("strip-lerp").clientWidth || 1100;
    const size = Math.max(40, Math.min(112, Math.floor((width - 6 * (steps - 1)) / steps)));
    outs.forEach((out) => fillStrip($(`strip-${out.method}`), out.frames, { size, alt: `${out.method} frame` }));
    $("strips").dataset.key = `${model.id}|${endText(ends.a)}|${endText(ends.b)}|${steps}|${label ?? ""}`;
    normChart({ lerp: outs[0].latents, slerp: outs[1].latents });
    const describe = (e) => (e.kind === "seed" ? `the draw of seed ${e.seed}` : "the slider z");
    const cls = label === undefined ? "" : ` · every frame drawn as class ${label}`
      + (ctx.label === null ? " (pick another with 0–9)" : "");
    $("interp-meta").textContent = `${model.id} · ${steps} frames from ${describe(ends.a)} to ${describe(ends.b)}${cls}`;
  });

  pickers.a = picker("a");
  pickers.b = picker("b");
  showPicker("a");
  showPicker("b");
  $("steps").value = steps;
  $("steps-out").textContent = steps;
  $("steps").addEventListener("input", (e) => { $("steps-out").textContent = e.target.value; });
  $("steps").addEventListener("change", (e) => {
    steps = Number(e.target.value);
    setState({ steps });
    refresh();
  });
  document.querySelectorAll("input[name=method]").forEach((r) => r.addEventListener("change", () => setMethod(r.value)));
  setMethod(method);

  return {
    init() {
      started = true;
      refresh();
    },
    refresh,
    /** The slider z moved: redraw if it is one of the ends. */
    sliderChanged() {
      if (ends.a.kind === "z" || ends.b.kind === "z") refresh();
    },
    toggleMethod: () => setMethod(method === "lerp" ? "slerp" : "lerp"),
  };
}
