// Showing digits: the API sends 28x28 grayscale PNG data URLs (or one PNG grid of them); pages
// show them large and pixelated (CSS class "px") so every pixel the model produced is visible.

/** Create an element with attributes and children: el("p", {class: "note"}, "text"). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "style" && typeof value === "object") Object.assign(node.style, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** A pixelated digit image `size` CSS pixels wide (a 28x28 digit shown at >= 112 px by default). */
export function digit(src, { size = 112, alt = "digit", cls = "" } = {}) {
  return el("img", { class: `px digit ${cls}`.trim(), src, alt, width: size, height: size, draggable: "false" });
}

/** Point an existing <img> at a new data URL (no-op when unchanged, so the browser does not flash). */
export function setSrc(img, src, alt) {
  if (img.getAttribute("src") !== src) img.src = src;
  if (alt) img.alt = alt;
  img.hidden = false;
}

/** Replace the children of `container` with one pixelated digit per frame. */
export function fillStrip(container, frames, { size = 96, alt = "frame" } = {}) {
  container.replaceChildren(...frames.map((src, i) => digit(src, { size, alt: `${alt} ${i + 1}` })));
}

const GRID_N = 64;
const PER_ROW = 8;
const GAP = 2;

/** The grid's border in natural pixels, in case it has one. */
function gridPad(img) {
  return Math.max(0, (img.naturalWidth - (PER_ROW * 28 + (PER_ROW - 1) * GAP)) / 2);
}

/** Which digit of a grid PNG (8 per row, 2-px gaps) a click at natural pixel (px, py) falls on. */
export function gridCell(img, event, count = GRID_N) {
  const box = img.getBoundingClientRect();
  const nx = ((event.clientX - box.left) / box.width) * img.naturalWidth;
  const ny = ((event.clientY - box.top) / box.height) * img.naturalHeight;
  const pad = gridPad(img);
  const col = Math.floor((nx - pad + GAP / 2) / (28 + GAP));
  const row = Math.floor((ny - pad + GAP / 2) / (28 + GAP));
  if (col < 0 || col >= PER_ROW || row < 0) return null;
  const i = row * PER_ROW + col;
  return i < count ? i : null;
}

/** The natural-pixel top-left corner {x, y} of digit i of a grid PNG (8 per row, 2-px gaps). */
export function gridCellOrigin(img, i) {
  const pad = gridPad(img);
  return { x: pad + (i % PER_ROW) * (28 + GAP), y: pad + Math.floor(i / PER_ROW) * (28 + GAP) };
}

/**
 * Call `pick(i)` with the grid cell a click on the grid <img> falls on (clicks between cells do nothing).
 * The grid is also a keyboard control (gridKeys); current() is the cell picked now (the keys start there).
 */
export function onGridClick(img, pick, { current = () => 0, count = GRID_N } = {}) {
  const keys = gridKeys(img, pick, { current, count });
  img.addEventListener("click", (event) => {
    const i = gridCell(img, event);
    if (i === null) return;
    keys.moveTo(i);
    pick(i);
  });
}

const MOVES = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -PER_ROW, ArrowDown: PER_ROW };

/**
 * Make a grid <img> focusable: the arrow keys move a visible selection box over its digits, Enter
 * (or space) picks the selected one as a click would. The box is a sibling of the <img> in a
 * positioned parent (CSS .cell-cursor), placed from the picture's own layout.
 */
export function gridKeys(img, pick, { current = () => 0, count = GRID_N } = {}) {
  let at = null;
  const hint = el("span", { class: "visually-hidden", id: `${img.id}-hint`, "aria-live": "polite" },
    "Arrow keys choose a digit, Enter enlarges it.");
  const cursor = el("div", { class: "cell-cursor", "aria-hidden": "true", hidden: true });
  img.after(cursor, hint);
  img.tabIndex = 0;
  img.setAttribute("aria-describedby", hint.id);

  function place() {
    if (at === null || !img.naturalWidth) return;
    const scale = img.clientWidth / img.naturalWidth;
    const { x, y } = gridCellOrigin(img, at);
    Object.assign(cursor.style, {
      left: `${img.offsetLeft + (x - 1) * scale}px`,
      top: `${img.offsetTop + (y - 1) * scale}px`,
      width: `${30 * scale}px`,
      height: `${30 * scale}px`,
    });
  }

  function moveTo(i) {
    at = Math.min(count - 1, Math.max(0, i));
    img.dataset.cell = String(at); // the selected digit, for shared tools (nearest.js)
    place();
  }

  img.addEventListener("focus", () => {
    moveTo(current() ?? 0);
    cursor.hidden = !img.matches(":focus-visible");
  });
  img.addEventListener("blur", () => { cursor.hidden = true; });
  img.addEventListener("load", place);
  img.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const move = MOVES[event.key];
    if (move !== undefined) {
      const next = at + move;
      if (next >= 0 && next < count && (Math.abs(move) !== 1 || Math.floor(next / PER_ROW) === Math.floor(at / PER_ROW))) moveTo(next);
      hint.textContent = `Digit ${at + 1} of ${count} selected; Enter enlarges it.`;
    } else if (event.key === "Enter" || event.key === " ") {
      pick(at);
    } else {
      return;
    }
    cursor.hidden = false;
    event.preventDefault(); // not a page shortcut (a film frame) nor a scroll
  });
  return { moveTo };
}

/**
 * Enlarge sample i of a sample response ({seed, images, latents?, labels?}) in the zoom box
 * (#zoom-index, #zoom-img, #zoom-meta); normText(z) is the meta line's ‖z‖ part (left out without latents).
 */
export function showZoom(out, i, normText) {
  document.getElementById("zoom-index").textContent = String(i + 1);
  setSrc(document.getElementById("zoom-img"), out.images[i], `sample ${i + 1} of 64, enlarged`);
  const z = out.latents?.[i];
  const parts = [`seed ${out.seed}, #${i + 1}`];
  if (out.labels) parts.push(`class ${out.labels[i]}`);
  if (z) parts.push(normText(z));
  document.getElementById("zoom-meta").textContent = parts.join(" · ");
}

/** 10 label colours, distinguishable on black digits and white paper (Trubetskoy's palette, brightened). */
export const LABEL_COLORS = [
  "#e6194b", "#3cb44b", "#ffe119", "#4f7dff", "#f58231",
  "#c45cff", "#46f0f0", "#f032e6", "#bcf60c", "#ffa8b8",
];
