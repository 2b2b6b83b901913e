// ② A digit as 49 tokens (POST /api/vqvae/{id}/tokens): the chosen digit (lib/digit-source.js: a real
// held-out one or a drawing), its 7 x 7 token grid, the digit decoded from those tokens alone, and, under a
// class, each token's surprise -log2 p(t_i | t_<i, y) as a heat map with its total.

import { api, guarded, latest } from "../lib/api.js";
import { setSrc } from "../lib/images.js";
import { getString, setState } from "../lib/urlstate.js";
import { createTokenGrid } from "./tokengrid.js";

const $ = (id) => document.getElementById(id);
const CLASSES = ["own", "none", ..."0123456789"];

export function createTokens(ctx) {
  const section = $("tokens");
  const select = $("tok-class");
  select.value = getString("tclass", "own", CLASSES);
  const tokens = createTokenGrid($("token-grid"));
  const bits = createTokenGrid($("bits-grid"));

  /** The class the surprise is measured under: a number, or null (none, or the drawing has no label). */
  function measureLabel(d) {
    if (!ctx.conditional()) return null;
    if (select.value === "own") return d.label ?? null;
    return select.value === "none" ? null : Number(select.value);
  }

  function showBits(out, d) {
    const has = Array.isArray(out.token_bits);
    bits.clear();
    $("bits-fig").classList.toggle("vq-off", !has);
    if (has) {
      const max = Math.max(4, ...out.token_bits.flat());
      bits.bits(out.token_bits, max);
      $("bits-caption").textContent = `surprise per token (bits; brightest = ${max.toFixed(1)})`;
      $("tok-total").textContent = `${out.total_bits.toFixed(1)} bits`;
    } else {
      $("bits-caption").textContent = d.label === null && select.value === "own"
        ? "no class to measure under: a drawing has no label (pick a class above)" : "pick a class above to measure surprise";
      $("tok-total").textContent = "—";
    }
    $("bits-grid").dataset.total = has ? String(out.total_bits) : "";
  }

  const refresh = latest(async () => {
    const d = ctx.digit;
    const model = ctx.model;
    if (!d) return;
    const label = measureLabel(d);
    const body = { image: d.image, ...(label === null ? {} : { label }) };
    section.classList.add("busy");
    const out = await guarded(section, () => api(`/api/vqvae/${encodeURIComponent(model.id)}/tokens`, body));
    section.classList.remove("busy");
    if (!out || d !== ctx.digit || model !== ctx.model) return;
    setSrc($("tok-input"), d.src, d.caption);
    setSrc($("tok-recon"), out.reconstruction, `${d.caption}, decoded from its 49 tokens alone`);
    tokens.show(out.tokens);
    tokens.highlight(ctx.code);
    showBits(out, d);
    $("tok-distinct").textContent = `${out.distinct} of 49`;
    const k = model.card?.config?.vqvae?.codes ?? ctx.codebook.codes();
    $("tok-naive").textContent = k ? `${(49 * Math.log2(k)).toFixed(0)} bits` : "—";
    const under = out.label === null || out.label === undefined ? "" : ` · surprise under class ${out.label}`;
    $("tok-meta").textContent = `${d.caption}${under}. The colours only tell codes apart: the same code has the same colour`
      + " here, in ③ and in the codebook.";
    section.dataset.key = `${model.id}|${d.caption}|${out.label ?? ""}`;
  });

  select.addEventListener("change", () => {
    setState({ tclass: select.value === "own" ? null : select.value });
    refresh();
  });

  return {
    refresh,
    highlight: (code) => tokens.highlight(code),
    /** For a model without classes the select has nothing to choose. */
    sync: () => { select.closest("label").hidden = !ctx.conditional(); },
  };
}
