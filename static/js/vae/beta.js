// β comparison: vae-mnist (β = 1) vs betavae-mnist (β = 4) — the same seed's samples, the same
// held-out digits reconstructed, their cards' held-out nats, and recon/KL per training epoch.

import { api, guarded, post } from "../lib/api.js";
import { lineChart } from "../lib/chart.js";
import { digit, el, fillStrip } from "../lib/images.js";

const $ = (id) => document.getElementById(id);
const N = 8;
const HELD_SEED = 1;
const COLORS = ["#1f5fd6", "#d9480f"];

const METRICS = [
  ["heldout_recon_nats", "held-out recon (nats)", 1],
  ["heldout_kl_nats", "held-out KL (nats)", 1],
  ["heldout_elbo_nats", "held-out ELBO (nats)", 1],
  ["heldout_iwae64_nats", "held-out IWAE-64 log p(x) bound (nats)", 1],
  ["heldout_bits_per_dim", "held-out bits/dim", 3],
  ["reconstruction_accuracy", "reconstruction accuracy (classifier)", 3],
  ["frechet_distance", "Fréchet distance of samples (lower is better)", 2],
  ["class_entropy", "class balance of samples (entropy / ln 10; 1 = all classes equally)", 3],
];

/** The two models to compare: vae-mnist and betavae-mnist, else the unconditional VAEs with the lowest and highest β. */
function pickPair(models) {
  const byId = (id) => models.find((m) => m.id === id);
  if (byId("vae-mnist") && byId("betavae-mnist")) return [byId("vae-mnist"), byId("betavae-mnist")];
  const plain = models.filter((m) => !m.capabilities.includes("conditional") && m.card?.config?.beta !== undefined)
    .sort((a, b) => a.card.config.beta - b.card.config.beta);
  if (plain.length >= 2 && plain[0].card.config.beta !== plain.at(-1).card.config.beta) return [plain[0], plain.at(-1)];
  return null;
}

const betaOf = (m) => m.card?.config?.beta ?? "?";

function row(title, id) {
  const strip = el("div", { class: "strip", id });
  return el("div", { class: "beta-row" }, el("h3", { class: "row-title" }, title), strip);
}

function metricsTable(cards) {
  const head = el("tr", {}, el("th", { scope: "col" }, "from the model cards"),
    cards.map((c) => el("th", { scope: "col" }, `β = ${c.config?.beta} · ${c.id}`)));
  const rows = METRICS.filter(([key]) => cards.some((c) => c.metrics?.[key] !== undefined)).map(([key, name, digits]) =>
    el("tr", {}, el("th", { scope: "row" }, name),
      cards.map((c) => el("td", {}, c.metrics?.[key] === undefined ? "—" : Number(c.metrics[key]).toFixed(digits)))));
  if (!rows.length) return el("p", { class: "muted" }, "No held-out metrics in these model cards yet (genlab evaluate writes them).");
  return el("table", { class: "metrics" }, el("thead", {}, head), el("tbody", {}, rows));
}

function historyCharts(cards) {
  for (const [term, box, name] of [["recon", "beta-recon-chart", "reconstruction"], ["kl", "beta-kl-chart", "KL"]]) {
    const series = cards.flatMap((c, i) => {
      const h = c.training?.history || [];
      return [
        { name: `β=${c.config?.beta} held-out`, color: COLORS[i], points: h.map((r) => [r.epoch, r.heldout?.[term]]) },
        { name: `β=${c.config?.beta} train`, color: COLORS[i], dash: true, points: h.map((r) => [r.epoch, r.train?.[term]]) },
      ].filter((s) => s.points.length && s.points.every((p) => Number.isFinite(p[1])));
    });
    if (series.length) {
      lineChart($(box), series, { width: 600, height: 260, xLabel: "epoch", yLabel: `${name} (nats)`,
        label: `${name} nats per epoch for both models` });
    } else {
      $(box).replaceChildren(el("p", { class: "muted" }, "No training history in these model cards."));
    }
  }
}

export function createBeta(ctx) {
  const section = $("beta");
  const pair = pickPair(ctx.models);

  async function refreshSamples() {
    if (!pair) return;
    const body = { n: N, seed: ctx.seed, temperature: ctx.temperature };
    const outs = await guarded(section, () => Promise.all(pair.map((m) => post(m.id, "sample", body))));
    if (!outs) return;
    outs.forEach((out, i) => fillStrip($(`beta-samples-${i}`), out.images, { size: 112, alt: `β=${betaOf(pair[i])} sample` }));
  }

  async function reconstructions() {
    const data = await guarded(section, () => api(`/api/data/digits?split=heldout&n=${N}&seed=${HELD_SEED}`));
    if (!data) return;
    $("beta-originals").replaceChildren(...data.digits.map((d) => digit(d.image, { size: 112, alt: `held-out ${d.label}` })));
    await Promise.all(pair.map(async (m, i) => {
      const outs = await guarded(section, () => Promise.all(data.digits.map((d) =>
        post(m.id, "reconstruct", { image: { pixels: d.pixels }, seed: 0 }))));
      if (!outs) return;
      fillStrip($(`beta-recon-${i}`), outs.map((o) => o.reconstruction), { size: 112, alt: `β=${betaOf(m)} reconstruction` });
      const mean = (key) => outs.reduce((s, o) => s + o.elbo[key], 0) / outs.length;
      $(`beta-recon-${i}`).previousElementSibling.textContent = `β = ${betaOf(m)} reconstructions (${m.id}) — these 8: `
        + `recon ${mean("recon_nats").toFixed(1)} nats, KL ${mean("kl_nats").toFixed(1)} nats`;
    }));
  }

  async function cards() {
    const full = await guarded(section, () => Promise.all(pair.map((m) => api(`/api/models/${encodeURIComponent(m.id)}`))));
    if (!full) return;
    const cardsWithIds = full.map((m) => ({ ...m.card, id: m.id, config: m.card?.config || {} }));
    $("beta-metrics").replaceChildren(metricsTable(cardsWithIds));
    historyCharts(cardsWithIds);
  }

  return {
    async init() {
      if (!pair) {
        $("beta-rows").replaceChildren(el("p", { class: "muted" },
          "The β comparison needs vae-mnist and betavae-mnist (or two unconditional VAEs with different β) loaded."));
        section.querySelector(".row").hidden = true;
        return;
      }
      $("beta-rows").replaceChildren(
        ...pair.map((m, i) => row(`β = ${betaOf(m)} samples (${m.id}) — seed ${ctx.seed}, the same z for both`, `beta-samples-${i}`)),
        row(`${N} held-out digits`, "beta-originals"),
        ...pair.map((m, i) => row(`β = ${betaOf(m)} reconstructions (${m.id})`, `beta-recon-${i}`)),
      );
      await Promise.all([refreshSamples(), reconstructions(), cards()]);
    },
    async refreshSamples() {
      if (!pair) return;
      pair.forEach((m, i) => {
        $(`beta-samples-${i}`).previousElementSibling.textContent =
          `β = ${betaOf(m)} samples (${m.id}) — seed ${ctx.seed}, the same z for both`;
      });
      await refreshSamples();
    },
  };
}
