// 2-D latent map: decoded digits over the latent plane (POST latent-map), held-out digits' posterior
// means on top, and click/drag to decode any point live (POST decode).

import { guarded, latest, post } from "../lib/api.js";
import { svgEl } from "../lib/chart.js";
import { LABEL_COLORS, el, setSrc } from "../lib/images.js";
import { getNumber, getString, round, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const SIZE = 560; // overlay coordinate system (the image is shown 560 x 560 CSS px)

/**
 * Tile i's centre is at -extent + i * 2·extent/(grid-1), so the picture spans half a tile more on
 * each side; these map between picture fractions (0..1, left/top) and latent coordinates.
 */
export function fractionToLatent(u, v, grid, extent) {
  const d = (2 * extent) / (grid - 1);
  const span = 2 * extent + d;
  return [-extent - d / 2 + u * span, extent + d / 2 - v * span];
}

export function latentToFraction(x, y, grid, extent) {
  const d = (2 * extent) / (grid - 1);
  const span = 2 * extent + d;
  return [(x + extent + d / 2) / span, (extent + d / 2 - y) / span];
}

export function createMap(allModels) {
  const section = $("map");
  const models = allModels.filter((m) => m.capabilities.includes("latent_map") && m.family !== "classifier");
  const img = $("map-img");
  const overlay = $("map-overlay");
  const wrap = $("map-wrap");
  let model = models.find((m) => m.id === getString("mapm")) || models.find((m) => m.id === "vae2d-mnist") || models[0];
  let grid = getNumber("grid", 20, { min: 2, max: 32, integer: true });
  let extent = getNumber("extent", 3, { min: 0.5, max: 10 });
  let showPoints = getString("pts", "1") !== "0";
  const hidden = new Set();
  let points = [];
  let point = null;
  const mx = getNumber("mx", null, { min: -10, max: 10 });
  const my = getNumber("my", null, { min: -10, max: 10 });
  if (mx !== null && my !== null) point = [mx, my];

  const layers = { dots: svgEl("g", { class: "dots" }), marker: svgEl("g", { class: "marker" }),
    cursor: svgEl("g", { class: "map-cursor" }) };
  overlay.replaceChildren(layers.dots, layers.marker, layers.cursor);
  let cursor = null; // the keyboard's point (latent x, y): arrow keys move it, Enter decodes there

  function drawPoints() {
    layers.dots.replaceChildren(...(showPoints ? points : []).filter((p) => !hidden.has(p.label)).map((p) => {
      const [u, v] = latentToFraction(p.x, p.y, grid, extent);
      if (u < 0 || u > 1 || v < 0 || v > 1) return null;
      return svgEl("circle", { cx: u * SIZE, cy: v * SIZE, r: 3.2, fill: LABEL_COLORS[p.label], class: "dot" });
    }).filter(Boolean));
  }

  function drawMarker() {
    layers.marker.replaceChildren();
    if (!point) return;
    const [u, v] = latentToFraction(point[0], point[1], grid, extent);
    const [cx, cy] = [u * SIZE, v * SIZE];
    layers.marker.append(svgEl("circle", { cx, cy, r: 14, class: "marker-ring" }),
      svgEl("line", { x1: cx - 22, x2: cx + 22, y1: cy, y2: cy, class: "marker-line" }),
      svgEl("line", { x1: cx, x2: cx, y1: cy - 22, y2: cy + 22, class: "marker-line" }));
  }

  function legend() {
    $("map-legend").replaceChildren(...LABEL_COLORS.map((color, label) => {
      const item = el("button", { type: "button", class: "legend-item", "aria-pressed": String(!hidden.has(label)),
        title: "show / hide this class" }, el("span", { class: "swatch", style: { background: color } }), String(label));
      item.addEventListener("click", () => {
        if (hidden.has(label)) hidden.delete(label);
        else hidden.add(label);
        item.setAttribute("aria-pressed", String(!hidden.has(label)));
        drawPoints();
      });
      return el("li", {}, item);
    }));
  }

  const decode = latest(async () => {
    if (!point) return;
    const [x, y] = point;
    const out = await guarded(section, () => post(model.id, "decode", { latents: [[x, y]] }));
    if (!out) return;
    setSrc($("map-digit"), out.images[0], `digit decoded at z = (${x.toFixed(2)}, ${y.toFixed(2)})`);
  });

  function pick(x, y) {
    point = [round(x, 2), round(y, 2)];
    $("map-coords").textContent = `z = (${point[0].toFixed(2)}, ${point[1].toFixed(2)})`;
    setState({ mx: point[0], my: point[1] });
    drawMarker();
    decode();
  }

  function drawCursor() {
    layers.cursor.replaceChildren();
    if (!cursor) return;
    const [u, v] = latentToFraction(cursor[0], cursor[1], grid, extent);
    const half = SIZE / (grid + 1) / 2;
    layers.cursor.append(svgEl("rect", { x: u * SIZE - half, y: v * SIZE - half, width: 2 * half, height: 2 * half,
      class: "cursor-box" }));
  }

  /** Arrow keys move the cursor one tile (shift: a fifth of one), Enter or space decodes there. */
  function onKey(event) {
    if (!model || event.ctrlKey || event.metaKey || event.altKey) return;
    const moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    const d = ((2 * extent) / (grid - 1)) * (event.shiftKey ? 0.2 : 1);
    const limit = extent + d / 2;
    if (moves[event.key]) {
      const [dx, dy] = moves[event.key];
      cursor = [round(Math.min(limit, Math.max(-limit, cursor[0] + dx * d)), 2),
        round(Math.min(limit, Math.max(-limit, cursor[1] + dy * d)), 2)];
      $("map-coords").textContent = `cursor at z = (${cursor[0].toFixed(2)}, ${cursor[1].toFixed(2)}): Enter decodes it`;
    } else if (event.key === "Enter" || event.key === " ") {
      pick(...cursor);
    } else {
      return;
    }
    event.preventDefault(); // not a page shortcut nor a scroll
    drawCursor();
  }

  wrap.tabIndex = 0;
  wrap.setAttribute("role", "group");
  wrap.setAttribute("aria-label", "2-D latent map: arrow keys move a cursor, Enter decodes the digit there");
  wrap.addEventListener("keydown", onKey);
  wrap.addEventListener("focus", () => {
    cursor = point ? [...point] : [0, 0];
    if (wrap.matches(":focus-visible")) drawCursor(); // not on a mouse click
  });
  wrap.addEventListener("blur", () => layers.cursor.replaceChildren());

  const load = latest(async () => {
    const out = await guarded(section, () => post(model.id, "latent-map", { grid, extent }));
    if (!out) return;
    setSrc(img, out.image, `${grid}×${grid} digits decoded over the latent plane of ${model.id}, ±${extent}`);
    points = out.points || [];
    drawPoints();
    drawMarker();
  });

  function pointerAt(event) {
    const box = img.getBoundingClientRect();
    const u = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    const v = Math.min(1, Math.max(0, (event.clientY - box.top) / box.height));
    return fractionToLatent(u, v, grid, extent);
  }

  let dragging = false;
  wrap.addEventListener("pointerdown", (event) => {
    if (!model) return;
    event.preventDefault();
    dragging = true;
    wrap.setPointerCapture?.(event.pointerId);
    pick(...pointerAt(event));
  });
  wrap.addEventListener("pointermove", (event) => { if (dragging) pick(...pointerAt(event)); });
  const stop = () => { dragging = false; };
  wrap.addEventListener("pointerup", stop);
  wrap.addEventListener("pointercancel", stop);

  function wireControls() {
    const select = $("map-model");
    select.replaceChildren(...models.map((m) => new Option(`${m.title} (${m.id})`, m.id)));
    select.value = model.id;
    $("map-model-field").hidden = models.length < 2;
    select.addEventListener("change", () => {
      model = models.find((m) => m.id === select.value);
      setState({ mapm: model.id });
      load();
      decode();
    });
    const gridSel = $("map-grid");
    if (![...gridSel.options].some((o) => Number(o.value) === grid)) gridSel.append(new Option(String(grid)));
    gridSel.value = String(grid);
    gridSel.addEventListener("change", () => {
      grid = Number(gridSel.value);
      setState({ grid });
      load();
    });
    const extSel = $("map-extent");
    if (![...extSel.options].some((o) => Number(o.value) === extent)) extSel.append(new Option(String(extent)));
    extSel.value = String(extent);
    extSel.addEventListener("change", () => {
      extent = Number(extSel.value);
      setState({ extent });
      load();
    });
    $("map-points").checked = showPoints;
    $("map-points").addEventListener("change", (e) => {
      showPoints = e.target.checked;
      setState({ pts: showPoints ? null : 0 });
      drawPoints();
    });
  }

  return {
    async init() {
      if (!model) {
        section.querySelector(".controls-row").hidden = true;
        section.querySelector(".row").replaceChildren(el("p", { class: "muted" },
          "No loaded model has a 2-D latent (capability latent_map), so there is no map to show yet."));
        return;
      }
      wireControls();
      legend();
      load();
      if (point) pick(point[0], point[1]);
    },
  };
}
