// Interpolation: walk from one latent to another (POST interpolate), lerp and slerp one above the
// other, plus ‖z_t‖ along both paths. Ends: a sample seed, a held-out digit, or the drawing.

import { api, guarded, latest, post } from "../lib/api.js";
import { digit, el } from "../lib/images.js";
import { createInterpView, endPicker } from "../lib/interp-view.js";
import { getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const HELD_N = 8;
const HELD_SEED = 0;
const KINDS = { seed: "Sample seed", held: "Held-out digit", draw: "Your drawing" };

/** "seed:12" | "held:3" | "draw" → {kind, seed, index}. */
function parseEnd(text, fallback) {
  const [kind, value] = (text || "").split(":");
  const n = Number(value);
  if (kind === "seed" && Number.isInteger(n) && n >= 0) return { kind, seed: n, index: 0 };
  if (kind === "held" && Number.isInteger(n) && n >= 0 && n < HELD_N) return { kind, seed: fallback.seed, index: n };
  if (kind === "draw") return { ...fallback, kind };
  return fallback;
}

const endText = (e) => (e.kind === "seed" ? `seed:${e.seed}` : e.kind === "held" ? `held:${e.index}` : "draw");

export function createInterp(ctx) {
  const section = $("interp");
  const ends = {
    a: parseEnd(getString("a"), { kind: "seed", seed: 1, index: 0 }),
    b: parseEnd(getString("b"), { kind: "held", seed: 2, index: 0 }),
  };
  const view = createInterpView({ maxSteps: 64, chart: { id: "norm-chart", width: 900, height: 220, digits: 2 },
    onSteps: () => refresh() });
  let held = []; // held-out digits {index, label, image, pixels}
  const pickers = {};

  function endBody(end, name) {
    if (end.kind === "seed") return { seed: end.seed };
    if (end.kind === "held") {
      const d = held[end.index];
      if (!d) throw new Error("the held-out digits are not loaded yet");
      return { image: { pixels: d.pixels } };
    }
    if (!ctx.pad || ctx.pad.isEmpty()) {
      throw new Error(`${name}: draw a digit in the “Draw a digit” section first (the drawing is this end).`);
    }
    return { image: ctx.pad.toDataURL() };
  }

  function picker(name) {
    const { kind, seed, show } = endPicker(name, { kinds: KINDS, maxSeed: 4294967295, update });
    const gallery = el("div", { class: "gallery", role: "group", "aria-label": "held-out digits" });
    const note = el("p", { class: "muted" }, "Uses the digit on the drawing canvas below.");
    $(`end-${name}`).append(el("div", { class: "end-controls" }, kind, seed), gallery, note);
    return { show, gallery, note };
  }

  function showPicker(name) {
    const p = pickers[name];
    const end = ends[name];
    p.show(end);
    p.gallery.hidden = end.kind !== "held";
    p.note.hidden = end.kind !== "draw";
    p.gallery.querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === end.index)));
  }

  function fillGallery(name) {
    const buttons = held.map((d, i) => el("button", { type: "button", class: "thumb", title: `held-out digit ${i + 1} (a ${d.label})`,
      onclick: () => update(name, { kind: "held", index: i }) }, digit(d.image, { size: 52, alt: `held-out ${d.label}` })));
    pickers[name].gallery.replaceChildren(...buttons);
  }

  function update(name, change) {
    Object.assign(ends[name], change);
    setState({ [name]: endText(ends[name]) });
    showPicker(name);
    refresh();
  }

  const refresh = latest(async () => {
    const model = ctx.model;
    let label;
    const outs = await guarded(section, async () => {
      const body = { start: endBody(ends.a, "Start"), end: endBody(ends.b, "End"), steps: view.steps() };
      label = await ctx.singleLabel();
      if (label !== undefined) body.label = label;
      return Promise.all(["lerp", "slerp"].map((m) => post(model.id, "interpolate", { ...body, method: m })));
    });
    if (!outs) return;
    const steps = view.steps();
    view.show(outs);
    const describe = (e) => (e.kind === "seed" ? `the prior draw of seed ${e.seed}`
      : e.kind === "held" ? `held-out digit ${e.index + 1} (a ${held[e.index]?.label}), encoded to its posterior mean`
        : "your drawing, encoded to its posterior mean");
    const cls = label === undefined ? "" : ` · every frame decoded as class ${label}`
      + (ctx.label === null ? " (the class seed " + ctx.seed + " drew; pick one with 0–9)" : "");
    $("interp-meta").textContent = `${model.id} · ${steps} frames from ${describe(ends.a)} to ${describe(ends.b)}${cls}`;
  });

  pickers.a = picker("a");
  pickers.b = picker("b");
  showPicker("a");
  showPicker("b");

  return {
    async init() {
      const data = await guarded(section, () => api(`/api/data/digits?split=heldout&n=${HELD_N}&seed=${HELD_SEED}`));
      held = data?.digits || [];
      fillGallery("a");
      fillGallery("b");
      showPicker("a");
      showPicker("b");
      refresh();
    },
    refresh,
    toggleMethod: view.toggleMethod,
  };
}
