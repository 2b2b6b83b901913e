// ④ Sixteen digits from the prior (POST /api/models/{id}/sample): the Transformer writes sixteen token
// grids at the page's class and temperature, the decoder paints them; each captioned with its class.

import { guarded, latest, post } from "../lib/api.js";
import { digit, el } from "../lib/images.js";

const $ = (id) => document.getElementById(id);
const N = 16;

export function createSamples(ctx) {
  const section = $("samples");
  const grid = $("samples-grid");

  const refresh = latest(async () => {
    const model = ctx.model;
    const body = { n: N, seed: ctx.seed, temperature: ctx.temperature };
    if (ctx.conditional() && ctx.label !== null) body.label = ctx.label;
    const key = `${model.id}|${ctx.seed}|${body.label ?? ""}|${ctx.temperature}`;
    const out = await guarded(section, () => post(model.id, "sample", body));
    if (!out || model !== ctx.model) return;
    grid.replaceChildren(...out.images.map((src, i) => {
      const label = out.labels?.[i];
      const alt = `sample ${i + 1}${label === undefined ? "" : `, class ${label}`}`;
      return el("figure", { class: "vq-sample" }, digit(src, { size: 112, alt }),
        el("figcaption", {}, label === undefined ? `#${i + 1}` : `class ${label}`));
    }));
    grid.dataset.key = key;
    const cls = !ctx.conditional() ? "" : ctx.label === null ? "a class drawn at random for each · " : `class ${ctx.label} · `;
    $("samples-meta").textContent = `${cls}seed ${out.seed} · T = ${ctx.temperature.toFixed(2)}. `
      + "Lower T: neater, more alike digits; higher T: more varied, then broken ones.";
  });

  return { refresh };
}
