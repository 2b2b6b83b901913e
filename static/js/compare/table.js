// The evaluation table (GET /api/evaluation): every axis its own group of columns, the picked models first and
// marked, the others below (hideable), sortable by any column from its header (a button: keyboard too).
// FD and its floor, ratio and interval share one cell, as do the likelihood figure and what it is: a bare
// FD or bits/dim reads as a verdict, the four together as a measurement.

import { el } from "../lib/images.js";
import { setState } from "../lib/urlstate.js";
import { fdParts, likelihoodParts, nullReason, parametersText, percent, share, sig } from "./format.js";

const $ = (id) => document.getElementById(id);
export const AXES = ["quality", "diversity", "likelihood", "cost", "memorization", "control"];
const ARROWS = { higher: "↑", lower: "↓", "": "" };
const BETTER_WORDS = { higher: "higher is better", lower: "lower is better", "": "no better direction" };

/** Columns shown in one cell: the first key heads it, the others are read from the same row. */
const MERGED = {
  fd: ["fd", "fd_floor", "fd_ratio", "fd_interval_90"],
  bits_per_dim: ["bits_per_dim", "likelihood", "likelihood_data", "likelihood_of"],
};
const LABELS = { fd: "FD (floor) ×ratio [90 % interval]" };

/** Bernoulli figures sort after every 8-bit one: the two data models' bits/dim are not one scale. */
const DATA_MODEL_OFFSET = { "8-bit": 0, bernoulli: 1000 };

/**
 * key: [cell text, sort value]; a key not listed (a column added later) is shown as it comes. A text given as
 * a list is a cell of several parts, each kept whole (joined by `JOIN[key][i]`, a space unless told): the table
 * is wide, and "[125–204]" split over two lines would read as two figures.
 */
const CELLS = {
  fd: [fdParts, (r) => r.fd],
  precision: [(r) => share(r.precision)],
  recall: [(r) => share(r.recall)],
  class_entropy: [(r) => share(r.class_entropy)],
  conditional_accuracy: [(r) => share(r.conditional_accuracy)],
  bits_per_dim: [likelihoodParts, (r) => (DATA_MODEL_OFFSET[r.likelihood_data] ?? 2000) + r.bits_per_dim],
  ms_per_image: [(r) => `${sig(r.ms_per_image)} ms`],
  gpu_ms_per_image: [(r) => `${sig(r.gpu_ms_per_image)} ms`],
  parameters: [(r) => parametersText(r.parameters)],
  near_copy_share: [(r) => percent(r.near_copy_share)],
  near_copy_share_features: [(r) => percent(r.near_copy_share_features)],
  controls: [(r) => r.controls.join(", "), (r) => r.controls.length],
};
const JOIN = { bits_per_dim: [" ", " · ", " · "] }; // "≤ 1.887 bound · 8-bit · p(x | y)"

function asText(value) {
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "number" ? sig(value) : String(value);
}

/** The columns as shown: the API's, merged cells folded into their head, grouped by axis in AXES order. */
export function displayColumns(columns) {
  const absorbed = new Set(Object.values(MERGED).flatMap((keys) => keys.slice(1)));
  const byKey = Object.fromEntries(columns.map((c) => [c.key, c]));
  const shown = columns.filter((c) => !absorbed.has(c.key)).map((c) => {
    const parts = (MERGED[c.key] || [c.key]).map((k) => byKey[k]).filter(Boolean);
    const [text, sortValue] = CELLS[c.key] || [(r) => asText(r[c.key])];
    return { ...c, label: LABELS[c.key] || c.label, parts, text,
      sortValue: sortValue || ((r) => (typeof r[c.key] === "number" ? r[c.key] : asText(r[c.key]))),
      description: parts.map((p) => `${p.label}: ${p.description}`).join(" · ") };
  });
  const rank = (c) => (AXES.includes(c.axis) ? AXES.indexOf(c.axis) : AXES.length);
  return shown.sort((a, b) => rank(a) - rank(b)); // stable: the API's order within an axis
}

function cell(column, row, likelihood) {
  if (row[column.key] === null || row[column.key] === undefined) {
    return el("td", { class: "null" }, el("span", { "aria-hidden": "true" }, "— "),
      el("span", { class: "null-reason" }, nullReason(column.key, row, likelihood)));
  }
  const apart = column.key === "bits_per_dim" && row.likelihood_data === "bernoulli";
  const text = column.text(row);
  const parts = Array.isArray(text)
    ? text.flatMap((part, i) => [i ? JOIN[column.key]?.[i - 1] ?? " " : null, el("span", { class: "part" }, part)])
    : text;
  return el("td", { class: `${column.key}${apart ? " apart" : ""}` }, parts,
    apart ? el("span", { class: "apart-note" }, "not comparable with 8-bit figures") : null);
}

/** Nulls last whichever way; strings by locale. */
function compare(a, b) {
  if (a === null || a === undefined || Number.isNaN(a)) return b === null || b === undefined ? 0 : 1;
  if (b === null || b === undefined || Number.isNaN(b)) return -1;
  return typeof a === "string" ? a.localeCompare(b) : a - b;
}

/**
 * ctx: {table, picked, slot(id), model(id), showOthers, sort: {key, dir} | null, modelTitle(id)}.
 * Rebuilt on every change: a few dozen cells.
 */
export function createTable(ctx) {
  let columns = [];

  function sorted(rows) {
    if (!ctx.sort) return rows;
    const column = columns.find((c) => c.key === ctx.sort.key);
    if (!column) return rows;
    const sign = ctx.sort.dir === "desc" ? -1 : 1;
    const value = (r) => (r[column.key] === null || r[column.key] === undefined ? null : column.sortValue(r));
    return [...rows].sort((a, b) => {
      const [va, vb] = [value(a), value(b)];
      if (va === null || vb === null) return compare(va, vb);
      return sign * compare(va, vb);
    });
  }

  function sortBy(key) {
    const column = columns.find((c) => c.key === key);
    const best = column.better === "higher" ? "desc" : "asc";
    const dir = ctx.sort?.key === key ? (ctx.sort.dir === "asc" ? "desc" : "asc") : best;
    ctx.sort = { key, dir };
    setState({ sort: `${key}:${dir}` });
    render();
    $(`sort-${key}`)?.focus();
    $("sort-status").textContent = `Sorted by ${column.label}, ${dir === best ? "best first" : "best last"}${
      column.better ? "" : ` (${dir === "asc" ? "ascending" : "descending"})`}; the picked models stay on top.`;
  }

  function header() {
    const axes = AXES.filter((axis) => columns.some((c) => c.axis === axis));
    const span = (axis) => columns.filter((c) => c.axis === axis).length;
    return [
      el("colgroup", {}, el("col", { class: "col-model" })),
      ...axes.map((axis) => el("colgroup", { span: span(axis), class: `axis-${axis}` })),
      el("thead", {},
        el("tr", {}, el("td", { class: "corner" }),
          axes.map((axis) => el("th", { scope: "colgroup", colspan: span(axis), class: `axis-head axis-${axis}` }, axis))),
        el("tr", {}, el("th", { scope: "col" }, "model"), columns.map((c) => {
          const dir = ctx.sort?.key === c.key ? (ctx.sort.dir === "asc" ? "ascending" : "descending") : null;
          return el("th", { scope: "col", class: `axis-${c.axis}`, "aria-sort": dir },
            el("button", { type: "button", class: "sort", id: `sort-${c.key}`, title: c.description,
              onclick: () => sortBy(c.key) },
            el("abbr", { title: c.description }, c.label),
            c.better ? [" ", el("span", { class: "better", "aria-label": BETTER_WORDS[c.better] }, ARROWS[c.better])] : null,
            el("span", { class: "sort-mark", "aria-hidden": "true" }, dir === "ascending" ? "▲" : dir === "descending" ? "▼" : "")));
        }))),
    ];
  }

  /** The model's id; a picked one's title under it (the others' as a tooltip: the table is wide already). */
  function rowHead(id, row) {
    const slot = ctx.slot(id);
    const title = row?.title ?? ctx.modelTitle(id);
    return el("th", { scope: "row", title: slot === null ? title : null },
      slot === null ? null : el("span", { class: `cmp-swatch slot-${slot}`, "aria-hidden": "true" }),
      el("code", {}, id), slot === null ? null : el("span", { class: "model-title" }, title));
  }

  function row(r) {
    const slot = ctx.slot(r.model);
    return el("tr", { "data-model": r.model, class: slot === null ? "other" : `picked slot-${slot}` },
      rowHead(r.model, r), columns.map((c) => cell(c, r, ctx.model(r.model)?.likelihood)));
  }

  function render() {
    const rows = ctx.table.models;
    const picked = ctx.picked.map((id) => rows.find((r) => r.model === id) ?? id);
    const others = sorted(rows.filter((r) => ctx.slot(r.model) === null));
    const missing = (id) => el("tr", { "data-model": id, class: `picked slot-${ctx.slot(id)}` }, rowHead(id, null),
      el("td", { colspan: columns.length, class: "null" }, "— no row in the evaluation table: not evaluated yet "
        + "(genlab evaluate --all --write)"));
    $("table-box").replaceChildren(el("table", { class: "cmp-table", id: "eval-table" },
      el("caption", { class: "visually-hidden" }, `The evaluation table: ${rows.length} models, the ${picked.length} `
        + "picked ones first, one group of columns per axis"),
      header(),
      el("tbody", { class: "picked-rows" }, sorted(picked.filter((r) => typeof r !== "string")).map(row),
        picked.filter((r) => typeof r === "string").map(missing)),
      el("tbody", { class: "other-rows", hidden: !ctx.showOthers || !others.length },
        el("tr", { class: "group-row" }, el("th", { scope: "rowgroup", colspan: columns.length + 1 }, "the other models")),
        others.map(row))));
  }

  function legend() {
    $("legend").replaceChildren(...AXES.map((axis) => {
      const parts = ctx.table.columns.filter((c) => c.axis === axis);
      if (!parts.length) return null;
      return el("div", { class: `legend-axis axis-${axis}` }, el("h3", {}, axis),
        el("dl", {}, parts.flatMap((c) => [
          el("dt", {}, c.label, c.better ? ` ${ARROWS[c.better]}` : ""),
          el("dd", {}, c.description, c.better ? ` (${BETTER_WORDS[c.better]})` : ""),
        ])));
    }));
  }

  function measured() {
    const m = ctx.table.measured;
    $("measured").textContent = `Measured on ${m.n.toLocaleString("en")} samples per model, seed ${m.seed}, against the `
      + `${m.reference}; times on ${m.device}: ${m.machine}; GPU times on ${m.gpu || "none (no GPU there: that column is left out)"}; `
      + `code ${m.code_version}.`;
  }

  return {
    init() {
      // a column with no figure in any row (the GPU one, measured without a GPU) would be a wall of dashes
      columns = displayColumns(ctx.table.columns)
        .filter((c) => ctx.table.models.some((r) => r[c.key] !== null && r[c.key] !== undefined));
      legend();
      measured();
      render();
    },
    render,
  };
}
