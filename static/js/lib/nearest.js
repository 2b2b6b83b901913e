// "Is this digit a copy of a training digit?", one click from any digit on any page (issue 17).
//
// Pointing at a digit picture (img.px.digit, or one cell of an 8 x 8 grid img.grid-img), or giving it the
// keyboard focus, shows a small button over it. The button, or the N key, cuts that digit out as the 28 x 28
// pixels on screen, asks POST /api/data/nearest for its nearest training digits in pixels and in the digit
// classifier's features, and shows them in a dialog beside the nearest held-out digit, with the ratio of the
// two distances and a verdict in words. It works from the generic markup alone: no page wires it, so base.html
// loads it on every page and keys.js lists its key.

import { api } from "./api.js";
import { closeDialog, showDialog } from "./dialog.js";
import { say } from "./header.js";
import { el, gridCell, gridCellOrigin } from "./images.js";

const DIGITS = "img.px.digit, img.grid-img";
const K = 3;
// The button sits inside its digit, so it never covers another digit or control: with its label on a digit
// at least WIDE CSS px wide, else as an icon in the top-right corner, ICON of the digit's side (a click on the
// digit's centre still reaches the page).
const WIDE = 210;
const ICON = 0.4;

// --- which digit: under the pointer, or in focus -------------------------------------------------

/** {img, cell} for a picture: cell is the grid index, or null for a single digit. */
function targetAt(event) {
  const img = event.target instanceof Element ? event.target.closest(DIGITS) : null;
  if (!img?.naturalWidth) return null;
  if (!img.matches(".grid-img")) return { img, cell: null };
  const cell = gridCell(img, event);
  return cell === null ? null : { img, cell };
}

/** The digit that has the keyboard focus: a digit picture, a grid (its selected cell, gridKeys), or a control
 * holding one digit (a thumbnail button); `holder` is the focused element. */
function focusTarget() {
  const active = document.activeElement;
  if (!(active instanceof Element) || active === document.body || active.closest("[role='dialog']")) return null;
  const inside = active.querySelectorAll(DIGITS);
  const img = active.matches(DIGITS) ? active : inside.length === 1 ? inside[0] : null;
  if (!img?.naturalWidth) return null;
  return { img, cell: img.matches(".grid-img") ? Number(img.dataset.cell ?? 0) : null, holder: active };
}

/** The focused digit when the focus is shown (reached by keyboard), not one a mouse click left focused. */
function shownFocusTarget() {
  const target = focusTarget();
  return target?.holder.matches(":focus-visible") ? target : null;
}

// --- the floating button -------------------------------------------------------------------------

let button = null;
let frame = null; // marks the grid cell the button is about
let shown = null; // the target the button is over
let hovered = null; // the target under the pointer, for N

function floatingButton() {
  if (!button) {
    frame = el("div", { class: "nearest-frame", "aria-hidden": "true", hidden: true });
    // tabindex -1: keyboard users have N, and a button at the end of the page would be far from its digit
    button = el("button", { type: "button", class: "nearest-button", tabindex: "-1", hidden: true,
      title: "this digit's nearest training digits: is it a copy? (N)" },
    el("span", { "aria-hidden": "true" }, "⌕"), el("span", { class: "nearest-label" }, " nearest training digit ", el("kbd", {}, "N")));
    button.addEventListener("click", () => shown && ask(shown));
    document.body.append(frame, button);
  }
  return button;
}

/** The target's box in the body's own pixels (in presentation mode the body is zoomed: client pixels are not). */
function targetBox({ img, cell }) {
  const r = img.getBoundingClientRect();
  let [left, top, side] = [r.left, r.top, r.height];
  if (cell !== null) {
    const scale = r.width / img.naturalWidth;
    const { x, y } = gridCellOrigin(img, cell);
    [left, top, side] = [left + x * scale, top + y * scale, 28 * scale];
  }
  const zoom = document.body.currentCSSZoom || 1;
  return { left: (left + window.scrollX) / zoom, top: (top + window.scrollY) / zoom, side: side / zoom };
}

function show(target) {
  const b = floatingButton();
  shown = target;
  b.hidden = false;
  const { left, top, side } = targetBox(target);
  const compact = side < WIDE;
  b.classList.toggle("compact", compact);
  if (compact) {
    const size = Math.max(14, Math.min(28, ICON * side));
    Object.assign(b.style, { width: `${size}px`, height: `${size}px`, fontSize: `${size}px`,
      left: `${left + side - size - 1}px`, top: `${top + 1}px` });
  } else {
    Object.assign(b.style, { width: "", height: "", fontSize: "", left: `${left + 4}px` });
    b.style.top = `${top + side - b.offsetHeight - 4}px`;
  }
  frame.hidden = target.cell === null;
  Object.assign(frame.style, { left: `${left - 3}px`, top: `${top - 3}px`, width: `${side + 6}px`, height: `${side + 6}px` });
}

function hide() {
  if (button) button.hidden = frame.hidden = true;
  shown = null;
}

function onPointer(event) {
  if (button?.contains(event.target)) return; // the button lies on its digit: keep it there
  hovered = targetAt(event);
  const target = hovered ?? shownFocusTarget();
  if (target) show(target);
  else hide();
}

function onFocus() {
  const target = document.activeElement?.closest("[role='dialog']") ? null : hovered ?? shownFocusTarget();
  if (target) show(target);
  else hide();
}

// --- asking the server, and the dialog -----------------------------------------------------------

/** The digit as drawn: 784 values in 0..1 (a 28 x 28 picture is copied pixel for pixel) and its data URL. */
function crop({ img, cell }) {
  const canvas = el("canvas", { width: 28, height: 28 });
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (cell === null) ctx.drawImage(img, 0, 0, 28, 28);
  else {
    const { x, y } = gridCellOrigin(img, cell);
    ctx.drawImage(img, x, y, 28, 28, 0, 0, 28, 28);
  }
  const { data } = ctx.getImageData(0, 0, 28, 28); // RGBA: grey is the mean of R, G, B; transparent is black
  const pixels = [];
  for (let i = 0; i < data.length; i += 4) pixels.push(((data[i] + data[i + 1] + data[i + 2]) / 765) * (data[i + 3] / 255));
  return { pixels, src: canvas.toDataURL("image/png") };
}

const WHY = "Why this test: the 1,000 held-out digits come from the same data, but no model here was trained on "
  + "them. A model that generalises lands about as close to them as to its 9,000 training digits (ratio near 1); "
  + "a digit under half as far from one training digit as from any unseen one (ratio below 0.5) was recalled, "
  + "not made up.";

let box = null;
let pending = null; // the question on screen: closing the dialog (or a new question) aborts it
const part = (name) => box.querySelector(`[data-part="${name}"]`);

function dialog() {
  if (box) return box;
  const close = el("button", { type: "button", class: "overlay-close ghost" },
    "Esc ", el("span", { "aria-hidden": "true" }, "✕"), el("span", { class: "visually-hidden" }, "close"));
  const space = (name, title, note) => el("section", { class: "nearest-space", "data-part": name, "aria-label": title },
    el("h3", {}, title), el("p", { class: "muted nearest-note" }, note),
    el("div", { class: "nearest-row", "data-part": `${name}-row` }),
    el("p", { class: "nearest-ratio", "data-part": `${name}-ratio` }));
  box = el("div", { id: "nearest", class: "overlay", role: "dialog", "aria-modal": "true",
    "aria-labelledby": "nearest-title", "aria-describedby": "nearest-verdict", hidden: true },
  el("div", { class: "overlay-card nearest-card" },
    el("div", { class: "overlay-head" }, el("h2", { id: "nearest-title" }, "Is this digit a copy of a training digit?"), close),
    el("div", { class: "nearest-top" },
      el("figure", {}, el("img", { class: "px nearest-img", "data-part": "input", width: 112, height: 112,
        alt: "the digit asked about" }), el("figcaption", {}, "this digit")),
      el("div", {},
        el("p", { id: "nearest-verdict", class: "nearest-verdict", role: "status", "data-part": "verdict" }),
        el("p", { class: "muted nearest-why" }, WHY))),
    el("div", { class: "nearest-spaces" },
      space("pixels", "In pixels", "the 784 intensities: a copy is a copy"),
      space("features", "In the classifier's features", "what it reads: a copy of content"))));
  box.addEventListener("click", (event) => {
    if (event.target === box || event.target.closest(".overlay-close")) closeDialog(box);
  });
  box.addEventListener("close", () => pending?.abort());
  document.body.append(box);
  return box;
}

const distance = (d) => (d < 5e-4 ? "0" : d.toPrecision(3));

function neighbourFigure(n, caption, cls = "") {
  return el("figure", { class: cls },
    el("img", { class: "px nearest-img", src: n.image, width: 84, height: 84, alt: `${caption}, a ${n.label}` }),
    el("figcaption", {}, caption, el("br"), `a ${n.label} · d ${distance(n.distance)}`));
}

function fillSpace(name, answer) {
  part(`${name}-row`).replaceChildren(
    ...answer.neighbours.map((n) => neighbourFigure(n, `train #${n.index}`)),
    neighbourFigure({ ...answer.heldout_neighbour, distance: answer.heldout_distance },
      `unseen #${answer.heldout_neighbour.index}`, "nearest-heldout"));
  const nearest = answer.neighbours[0].distance;
  part(`${name}-ratio`).replaceChildren(
    `train / unseen = ${distance(nearest)} / ${distance(answer.heldout_distance)} = `,
    el("strong", {}, answer.ratio.toFixed(2)), answer.near_copy ? ": a near-copy" : ": not a copy");
}

/** The verdict in words: pixels decide a copy; features alone, a copy of content. */
function verdict(out) {
  const [px, ft] = [out.pixels, out.features];
  const times = (a) => `${(1 / a.ratio).toFixed(a.ratio < 0.1 ? 0 : 1)}×`;
  if (px.neighbours[0].distance < 5e-4) {
    return `An exact copy of training digit #${px.neighbours[0].index}: not one pixel differs, and the nearest `
      + `unseen digit is ${distance(px.heldout_distance)} away.`;
  }
  if (px.near_copy) {
    return `A near-copy of training digit #${px.neighbours[0].index}: ${times(px)} closer to it than to any `
      + "digit the model never saw.";
  }
  if (ft.near_copy) {
    return `Not a copy in pixels, but a copy of content: in the classifier's features it is ${times(ft)} closer `
      + `to training digit #${ft.neighbours[0].index} than to any unseen digit.`;
  }
  return "Not a copy: about as close to unseen digits as to training digits.";
}

/** Where the focus goes when the dialog closes: the focused control, else the digit itself. */
function returnTarget(target) {
  if (target.holder) return target.holder;
  if (!target.img.hasAttribute("tabindex")) target.img.setAttribute("tabindex", "-1");
  return target.img;
}

async function ask(target) {
  const { pixels, src } = crop(target);
  const d = dialog();
  hovered = null; // the dialog covers it now
  hide();
  part("input").src = src;
  part("verdict").textContent = "Searching the 9,000 training digits…";
  d.classList.remove("nearest-copy");
  for (const name of ["pixels", "features"]) {
    part(`${name}-row`).replaceChildren();
    part(`${name}-ratio`).textContent = "";
  }
  showDialog(d, { focus: d.querySelector(".overlay-close"), returnTo: returnTarget(target) });
  pending?.abort();
  pending = new AbortController();
  try {
    const out = await api("/api/data/nearest", { image: { pixels }, k: K }, { signal: pending.signal });
    part("input").src = out.input;
    fillSpace("pixels", out.pixels);
    fillSpace("features", out.features);
    part("verdict").textContent = verdict(out);
    d.classList.toggle("nearest-copy", out.pixels.near_copy || out.features.near_copy);
  } catch (err) {
    if (err?.name !== "AbortError") part("verdict").textContent = `⚠ ${err.message}`;
  }
}

/** The shared shortcut (keys.js puts it in every page's table). */
export const nearestShortcut = {
  keys: ["N"],
  label: "nearest training digits of the digit in focus or under the pointer: is it a copy?",
  run: () => {
    const target = focusTarget() ?? hovered;
    if (target) ask(target);
    else say("Point at a digit (or focus one), then N");
  },
};

document.addEventListener("pointermove", onPointer, { passive: true });
document.addEventListener("pointerdown", onPointer, { passive: true }); // touch: a tap shows the button
document.addEventListener("focusin", onFocus);
document.addEventListener("keyup", (event) => { if (event.key?.startsWith("Arrow")) onFocus(); }); // a grid's selection moved
window.addEventListener("resize", hide);
