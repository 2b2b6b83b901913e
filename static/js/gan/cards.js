// Model cards: the shipped GANs side by side — loss, sample metrics, training cost. A shipped GAN
// whose checkpoint is missing is listed as "not trained yet".

import { el } from "../lib/images.js";
import { SHIPPED, fmt, fmt3, fmtLr } from "./losses.js";
import { runCount, totalOf } from "../lib/training-runs.js";

const $ = (id) => document.getElementById(id);

const COLUMNS = [
  ["model", (m) => el("code", {}, m.id)],
  ["loss", (m) => m.card?.config?.loss ?? "—"],
  ["lr", (m) => {  // one figure when G and D share it (every shipped GAN), "G / D" otherwise
    const lr = m.card?.training?.lr;
    const scale = m.card?.config?.d_lr_scale ?? 1;
    if (lr === undefined) return "—";
    return scale === 1 ? fmtLr(lr) : `G ${fmtLr(lr)} / D ${fmtLr(lr * scale)}`;
  }],
  ["FD ↓", (m) => fmt3(m.card?.metrics?.frechet_distance)],
  ["FD / floor", (m) => fmt(m.card?.metrics?.frechet_ratio_to_floor, 1)],
  ["entropy", (m) => fmt(m.card?.metrics?.class_entropy)],
  ["accuracy", (m) => (m.card?.metrics?.conditional_accuracy === undefined ? "—"
    : `${(100 * m.card.metrics.conditional_accuracy).toFixed(1)}%`)],
  ["epochs", (m) => {
    const t = m.card?.training;
    if (t?.epochs === undefined) return "—";
    return runCount(t) > 1 ? `${totalOf(t, "epochs")} (${runCount(t)} runs)` : String(t.epochs);
  }],
  ["train s", (m) => (m.card?.training?.seconds === undefined ? "—" : Math.round(totalOf(m.card.training, "seconds")).toLocaleString("en"))],
];

export function createCards(ctx) {
  function row(id) {
    const model = ctx.models.find((m) => m.id === id);
    if (!model) {
      const failed = ctx.failed.find((f) => f.id === id);
      return el("tr", { class: "missing", "data-model": id }, el("td", { class: "nowrap" }, el("code", {}, id)),
        el("td", { colspan: COLUMNS.length - 1, class: "muted not-yet" }, failed ? `failed to load: ${failed.error}` : "not trained yet"));
    }
    return el("tr", { "data-model": id }, COLUMNS.map(([, cell], i) => el("td", { class: i > 2 ? "num" : "nowrap" }, cell(model))));
  }

  return {
    init() {
      const extra = ctx.models.map((m) => m.id).filter((id) => !SHIPPED.includes(id));
      const ids = [...SHIPPED, ...extra];
      const measured = ctx.models.some((m) => m.card?.metrics?.frechet_distance !== undefined);
      const floor = ctx.models.map((m) => m.card?.metrics?.real_vs_real_frechet_floor).find(Number.isFinite);
      $("cards-table").replaceChildren(
        el("table", { class: "metrics cards-table" },
          el("thead", {}, el("tr", {}, COLUMNS.map(([name], i) => el("th", { scope: "col", class: i > 2 ? "num" : null }, name)))),
          el("tbody", {}, ids.map(row))),
        measured
          ? el("p", { class: "meta", id: "cards-floor" }, `Floor: ${fmt3(floor)}, the FD of the 1,000 held-out real digits against the training digits; `
            + "FD / floor says how many times further from the real digits a model's samples are.")
          : el("p", { class: "muted" }, "No sample metrics in the cards yet: genlab evaluate writes them."),
      );
    },
  };
}
