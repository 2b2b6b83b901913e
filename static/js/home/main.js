// Home page, written for a student: what to try first, the family map, then one card per family with
// its loaded models, a live sample and their measured figures, each labelled with what it measures.
// Data: GET /api/models, POST /api/models/{id}/sample (fixed seed).

import { api, guarded, post, showError } from "../lib/api.js";
import { CAPABILITIES, FAMILIES, familyOf } from "./families.js";
import { digit, el, setSrc } from "../lib/images.js";
import { installShortcuts } from "../lib/keys.js";
import { advice } from "../lib/sampler-costs.js";
import { getString, setState } from "../lib/urlstate.js";

const SAMPLE_SEED = 0;
const SAMPLE_N = 8;

/** What a student can do with the model, in words. */
function abilities(model) {
  const things = model.capabilities.map((c) => CAPABILITIES[c]).filter(Boolean);
  return el("p", { class: "abilities" }, `You can ${things.join(", ")}.`);
}

const percent = (x) => `${(100 * x).toFixed(1)}%`;

/** The card's measured figures, each labelled with what it measures: sample quality against real
 * digits, and a likelihood only with its pixel model and whether it is exact or a bound. */
function measured(model, family) {
  const m = model.card?.metrics || {};
  const figures = [];
  if (m.frechet_ratio_to_floor !== undefined) {
    figures.push(`sample quality: ${m.frechet_ratio_to_floor.toFixed(1)}× the distance between two sets of real digits (1× is perfect)`);
  }
  if (m.conditional_accuracy !== undefined) figures.push(`asked-for class drawn ${percent(m.conditional_accuracy)} of the time`);
  if (m.reconstruction_accuracy !== undefined) figures.push(`reconstructions read as the right digit ${percent(m.reconstruction_accuracy)}`);
  const kind = model.likelihood === "exact" ? "exact" : "a bound";
  if (m.heldout_iwae64_nats !== undefined) {
    figures.push(`likelihood: −log p(x) ≤ ${(-m.heldout_iwae64_nats).toFixed(1)} nats per held-out digit (${kind}, importance-weighted; ${family.likelihoodModel})`);
  } else if (m.heldout_bits_per_dim !== undefined) {
    figures.push(`likelihood: −log p(x) ${kind === "exact" ? "=" : "≤"} ${m.heldout_bits_per_dim.toFixed(2)} bits per pixel on held-out digits (${kind}; ${family.likelihoodModel})`);
  }
  for (const [run, q] of Object.entries(m.langevin || {})) {
    const modes = q.mode_coverage === undefined ? "" : `, ${percent(q.mode_coverage)} of the modes covered, mode weights off by ${percent(q.mode_weight_tv)} (total variation)`;
    figures.push(`${run} Langevin from uniform noise: MMD to the data ${q.mmd.toFixed(4)}${modes}`);
  }
  if (m.curves?.samplers?.length) {
    figures.push(`which sampler at which budget (network passes per digit, the lowest FD at each): ${advice(m.curves.samplers)}`);
  }
  return figures.length ? el("ul", { class: "measured", "aria-label": "measured on 1,000 samples" },
    figures.map((f) => el("li", {}, f))) : null;
}

function modelRow(model, family, onPick) {
  const section = model.capabilities.includes("latent_map") ? "&sec=map" : "";
  const link = family.page ? el("a", { href: `${family.page}?model=${encodeURIComponent(model.id)}${section}`,
    class: "button" }, "Explore →") : null;
  const pick = model.capabilities.includes("sample")
    ? el("button", { type: "button", class: "ghost pick", "data-model": model.id, onclick: () => onPick(model) },
      "Show sample")
    : null;
  return el("li", { class: "model-row", "data-model": model.id },
    el("div", { class: "model-text" },
      el("h4", {}, model.title, " ", el("code", {}, model.id)),
      abilities(model),
      measured(model, family),
      model.description ? el("details", { class: "desc" }, el("summary", {}, "How it was built"), model.description) : null),
    el("div", { class: "model-actions" }, pick, link));
}

/** The live sample strip of a family card; `show(model)` (re)draws it from that model. */
function sampleStrip(card) {
  const caption = el("p", { class: "objective" });
  const images = Array.from({ length: SAMPLE_N }, (_, i) => digit(null, { size: 112, alt: `sample ${i + 1}` }));
  const strip = el("div", { class: "strip sample-strip", "aria-live": "polite" }, images);
  const box = el("div", { class: "live-sample" }, strip, caption, el("div", { class: "error", role: "alert", hidden: true }));
  const show = async (model) => {
    card.querySelectorAll(".pick").forEach((b) => b.setAttribute("aria-pressed", String(b.dataset.model === model.id)));
    caption.textContent = `${SAMPLE_N} digits just drawn by ${model.title} (seed ${SAMPLE_SEED}).`;
    const out = await guarded(box, () => post(model.id, "sample", { n: SAMPLE_N, seed: SAMPLE_SEED }));
    if (!out) return;
    out.images.forEach((src, i) => images[i] && setSrc(images[i], src,
      `digit sampled from ${model.id}${out.labels ? ` (class ${out.labels[i]})` : ""}`));
    strip.dataset.model = model.id;
  };
  return { box, show };
}

function familyCard(family, models, preferred) {
  const samplers = models.filter((m) => m.capabilities.includes("sample"));
  const head = el("div", { class: "card-head" },
    el("h3", {}, family.name),
    el("span", { class: `badge ${models.length ? "live" : "soon"}` },
      models.length ? `${models.length} model${models.length > 1 ? "s" : ""} loaded` : "coming soon"));
  const card = el("article", { class: `card family ${models.length ? "wide" : "soon"}`, id: `family-${family.key}`,
    "data-family": family.key }, head, el("p", { class: "idea" }, family.idea));
  if (!models.length) {
    card.append(el("p", { class: "muted" },
      "No model of this family is trained and loaded on this server yet, so there is nothing live to show."));
    return card;
  }
  if (samplers.length) {
    const strip = sampleStrip(card);
    const list = el("ul", { class: "model-list" }, models.map((m) => modelRow(m, family, (picked) => {
      setState({ sample: picked.id });
      strip.show(picked);
    })));
    card.append(strip.box, list);
    const first = samplers.find((m) => m.id === preferred) || samplers.find((m) => m.id === `${family.key}-mnist`);
    strip.show(first || samplers[0]);
  } else {
    card.append(el("ul", { class: "model-list" }, models.map((m) => modelRow(m, family, () => {}))));
  }
  if (family.tryFirst) {
    const [href, text] = family.tryFirst;
    card.append(el("p", { class: "try" }, el("strong", {}, "Try first: "), el("a", { href }, text), "."));
  }
  if (family.page) {
    card.append(el("p", {}, el("a", { class: "button primary", href: family.page }, `Open the ${family.explorer || family.key.toUpperCase()} →`)));
  }
  return card;
}

function familyTable() {
  document.getElementById("family-rows").replaceChildren(...FAMILIES.map((f) => el("tr", {},
    el("th", { scope: "row" }, f.name), el("td", {}, f.likelihood), el("td", {}, f.cost), el("td", {}, f.latent),
    el("td", {}, f.objective))));
}

function showFailed(failed) {
  if (!failed?.length) return;
  const box = document.getElementById("failed-models");
  box.replaceChildren(el("strong", {}, `${failed.length} checkpoint${failed.length > 1 ? "s" : ""} failed to load: `),
    ...failed.map((f) => el("span", { class: "failed" }, el("code", {}, f.id), ` (${f.error}) `)));
  box.hidden = false;
}

async function main() {
  familyTable();
  installShortcuts([
    { keys: ["v"], label: "open the VAE explorer", run: () => { window.location.href = "/vae"; } },
    { keys: ["f"], label: "jump to the family map", run: () => document.getElementById("family-map").scrollIntoView() },
  ]);
  const container = document.getElementById("families");
  let listing;
  try {
    listing = await api("/api/models");
  } catch (err) {
    container.replaceChildren();
    showError(container.parentElement, err);
    return;
  }
  showFailed(listing.failed);
  const generative = listing.models.filter((m) => familyOf(m));
  const preferred = getString("sample");
  const cards = FAMILIES.map((f) => familyCard(f, generative.filter((m) => familyOf(m) === f), preferred));
  container.replaceChildren(...cards);
}

main();
