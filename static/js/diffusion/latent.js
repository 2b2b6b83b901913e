// ③ Compare, last row: pixel space against latent space (Rombach et al. 2022). The same seed, class,
// sampler and step count run by the page's pixel model and by a latent model (a DDPM over its own
// autoencoder's 4 x 7 x 7 latent): every tenth step's x_t side by side, the latent one decoded, with each
// run's wall time. The latent's noise decodes to smooth blobs, not to pixel noise: what the decoder makes
// of a noisy latent.

import { guarded, post } from "../lib/api.js";
import { el } from "../lib/images.js";

const $ = (id) => document.getElementById(id);
const STEPS = 50;
const EVERY = 10;
const N = 2; // digits per run: each frame is one strip of N, 2x size

function strip(title) {
  const frames = el("div", { class: "lat-frames", "aria-live": "polite" });
  const meta = el("p", { class: "meta" }, "…");
  const row = el("figure", { class: "lat-row" }, el("figcaption", { class: "cmp-title" }, title), frames, meta);
  return { row, frames, meta };
}

/** The row, or nothing when no latent model is loaded. */
export function createLatentCompare(ctx) {
  const box = $("cmp-latent");
  const latent = ctx.latentModels?.[0];
  if (!box || !latent) return { refresh: () => {} };
  const rows = { pixel: strip("pixel space"), latent: strip(`latent space: ${latent.id}`) };
  box.replaceChildren(rows.pixel.row, rows.latent.row);
  let generation = 0;

  async function runOne(gen, which, modelId, body) {
    const c = rows[which];
    const out = await ctx.heavy(async () => {
      if (gen !== generation) return null;
      const started = performance.now();
      const answer = await guarded(box, () => post(modelId, "trajectory", body));
      return answer && { ...answer, seconds: (performance.now() - started) / 1000 };
    });
    if (!out || gen !== generation) return;
    c.frames.replaceChildren(...out.frames.map((f) => el("div", { class: "lat-frame" },
      el("img", { class: "px", src: f.x_t, width: 2 * (30 * N - 2), height: 56, alt: `${which} x_t at t = ${f.t}` }),
      el("span", { class: "muted small" }, `t = ${f.t}`))));
    c.row.dataset.frames = String(out.frames.length);
    c.meta.textContent = `${modelId} · ${out.seconds.toFixed(1)} s for ${N} digits`;
  }

  function refresh() {
    generation += 1;
    const gen = generation;
    const label = ctx.label !== null ? ctx.label : ctx.seed % 10;
    const body = { n: N, seed: ctx.seed, sampler: "ddim", eta: 0, steps: STEPS, every: EVERY, guidance: 1, label };
    $("cmp-latent-note").textContent = `— DDIM ${STEPS} steps, class ${label}, w = 1, seed ${ctx.seed}: every ${EVERY}th x_t`;
    return Promise.all([runOne(gen, "pixel", ctx.model.id, body), runOne(gen, "latent", latent.id, body)]);
  }

  return { refresh };
}
