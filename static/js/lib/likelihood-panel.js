// The likelihood panel the flow and PixelCNN pages share: one image scored by every model that can
// (POST /api/models/{id}/log-prob), in bits per pixel. Only figures over the same pixel model compare:
// the 256-level ("8-bit") ones share one table, exact and bound side by side; the VAE's Bernoulli
// figure (each pixel an on/off probability) is shown apart and never ranked with them.
// Models that are not loaded (GET /api/models) are left out. The diffusion model has two rows: its
// variational bound, and the exact likelihood of its probability-flow ODE (`exact: true`) on the same image,
// which costs half a minute of a server's CPU and so runs only when asked (a button in its row): a class
// moving from digit to digit must not queue one per student per digit.

import { api } from "./api.js";
import { digit, el, setSrc } from "./images.js";

/** The models the panel asks, in table order. */
export const PANEL_MODELS = [
  { id: "flow-mnist", name: "Normalizing flow" },
  { id: "pixelcnn-mnist", name: "PixelCNN (autoregressive)" },
  { id: "ddpm-mnist", name: "Diffusion (DDPM)", wait: "a bound summed over 1000 steps: a few seconds…" },
  { id: "ddpm-mnist", name: "Diffusion (DDPM), probability-flow ODE", exact: true, needs: "exact_log_prob", onDemand: true,
    wait: "the ODE's exact likelihood: a network gradient at each of ~440 steps, up to half a minute…" },
  { id: "vae-mnist", name: "VAE" },
];

const LN2 = Math.log(2);
const PIXELS = 784;

/**
 * −log p(x) with no class given: the server answers it for every model here, a class-conditional one
 * through its marginal (the PixelCNN's exact Σ_y p(x | y) / 10, the DDPM's null-class bound).
 */
const score = (spec, image, signal) => api(`/api/models/${encodeURIComponent(spec.id)}/log-prob`,
  { image, seed: 0, ...(spec.exact ? { exact: true } : {}) }, { signal });

/** Where a model's figure goes before its answer says (`data`): the VAEs model on/off pixels. */
const apartGuess = (model) => model.family === "vae";

function row(spec) {
  const bar = el("span", { class: "lik-bar" });
  return {
    spec,
    bar,
    tr: el("tr", { "data-model": spec.id, "data-state": "waiting", "data-asked": spec.exact ? "exact" : "own" },
      el("th", { scope: "row" }, spec.name, " ", el("code", {}, spec.id)),
      el("td", { class: "lik-bpd" }, "…"),
      el("td", { class: "lik-bar-cell" }, bar),
      el("td", { class: "lik-kind" }, "…"),
      el("td", { class: "lik-method" }, spec.wait || "computing…")),
  };
}

/**
 * Build the panel into `container` for the loaded `models` (GET /api/models' list). own: the page's
 * model id (its row is marked). Returns {show(digit)}: digit = {image, src, caption}.
 */
export function createLikelihoodPanel(container, models, { own = null } = {}) {
  const loaded = PANEL_MODELS.map((spec) => ({ spec, model: models.find((m) => m.id === spec.id) }))
    .filter(({ spec, model }) => model && model.capabilities.includes(spec.needs || "log_prob"));
  const thumb = digit(null, { size: 84, alt: "the digit being scored" });
  const caption = el("p", { class: "lik-caption" });
  const tbody = el("tbody");
  const table = el("table", { class: "lik-table" },
    el("caption", {}, "Comparable: pixels as 256 grey levels (8-bit data), in bits per pixel (bits/dim). Lower = more probable."),
    el("thead", {}, el("tr", {},
      el("th", { scope: "col" }, "model"), el("th", { scope: "col" }, "bits/dim"), el("th", { scope: "col" }, el("span", { class: "visually-hidden" }, "bar")),
      el("th", { scope: "col" }, "exact or bound"), el("th", { scope: "col" }, "how it is computed"))),
    tbody);
  const apart = el("div", { class: "lik-apart", hidden: true },
    el("h3", {}, "Apart, and not comparable"));
  const legend = el("ul", { class: "lik-legend" },
    el("li", {}, el("strong", {}, "exact"), ": the number is the model's probability of this image itself, −log₂ p(x) / 784."),
    el("li", {}, el("strong", {}, "bound"), ": a guaranteed lower bound on log p(x); the true bits/dim are lower (better) than shown,"
      + " so a bound can make a model look worse than it is, never better."));
  container.replaceChildren(
    el("div", { class: "lik-head" }, thumb, caption),
    el("div", { class: "table-wrap" }, table), legend, apart);
  if (!loaded.length) {
    caption.textContent = "No model on this server can score an image (none has the log_prob capability).";
    return { show() {} };
  }
  const rows = loaded.map(({ spec, model }) => ({ ...row(spec), model, guessApart: apartGuess(model) }));
  let token = 0;
  let pending = null; // the AbortController of the newest digit's requests
  let current = null; // the digit on show, its token and signal: what an on-demand row scores
  let answers = new Map(); // row -> answer, for the digit on show

  function toApart(r) {
    r.tr.remove();
    r.apartText = el("p", { class: "lik-apart-text" }, `${r.spec.name} `, el("code", {}, r.spec.id), ": computing…");
    r.item = el("div", { class: "lik-apart-item", "data-model": r.spec.id }, r.apartText);
    apart.append(r.item);
    apart.hidden = false;
  }

  function toTable(r) {
    r.item?.remove();
    r.item = null;
    r.apartText = null;
    tbody.append(r.tr);
    apart.hidden = !apart.querySelector(".lik-apart-item");
  }

  function reset(r) {
    const cells = r.tr.children;
    r.tr.dataset.state = "waiting";
    delete r.tr.dataset.kind;
    r.tr.classList.toggle("own", r.spec.id === own);
    cells[1].textContent = "…";
    r.bar.style.width = "0";
    cells[3].textContent = "…";
    cells[4].textContent = r.spec.wait || "computing…";
  }

  function offer(r) {
    const cells = r.tr.children;
    r.tr.dataset.state = "offered";
    cells[4].replaceChildren(el("button", { type: "button", class: "ghost lik-ask",
      onclick: () => { cells[4].textContent = r.spec.wait; ask(r, current); } }, "compute it (about half a minute)"));
  }

  /** Score digit `on.d` with row r's model, then place every answer so far (bars share one scale). */
  async function ask(r, on) {
    r.tr.dataset.state = "waiting";
    let out;
    try {
      out = await score(r.spec, on.d.image, on.signal);
    } catch (err) {
      if (on.mine === token) failed(r, err);
      return;
    }
    if (on.mine !== token) return;
    const isApart = out.data ? out.data !== "8-bit" : r.guessApart;
    if (isApart && !r.apartText) toApart(r);
    if (!isApart && r.apartText) toTable(r);
    answers.set(r, out);
    const table = [...answers].filter(([a]) => !a.apartText);
    const max = Math.max(1e-9, ...table.map(([, o]) => o.bits_per_dim)) * 1.05;
    for (const [a, o] of answers) {
      if (a.apartText) fillApart(a, o);
      else fillRow(a, o, max);
    }
  }

  function fillApart(r, out) {
    const bound = !out.exact;
    r.apartText.replaceChildren(el("strong", {}, `${r.spec.name} `), el("code", {}, r.spec.id), `: −log p(x) ${bound ? "≤" : "="} `,
      el("span", { class: "lik-nats" }, `${out.nats.toFixed(1)} nats (${out.bits_per_dim.toFixed(3)} bits/dim)`),
      `, ${bound ? "a bound" : "exact"}, under a Bernoulli pixel model: each pixel an on/off probability, not one of 256 levels.`
      + " It answers a different question, so the number is not ranked with the table's.",
      out.method ? el("span", { class: "muted" }, ` Method: ${out.method}.`) : null);
  }

  function fillRow(r, out, max) {
    const bound = !out.exact;
    const bpd = out.bits_per_dim;
    const cells = r.tr.children;
    r.tr.dataset.state = "done";
    r.tr.dataset.kind = bound ? "bound" : "exact";
    r.tr.dataset.bpd = String(bpd);
    cells[1].textContent = `${bound ? "≤ " : ""}${bpd.toFixed(3)}`;
    cells[1].title = `${out.nats.toFixed(1)} nats = ${(out.nats / LN2).toFixed(0)} bits over ${PIXELS} pixels`;
    cells[3].replaceChildren(el("span", { class: `lik-badge ${bound ? "bound" : "exact"}` }, bound ? "bound" : "exact"));
    cells[4].textContent = out.method || "";
    r.bar.style.width = `${Math.max(2, (100 * bpd) / max)}%`;
  }

  function failed(r, err) {
    const message = `failed: ${err instanceof Error ? err.message : String(err)}`;
    if (r.apartText) {
      r.apartText.textContent = `${r.spec.name} (${r.spec.id}): ${message}`;
      return;
    }
    r.tr.dataset.state = "failed";
    r.tr.children[1].textContent = "—";
    r.tr.children[3].textContent = "—";
    r.tr.children[4].textContent = message;
  }

  /** Score digit d = {image, src, caption} with every model; a newer call makes older answers void. */
  async function show(d) {
    if (!d) return;
    const mine = ++token;
    pending?.abort();
    pending = new AbortController();
    const { signal } = pending;
    setSrc(thumb, d.src, `the digit being scored: ${d.caption}`);
    caption.textContent = `For ${d.caption}: how probable each model finds it.`;
    delete container.dataset.done;
    for (const r of rows) {
      reset(r);
      if (r.guessApart) toApart(r);
      else toTable(r);
      if (r.spec.onDemand) offer(r);
    }
    answers = new Map();
    current = { d, mine, signal };
    await Promise.all(rows.filter((r) => !r.spec.onDemand).map((r) => ask(r, current)));
    if (mine === token) container.dataset.done = d.caption;
  }

  return { show };
}
