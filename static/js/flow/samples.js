// ① Samples: 64 digits at the toolbar's temperature (POST sample), and the same noise ε at other
// temperatures beside them (z = T·ε: one seed, so each row shows the same digits scaled towards z = 0).

import { guarded, latest, post } from "../lib/api.js";
import { digit, el, setSrc } from "../lib/images.js";

const $ = (id) => document.getElementById(id);
const N = 64;
const STRIP_N = 4;
const STRIP_TEMPS = [0, 0.4, 0.7, 1.0, 1.2];

export function createSamples(ctx) {
  const section = $("sample");
  const img = $("sample-grid");

  const rows = STRIP_TEMPS.map((t) => {
    const images = Array.from({ length: STRIP_N }, (_, i) => digit(null, { size: 64, alt: `sample ${i + 1} at T = ${t}` }));
    const row = el("div", { class: "temp-row", "data-t": String(t) },
      el("span", { class: "temp-label" }, `T = ${t.toFixed(1)}`), el("div", { class: "strip" }, images));
    return { t, row, images };
  });
  $("temp-strips").replaceChildren(...rows.map((r) => r.row));

  const refresh = latest(async () => {
    const { model, seed, temperature } = ctx;
    const out = await guarded(section, () => post(model.id, "sample", { n: N, seed, temperature }));
    if (!out) return;
    setSrc(img, out.grid, `64 digits sampled from ${model.id}, seed ${out.seed}, temperature ${temperature}`);
    img.dataset.key = `${model.id}|${out.seed}|${temperature}`;
    $("sample-caption").textContent = `${model.id} · seed ${out.seed} · T = ${temperature.toFixed(2)}`;
    for (const r of rows) r.row.classList.toggle("current", Math.abs(r.t - temperature) < 1e-9);
    await strips(model, seed);
  });

  let stripKey = null;
  async function strips(model, seed) {
    const key = `${model.id}|${seed}`;
    if (key === stripKey) return;
    stripKey = key;
    for (const r of rows) {
      const out = await guarded(section, () => post(model.id, "sample", { n: STRIP_N, seed, temperature: r.t }));
      if (!out || stripKey !== key) return;
      out.images.forEach((src, i) => setSrc(r.images[i], src));
    }
  }

  return { refresh };
}
