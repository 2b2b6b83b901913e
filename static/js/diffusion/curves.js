// The sampler curves from the model card (genlab evaluate --curves): how Fréchet distance and guided
// accuracy move with the number of DDIM steps and with the guidance scale w. FD is shown divided by the
// real-vs-real floor measured with the same number of samples, since FD grows as n shrinks.

import { lineChart } from "../lib/chart.js";
import { el } from "../lib/images.js";
import { SAMPLER_NAMES, advice, byBudget, lowestRatio, pointWithin, ratio } from "../lib/sampler-costs.js";

const CHART_TOP = 8; // a sampler given too few steps is thousands of times the floor: drawn at the top edge
const SAMPLER_COLORS = { ddpm: "#c2410c", ddim: "#1f5fd6", sde: "#7c3aed", ode: "#2b8a3e", langevin: "#a16207" };

const pct = (v) => (Number.isFinite(v) ? `${(100 * v).toFixed(1)} %` : "—");

function table(points, key, heading) {
  return el("table", { class: "metrics curve-table" },
    el("thead", {}, el("tr", {}, [heading, "samples", "FD", "floor (same n)", "FD ÷ floor", "class as asked"]
      .map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, points.map((p) => el("tr", {},
      el("th", { scope: "row" }, String(p[key])), el("td", {}, String(p.n)), el("td", {}, p.frechet_distance.toFixed(1)),
      el("td", {}, p.floor.toFixed(1)), el("td", {}, `${(p.frechet_distance / p.floor).toFixed(2)}×`),
      el("td", {}, pct(p.conditional_accuracy))))));
}

function curve(box, points, key, { xLabel, xLog, label }) {
  const chart = el("div", { class: "chart-box" });
  lineChart(chart, [{ name: "FD ÷ real-vs-real floor", color: "#1f5fd6", points: points.map((p) => [p[key], p.frechet_distance / p.floor]) }],
    { width: 600, height: 240, xLabel, yLabel: "FD ÷ floor", yMin: 0, xLog, label,
      refLine: { value: 3, label: "3× floor (the quality bar)" } });
  box.replaceChildren(chart, table(points, key, xLabel));
}

/** Draw both curves into #curve-steps and #curve-guidance, or say that they were not measured. */
export function renderCurves(curves, stepsBox, guidanceBox) {
  if (!curves) {
    const missing = () => el("p", { class: "muted empty-chart" }, "Not measured for this checkpoint (genlab evaluate --curves).");
    stepsBox.replaceChildren(missing());
    guidanceBox.replaceChildren(missing());
    return;
  }
  curve(stepsBox, curves.steps, "steps", { xLabel: `DDIM steps (w = ${curves.steps[0]?.guidance ?? "?"})`, xLog: true, label: "FD against the number of sampling steps" });
  curve(guidanceBox, curves.guidance, "guidance", { xLabel: "guidance w (50 steps)", xLog: false, label: "FD against the guidance scale" });
}

const LATENT_SAMPLER = "ddim"; // the latent model's line: the sampler of its card's headline figures
const LATENT_COLOR = "#0e7490";

const cellText = (p) => `${ratio(p).toFixed(2)}× · ${pct(p.conditional_accuracy)} (${p.evaluations})`;
const latentCell = (p) => el("td", { class: "latent" }, p ? cellText(p) : "—");

/** What the dashed line is, with each model's network FLOPs per evaluation and each one's best point over
 * every sampler and budget (the latent model's card has them all, though only one is drawn). */
function latentNote(points, latent) {
  const own = lowestRatio(latent.points);
  const pixel = lowestRatio(points);
  return el("p", { class: "meta latent-costs" },
    `Dashed: latent diffusion (${latent.id}), ${SAMPLER_NAMES[LATENT_SAMPLER]} over its autoencoder's latent `
    + `(w = ${own.guidance}, ${own.n} samples a point). One evaluation costs ${latent.gflop.toFixed(3)} GFLOP per image there `
    + `against ${latent.pixelGflop.toFixed(3)} here (${(latent.gflop / latent.pixelGflop).toFixed(2)}×), plus one decoding `
    + `at the end. Its best: ${ratio(own).toFixed(2)}× the floor (${SAMPLER_NAMES[own.sampler]}, ${own.evaluations}); this model's: `
    + `${ratio(pixel).toFixed(2)}× (${SAMPLER_NAMES[pixel.sampler]}, ${pixel.evaluations}).`);
}

/** The cost-quality chart: FD ÷ floor against network evaluations per image, one line per sampler, the
 * table of every point by budget (the best at each in bold), and the advice it gives. With `latent`
 * (card.js's latentCurve), the latent model's line beside them, dashed, with its own column: it is not
 * one of this model's samplers, so it is never the advice. */
export function renderSamplerCosts(points, box, latent = null) {
  if (!points?.length) {
    box.replaceChildren(el("p", { class: "muted empty-chart" }, "Not measured for this checkpoint (genlab evaluate --sampler-costs)."));
    return;
  }
  const names = Object.keys(SAMPLER_NAMES).filter((name) => points.some((p) => p.sampler === name));
  const budgets = byBudget(points);
  const budgetOf = (p) => budgets.find(({ budget }) => p.evaluations <= budget)?.budget ?? p.evaluations;
  const chart = el("div", { class: "chart-box" });
  const line = (ps) => ps.map((p) => [budgetOf(p), Math.min(ratio(p), CHART_TOP)]);
  const series = names.map((name) => ({ name: SAMPLER_NAMES[name], color: SAMPLER_COLORS[name],
    points: line(points.filter((p) => p.sampler === name)) }));
  if (latent) {
    series.push({ name: `latent ${SAMPLER_NAMES[LATENT_SAMPLER]} (${latent.id})`, color: LATENT_COLOR, dash: true,
      points: line(latent.points.filter((p) => p.sampler === LATENT_SAMPLER)) });
  }
  lineChart(chart, series, { width: 900, height: 300, xLabel: `network evaluations per image, at most (×2 with guidance w = ${points[0].guidance})`,
    yLabel: `FD ÷ floor (${CHART_TOP}× = off the chart)`, yMin: 0, xLog: true, label: "sample quality against sampling cost, per sampler",
    refLine: { value: 3, label: "3× floor (the quality bar)" } });
  const table = el("table", { class: "metrics curve-table sampler-costs" },
    el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "budget (evaluations)"),
      ...names.map((name) => el("th", { scope: "col" }, SAMPLER_NAMES[name])),
      ...(latent ? [el("th", { scope: "col", class: "latent" }, `latent ${SAMPLER_NAMES[LATENT_SAMPLER]}`)] : []))),
    el("tbody", {}, budgets.map(({ budget, points: within, best }) => el("tr", { "data-budget": String(budget), "data-best": best.sampler },
      el("th", { scope: "row" }, `≤ ${budget}`),
      ...names.map((name) => {
        const p = within.find((q) => q.sampler === name);
        const text = p ? cellText(p) : "—";
        return el("td", { class: p === best ? "best" : "" }, p === best ? el("strong", {}, text) : text);
      }),
      ...(latent ? [latentCell(pointWithin(latent.points, LATENT_SAMPLER, budget))] : [])))));
  box.replaceChildren(chart, table, ...(latent ? [latentNote(points, latent)] : []),
    el("p", { class: "meta sampler-advice" }, `Which sampler at which budget: ${advice(points)}. `
      + `Each cell: FD ÷ the real-vs-real floor · class as asked (evaluations), ${points[0].n} samples a point.`));
}
