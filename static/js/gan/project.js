// Place a digit in the GAN's latent space: two ends A and B, each a held-out digit or a drawing, are projected
// into G's latent space (POST project: a search, for G has no encoder), and the path between their z is shown
// beside the VAE's between the same two digits' posterior means (POST interpolate with image ends on vae-mnist).
// The GAN's path is asked with the projections' own z as its ends: the z that interpolate would find for image
// ends (the same default seed), without searching for them a second time.
// An end is kept in the link: `pa=real:SEED` (a held-out digit by its seed) or `pa=draw:...` (see drawpad.js).

import { api, guarded, latest, post } from "../lib/api.js";
import { lineChart } from "../lib/chart.js";
import { createDrawPad, encodeDrawing } from "../lib/drawpad.js";
import { fillStrip, setSrc } from "../lib/images.js";
import { getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const VAE = "vae-mnist";
const FRAMES = 10;
const NAMES = ["a", "b"];
const LINKED = { a: "real:0", b: "real:8" }; // a 0 and a 7 of the held-out split
const COLORS = { a: "#1f5fd6", b: "#d9480f" };
// per-pixel distances read as a verdict: 100 held-out digits came back from the shipped GANs typically 0.005
// away (median), at most one of them beyond 0.03
const VERDICTS = [[0.01, "close", "close: G can draw it"], [0.03, "near", "near: G draws something like it"],
  [Infinity, "far", "poor: this digit lies outside what G draws"]];
const MAX_SEED = 4294967295;

const key = (name) => `p${name}`;
const upper = (name) => name.toUpperCase();

/** `models`: every loaded model (GET /api/models), where the VAE compared with is looked for. */
export function createProject(ctx, models) {
  const section = $("project");
  const vae = models.some((m) => m.id === VAE);
  const ends = { a: null, b: null }; // {kind: "real", seed, pixels, label, index} | {kind: "draw", text}
  const placed = new Map(); // request key -> projection answer: an unchanged end is not searched for again
  let started = false;

  const pads = Object.fromEntries(NAMES.map((name) => [name, createDrawPad($(`project-pad-${name}`), {
    onEnd: () => {
      const text = pads[name].encode();
      if (!text) return;
      ends[name] = { kind: "draw", text };
      setState({ [key(name)]: `draw:${text}` });
      refresh();
    },
  })]));

  /** What the API is sent for end `name`: a held-out digit's own pixels, or the drawing as a 28×28 PNG. */
  const image = (name) => (ends[name].kind === "real" ? { pixels: ends[name].pixels } : pads[name].toDataURL());

  /** One class for both ends and the path of a conditional GAN: the chosen one, else A's (or B's) true class. */
  function pathLabel() {
    if (!ctx.conditional()) return undefined;
    return ctx.label ?? ends.a?.label ?? ends.b?.label ?? null;
  }

  function note(name, text, cls = "") {
    const p = $(`project-note-${name}`);
    p.textContent = text;
    p.className = `project-note ${cls}`.trim();
  }

  /** The projection of one end ({end, image}, as it was when the refresh began): each asked for once. */
  function placeEnd(model, { end, image: picture }, label) {
    const body = { image: picture, ...(label === undefined ? {} : { label }) };
    const id = JSON.stringify([model.id, label, end.kind === "real" ? end.seed : end.text]);
    if (!placed.has(id)) {
      if (placed.size >= 16) placed.delete(placed.keys().next().value); // the oldest
      placed.set(id, post(model.id, "project", body).catch((err) => { placed.delete(id); throw err; }));
    }
    return placed.get(id);
  }

  function showEnd(model, name, end, out) {
    setSrc($(`project-input-${name}`), out.input, `digit ${upper(name)} as G is shown it (28×28)`);
    setSrc($(`project-recon-${name}`), out.image, `G(z) nearest digit ${upper(name)}: ${model.id}'s projection`);
    const norm = Math.hypot(...out.latent);
    const [, cls, verdict] = VERDICTS.find(([limit]) => out.distance < limit);
    const what = end.kind === "real" ? `held-out #${end.index}, a ${end.label}` : "your drawing";
    note(name, `${what} · distance ${out.distance.toFixed(4)} per pixel · ‖z‖ = ${norm.toFixed(1)} `
      + `(√d = ${Math.sqrt(out.latent.length).toFixed(1)}) — ${verdict}`, cls);
  }

  function chart(outs) {
    const series = NAMES.map((name, i) => ({ name: `digit ${upper(name)}`, color: COLORS[name],
      points: outs[i].loss_curve.map((p) => [p.step, p.distance]) }));
    lineChart($("project-chart"), series, { width: 560, height: 220, xLabel: "step of the search (best of the starts)",
      yLabel: "distance per pixel", yMin: 0, label: "the search: distance between G(z) and each digit, step by step" });
  }

  const refresh = latest(async () => {
    if (!started || !ends.a || !ends.b) return;
    const model = ctx.model;
    const label = pathLabel();
    if (label === null) {
      NAMES.forEach((name) => note(name, `${model.id} is class-conditional: pick the class you drew (keys 0–9).`));
      return;
    }
    $("project-gan-id").textContent = model.id;
    const now = Object.fromEntries(NAMES.map((name) => [name, { end: ends[name], image: image(name) }]));
    const outs = [];
    for (const name of NAMES) { // one search at a time: each holds a slot of the server's heavy lane for a while
      note(name, "searching for its z…");
      const out = await guarded(section, () => placeEnd(model, now[name], label));
      if (!out || model !== ctx.model) return;
      showEnd(model, name, now[name].end, out);
      outs.push(out);
    }
    chart(outs);
    const clamp = (z) => z.map((v) => Math.max(-10, Math.min(10, v)));
    const path = { start: { latent: clamp(outs[0].latent) }, end: { latent: clamp(outs[1].latent) }, steps: FRAMES, method: "lerp" };
    const images = { start: { image: now.a.image }, end: { image: now.b.image }, steps: FRAMES, method: "lerp" };
    const [gan, vaePath] = await guarded(section, () => Promise.all([
      post(model.id, "interpolate", label === undefined ? path : { ...path, label }),
      vae ? post(VAE, "interpolate", images) : null,
    ])) || [];
    if (!gan || model !== ctx.model) return;
    fillStrip($("project-strip-gan"), gan.frames, { size: 96, alt: `${model.id} frame` });
    if (vaePath) fillStrip($("project-strip-vae"), vaePath.frames, { size: 96, alt: `${VAE} frame` });
    else $("project-strip-vae").replaceChildren(`${VAE} is not loaded on this server: no VAE path to compare with.`);
    const cls = label === undefined ? "" : ` · every GAN frame drawn as class ${label}`;
    $("project-meta").textContent = `${FRAMES} frames each, straight lines (lerp) between the two ends' z${cls}. `
      + `The GAN's ends are its projections G(z_A), G(z_B); the VAE's are its reconstructions of the two digits.`;
    section.dataset.projected = String(Number(section.dataset.projected || 0) + 1);
  });

  /** A held-out digit as end `name`, painted on its pad (4 grey levels) so it can be drawn over. */
  async function real(name, seed = Math.floor(Math.random() * 100000)) {
    const out = await guarded(section, () => api(`/api/data/digits?split=heldout&n=1&seed=${seed}`));
    const d = out?.digits?.[0];
    if (!d) return;
    ends[name] = { kind: "real", seed, pixels: d.pixels, label: d.label, index: d.index };
    pads[name].restore(encodeDrawing(d.pixels.map((v) => Math.round(v * 3))));
    setState({ [key(name)]: `real:${seed}` });
    refresh();
  }

  function clear(name) {
    pads[name].clear();
    ends[name] = null;
    setState({ [key(name)]: "draw:" });
    for (const id of [`project-input-${name}`, `project-recon-${name}`]) $(id).removeAttribute("src");
    note(name, `Draw digit ${upper(name)}, white on black, or pick a real one.`);
  }

  /** The end the link names; a drawing that cannot be read, or none, leaves the pad empty. */
  function fromLink(name) {
    const [kind, value = ""] = (getString(key(name)) ?? LINKED[name]).split(/:(.*)/s);
    const seed = Number(value);
    if (kind === "real" && value !== "" && Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED) return real(name, seed);
    if (kind === "draw" && pads[name].restore(value)) {
      ends[name] = { kind: "draw", text: value };
      return refresh();
    }
    return clear(name);
  }

  NAMES.forEach((name) => {
    $(`project-real-${name}`).addEventListener("click", () => real(name));
    $(`project-clear-${name}`).addEventListener("click", () => clear(name));
  });

  return {
    init() {
      started = true;
      NAMES.forEach(fromLink);
    },
    refresh,
    real: (name) => real(name),
  };
}
