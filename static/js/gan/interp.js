// Interpolation: walk from one latent to another (POST interpolate), lerp and slerp one above the
// other, plus ‖z_t‖ along both paths. A GAN has no encoder: an end is a seed's draw or the slider z.

import { guarded, latest, post } from "../lib/api.js";
import { el } from "../lib/images.js";
import { createInterpView, endPicker } from "../lib/interp-view.js";
import { getString, setState } from "../lib/urlstate.js";

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
  const view = createInterpView({ maxSteps: 32, chart: { id: "gan-norm-chart", width: 1100, height: 190, digits: 1 },
    onSteps: () => refresh() });
  let started = false;
  const pickers = {};

  async function endBody(end) {
    if (end.kind === "seed") return { body: { seed: end.seed } };
    const slider = await ctx.sliderLatent();
    if (!slider) throw new Error("the slider z is not loaded yet");
    return { body: { latent: slider.z.map((v) => Math.max(-10, Math.min(10, v))) }, label: slider.label };
  }

  function picker(name) {
    const { which, kind, seed, show } = endPicker(name, { kinds: KINDS, maxSeed: MAX_SEED, capSeed: true, update });
    const dice = el("button", { type: "button", class: "ghost", title: `random ${which} seed` }, "↻ random");
    const note = el("span", { class: "muted" }, "the z on the latent sliders below");
    $(`end-${name}`).append(el("div", { class: "end-controls" }, kind, seed, dice, note));
    dice.addEventListener("click", () => update(name, { kind: "seed", seed: Math.floor(Math.random() * 100000) }));
    return { show, dice, note };
  }

  function showPicker(name) {
    const p = pickers[name];
    const end = ends[name];
    p.show(end);
    p.dice.hidden = end.kind !== "seed";
    p.note.hidden = end.kind !== "z";
  }

  function update(name, change) {
    Object.assign(ends[name], change);
    setState({ [name]: endText(ends[name]) });
    showPicker(name);
    refresh();
  }

  const refresh = latest(async () => {
    if (!started) return;
    const model = ctx.model;
    let label;
    const outs = await guarded(section, async () => {
      const [a, b] = await Promise.all([endBody(ends.a), endBody(ends.b)]);
      const body = { start: a.body, end: b.body, steps: view.steps() };
      if (ctx.conditional()) {
        label = ctx.label ?? a.label ?? b.label ?? await ctx.singleLabel();
        body.label = label;
      }
      return Promise.all(["lerp", "slerp"].map((m) => post(model.id, "interpolate", { ...body, method: m })));
    });
    if (!outs || model !== ctx.model) return;
    const steps = view.steps();
    view.show(outs);
    $("strips").dataset.key = `${model.id}|${endText(ends.a)}|${endText(ends.b)}|${steps}|${label ?? ""}`;
    const describe = (e) => (e.kind === "seed" ? `the draw of seed ${e.seed}` : "the slider z");
    const cls = label === undefined ? "" : ` · every frame drawn as class ${label}`
      + (ctx.label === null ? " (pick another with 0–9)" : "");
    $("interp-meta").textContent = `${model.id} · ${steps} frames from ${describe(ends.a)} to ${describe(ends.b)}${cls}`;
  });

  pickers.a = picker("a");
  pickers.b = picker("b");
  showPicker("a");
  showPicker("b");

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
    toggleMethod: view.toggleMethod,
  };
}
