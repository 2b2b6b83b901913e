// ② Completion (POST /api/pixelcnn/{id}/complete): keep the top keep_rows rows of the chosen digit (a
// real one or the drawing) and sample the rest n times. The given image shows what the model keeps
// (the rows below the line are hidden from it); every completion has the same line.

import { api, guarded, latest } from "../lib/api.js";
import { el } from "../lib/images.js";
import { getNumber, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const NS = ["4", "8", "16"];

/** A digit with a line under row `keep` (and, for the given one, the rows below covered). */
function cut(src, keep, { size, alt, given = false }) {
  const img = el("img", { class: "px digit", src, alt, width: size, height: size, draggable: "false" });
  const line = el("div", { class: "cut-line", "aria-hidden": "true" });
  line.style.top = `${(100 * keep) / 28}%`;
  const parts = [img, line];
  if (given) {
    const cover = el("div", { class: "cut-cover", "aria-hidden": "true" });
    cover.style.top = `${(100 * keep) / 28}%`;
    parts.push(cover);
  }
  return el("div", { class: `cut${given ? " given" : ""}` }, parts);
}

export function createComplete(ctx) {
  const section = $("complete");
  const slider = $("keep-rows");
  const nSelect = $("complete-n");
  let keep = getNumber("keep_rows", 14, { min: 1, max: 27, integer: true });
  const linkedN = String(getNumber("n", 8, { min: 4, max: 16, integer: true }));
  nSelect.value = NS.includes(linkedN) ? linkedN : "8";
  slider.value = String(keep);
  $("keep-out").textContent = String(keep);

  const refresh = latest(async () => {
    const d = ctx.digit;
    if (!d) return;
    const model = ctx.model;
    const n = Number(nSelect.value);
    const body = { image: d.image, keep_rows: keep, n, seed: ctx.seed };
    if (ctx.label !== null && ctx.conditional()) body.label = ctx.label;
    section.classList.add("stale");
    const out = await guarded(section, () => api(`/api/pixelcnn/${encodeURIComponent(model.id)}/complete`, body));
    section.classList.remove("stale");
    if (!out || d !== ctx.digit) return;
    const k = out.keep_rows;
    const pics = $("complete-pics");
    pics.replaceChildren(
      el("figure", { class: "given-fig" }, cut(out.given, k, { size: 168, alt: `the given digit, rows 1 to ${k} kept`, given: true }),
        el("figcaption", {}, `given: rows 1–${k} kept`)),
      el("div", { class: "completions", role: "group", "aria-label": `${out.images.length} completions` },
        out.images.map((src, i) => cut(src, k, { size: 112, alt: `completion ${i + 1}` }))));
    pics.dataset.key = `${d.caption}|${k}|${n}|${ctx.seed}|${out.label ?? ""}`;
    const cls = out.label === null || out.label === undefined ? "no class"
      : ctx.label === null ? `class ${out.label}, drawn at random (pick one in the toolbar)` : `class ${out.label}`;
    $("complete-meta").textContent = `${d.caption}: ${out.images.length} completions of rows ${k + 1}–28 · ${cls} · seed ${ctx.seed}.`
      + " Above the orange line every completion has the given pixels; below it, each is a fresh draw.";
  });

  slider.addEventListener("input", () => { $("keep-out").textContent = slider.value; });
  slider.addEventListener("change", () => {
    keep = Number(slider.value);
    setState({ keep_rows: keep });
    refresh();
  });
  nSelect.addEventListener("change", () => {
    setState({ n: nSelect.value === "8" ? null : nSelect.value });
    refresh();
  });
  $("complete-run").addEventListener("click", () => refresh());

  return { refresh, keep: () => keep };
}
