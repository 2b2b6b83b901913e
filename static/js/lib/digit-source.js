// One digit to look at: a real held-out digit (8 at a time, a "set" chosen by seed so the link restores
// it) or the reader's drawing (kept in the link as `draw=`, see drawpad.js). The flow and PixelCNN pages
// build it into a container of their own; other sections read current() and hear onChange().
//
// A digit is {kind: "held" | "draw", image, src, label, caption}: `image` is what the API gets (784
// pixels for a held-out digit, the drawing's 28x28 PNG data URL), `src` what the page shows.

import { api, guarded } from "./api.js";
import { createDrawPad } from "./drawpad.js";
import { digit, el } from "./images.js";
import { getNumber, getString, setState } from "./urlstate.js";

const SET_SIZE = 8;
const KINDS = ["held", "draw"];

function heldDigit(d) {
  return { kind: "held", image: { pixels: d.pixels }, src: d.image, label: d.label, index: d.index,
    caption: `held-out #${d.index} (a ${d.label})` };
}

/**
 * Build the picker into `container`. idPrefix keeps ids unique; onChange(digit) runs when the chosen
 * digit changes (a pick, a finished stroke, a tab switch). bothVisible: show the gallery and the pad
 * side by side (the PixelCNN page compares the two) instead of as tabs.
 */
export function createDigitSource(container, { idPrefix = "src", onChange = () => {}, bothVisible = false } = {}) {
  let set = getNumber("dseed", 0, { min: 0, max: 4294967295, integer: true });
  let index = getNumber("di", 0, { min: 0, max: SET_SIZE - 1, integer: true });
  let kind = getString("src", "held", KINDS);
  let digits = [];
  let drawing = null;

  const radios = KINDS.map((k) => el("label", {},
    el("input", { type: "radio", name: `${idPrefix}-kind`, value: k }), k === "held" ? " a real digit" : " your drawing"));
  const tabs = el("div", { class: "tabs", role: "radiogroup", "aria-label": "which digit" }, radios);
  const gallery = el("div", { class: "gallery gallery-4", role: "group", "aria-label": "held-out digits: pick one" });
  const setLabel = el("span", { class: "muted small" });
  const other = el("button", { type: "button", id: `${idPrefix}-other` }, "Other digits ", el("kbd", {}, "o"));
  const heldPane = el("div", { class: "src-pane", "data-kind": "held" },
    el("h3", { class: "pane-title" }, "Real held-out digits"), gallery, el("div", { class: "buttons" }, other, setLabel));
  const canvas = el("canvas", { id: `${idPrefix}-pad`, width: 280, height: 280, class: "pad-canvas",
    "aria-label": "drawing canvas: draw a white digit" });
  const padNote = el("span", { class: "muted small" }, "Draw a digit, white on black.");
  const clear = el("button", { type: "button" }, "Clear ", el("kbd", {}, "c"));
  const drawPane = el("div", { class: "src-pane", "data-kind": "draw" },
    el("h3", { class: "pane-title" }, "Your drawing"), canvas, el("div", { class: "buttons" }, clear, padNote));
  const note = el("p", { class: "muted small source-note" });
  container.classList.add("digit-source");
  if (bothVisible) container.classList.add("both");
  container.append(tabs, el("div", { class: "src-panes" }, heldPane, drawPane), note);

  const current = () => (kind === "draw" && drawing ? drawing : digits[index] ? heldDigit(digits[index]) : null);

  function show() {
    tabs.querySelectorAll("input").forEach((r) => { r.checked = r.value === kind; });
    heldPane.classList.toggle("chosen", kind === "held");
    drawPane.classList.toggle("chosen", kind === "draw");
    if (!bothVisible) {
      heldPane.hidden = kind !== "held";
      drawPane.hidden = kind !== "draw";
    }
    gallery.querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", String(kind === "held" && i === index)));
    const d = current();
    note.textContent = kind === "draw" && !drawing
      ? "Draw a digit: until you do, the sections use the real digit." : d ? `Now showing: ${d.caption}.` : "";
  }

  function use(which) {
    kind = which;
    setState({ src: which === "held" ? null : which });
    show();
    const d = current();
    if (d) onChange(d);
  }

  function pick(i) {
    if (!digits.length) return;
    index = (i + SET_SIZE) % SET_SIZE;
    setState({ dseed: set || null, di: index || null });
    use("held");
  }

  async function loadSet(newSet, pickIndex = 0) {
    set = newSet;
    setLabel.textContent = `set ${set}`;
    const out = await guarded(container, () => api(`/api/data/digits?split=heldout&n=${SET_SIZE}&seed=${set}`));
    if (!out) return false;
    digits = out.digits;
    gallery.replaceChildren(...digits.map((d, i) => el("button", {
      type: "button", class: "thumb", title: `held-out #${d.index}: a ${d.label}`, "aria-pressed": "false",
      onclick: () => pick(i),
    }, digit(d.image, { size: 56, alt: `held-out digit ${i + 1}: a ${d.label}` }))));
    index = pickIndex;
    setState({ dseed: set || null, di: index || null });
    return true;
  }

  function drawn(caption) {
    const image = pad.toDataURL();
    drawing = { kind: "draw", image, src: image, label: null, caption };
  }

  const pad = createDrawPad(canvas, {
    onEnd: () => {
      setState({ draw: pad.encode() });
      drawn("your drawing");
      padNote.textContent = "";
      use("draw");
    },
  });

  function clearDrawing() {
    pad.clear();
    drawing = null;
    setState({ draw: null });
    padNote.textContent = "Draw a digit, white on black.";
    if (kind === "draw") use("held");
  }
  clear.addEventListener("click", clearDrawing);
  const linked = getString("draw");
  if (linked && pad.restore(linked)) {
    drawn("your drawing (from the link)");
    padNote.textContent = "Restored from the link.";
  } else if (linked) {
    setState({ draw: null });
    padNote.textContent = "The drawing in the link could not be read; draw a digit, white on black.";
  }
  tabs.querySelectorAll("input").forEach((r) => r.addEventListener("change", () => use(r.value)));

  async function otherDigits() {
    if (await loadSet(set + 1, 0)) use("held");
  }
  other.addEventListener("click", otherDigits);

  return {
    /** Load the linked set; resolves once current() has a digit (no onChange: the page starts its sections). */
    async init() {
      await loadSet(set, index);
      show();
      return current();
    },
    current,
    /** The chosen held-out digit, whichever tab is on. */
    held: () => (digits[index] ? heldDigit(digits[index]) : null),
    /** The whole set of held-out digits on show. */
    all: () => digits.map(heldDigit),
    /** The drawing, or null when nothing is drawn. */
    drawing: () => drawing,
    otherDigits,
    step: (delta) => pick(index + delta),
    clearDrawing,
    pad,
  };
}

/** The shortcuts of a page's digit source (held-out digits and the drawing), the same letters on every page. */
export function digitSourceShortcuts(source) {
  return [
    { keys: ["o"], label: "other held-out digits", run: () => source()?.otherDigits() },
    { keys: [",", "."], label: "previous / next held-out digit", run: (e) => source()?.step(e.key === "," ? -1 : 1) },
    { keys: ["c"], label: "clear the drawing", run: () => source()?.clearDrawing() },
  ];
}
