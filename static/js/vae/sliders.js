// Latent sliders: one slider per coordinate of z; every move decodes z live (POST decode).

import { guarded, latest, post } from "../lib/api.js";
import { el, setSrc } from "../lib/images.js";
import { formatNumbers, getNumbers, round, setState } from "../lib/urlstate.js";

const RANGE = 3;
const $ = (id) => document.getElementById(id);

export function createSliders(ctx) {
  const section = $("sliders");
  const list = $("slider-list");
  const img = $("slider-img");
  let z = [];
  let label; // the class the decoder is conditioned on (conditional models only)
  let inputs = [];
  let source = "";

  function build(dim) {
    inputs = [];
    const rows = Array.from({ length: dim }, (_, i) => {
      const out = el("output", { class: "slider-value" }, "0.00");
      const input = el("input", { type: "range", min: -RANGE, max: RANGE, step: 0.01, value: 0,
        "aria-label": `latent z${i + 1}`, "data-dim": i });
      input.addEventListener("input", () => {
        z[i] = Number(input.value);
        out.textContent = z[i].toFixed(2);
        source = "your slider settings";
        setState({ z: formatNumbers(z) });
        decode();
      });
      inputs.push({ input, out });
      return el("label", { class: "slider" }, el("span", { class: "slider-name" }, `z${i + 1}`), input, out);
    });
    list.replaceChildren(...rows);
    list.classList.toggle("two-col", dim > 8);
  }

  function show() {
    if (inputs.length !== z.length) build(z.length);
    z.forEach((v, i) => {
      inputs[i].input.value = Math.max(-RANGE, Math.min(RANGE, v));
      inputs[i].out.textContent = v.toFixed(2);
    });
  }

  const decode = latest(async () => {
    if (!z.length) return;
    // decode z as the URL stores it (2 decimals), so a permalink reproduces these exact pixels
    const body = { latents: [z.map((v) => Math.max(-10, Math.min(10, round(v, 2))))] };
    if (ctx.conditional()) body.labels = [ctx.label ?? label ?? 0];
    const model = ctx.model;
    const out = await guarded(section, () => post(model.id, "decode", body));
    if (!out) return;
    setSrc(img, out.images[0], `digit decoded by ${model.id} from the slider values`);
    const cls = ctx.conditional() ? ` · class ${body.labels[0]}` : "";
    $("slider-meta").textContent = `${model.id}${cls} · ‖z‖ = ${Math.hypot(...z).toFixed(2)} · from ${source}`;
  });

  /** Set z (e.g. a grid digit's latent) and decode it. */
  function setLatent(values, lab) {
    z = values.slice();
    if (lab !== undefined && lab !== null) label = lab;
    source = "a sample in the grid";
    setState({ z: formatNumbers(z) });
    show();
    decode();
  }

  async function fromSeed({ keepUrl = false } = {}) {
    let sample;
    try {
      sample = await ctx.seedSample();
    } catch (err) {
      await guarded(section, () => Promise.reject(err));
      return;
    }
    label = sample.label;
    const saved = keepUrl ? getNumbers("z", { min: -10, max: 10 }) : null;
    if (saved && saved.length === ctx.model.latent_dim) {
      z = saved;
      source = "the URL";
    } else {
      z = sample.latent.slice();
      source = `the sample of seed ${ctx.seed}`;
      setState({ z: null });
    }
    show();
    decode();
  }

  /** All coordinates to 0, the prior's mean (the model's latent size when nothing is loaded yet). */
  function zero() {
    z = (z.length ? z : Array(ctx.model.latent_dim).fill(0)).map(() => 0);
    source = "z = 0, the prior's mean";
    setState({ z: formatNumbers(z) });
    show();
    decode();
  }

  $("slider-reset").addEventListener("click", () => fromSeed());
  $("slider-zero").addEventListener("click", zero);

  return {
    init: () => fromSeed({ keepUrl: true }),
    reset: () => fromSeed(),
    refresh: () => decode(),
    setLatent,
    zero,
  };
}
