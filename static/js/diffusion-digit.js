// Which digit x_0 the forward process, inpainting and inversion start from: one of 8 held-out
// digits (a "set" chosen by seed, so the link restores it), a drawing, or an uploaded image.
//
// ctx.digit = {source, image, src, label, caption}: `image` is what the API gets (784 pixels for a
// held-out digit, a data URL otherwise), `src` what the page shows. ctx.held is always the chosen
// held-out digit (inpainting needs real pixels to paint its mask over).

import { api, guarded } from "./api.js";
import { createDrawPad } from "./drawpad.js";
import { el, digit } from "./images.js";
import { getNumber, getString, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);
const SET_SIZE = 8;
const SOURCES = ["held", "draw", "upload"];
const MAX_UPLOAD_CHARS = 1_400_000; // the API's limit on a data URL

function heldDigit(d, set, index) {
  return { source: "held", image: { pixels: d.pixels }, src: d.image, label: d.label, set, index,
    caption: `held-out #${d.index} (a ${d.label})` };
}

export function createDigitSource(ctx, { onChange }) {
  const section = $("forward");
  const gallery = $("gallery");
  const note = $("source-note");
  let set = getNumber("dseed", 0, { min: 0, max: 4294967295, integer: true });
  let index = getNumber("di", 0, { min: 0, max: SET_SIZE - 1, integer: true });
  let source = getString("src", "held", SOURCES);
  let digits = [];
  const extra = { draw: null, upload: null }; // the latest drawing / upload as a digit

  function markGallery() {
    gallery.querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === index)));
  }

  function use(which) {
    source = which;
    document.querySelectorAll("input[name=src]").forEach((r) => { r.checked = r.value === which; });
    document.querySelectorAll(".src-pane").forEach((p) => { p.hidden = p.dataset.src !== which; });
    const chosen = which === "held" ? ctx.held : extra[which];
    if (which !== "held" && !chosen) {
      note.textContent = which === "draw" ? "Draw a digit: the held-out one stays in use until you do. (Drawings are not kept in the link.)"
        : "Choose a file: the held-out digit stays in use until you do. (Uploads are not kept in the link.)";
    } else {
      note.textContent = "";
    }
    setState({ src: which === "held" ? null : which });
    if (chosen && chosen !== ctx.digit) {
      ctx.digit = chosen;
      onChange("digit");
    }
  }

  function pick(i) {
    if (!digits.length) return;
    index = (i + SET_SIZE) % SET_SIZE;
    ctx.held = heldDigit(digits[index], set, index);
    markGallery();
    setState({ dseed: set || null, di: index || null });
    onChange("held");
    use("held");
  }

  async function loadSet(newSet, pickIndex = 0) {
    set = newSet;
    $("digit-seed").textContent = String(set);
    const out = await guarded(section, () => api(`/api/data/digits?split=heldout&n=${SET_SIZE}&seed=${set}`));
    if (!out) return;
    digits = out.digits;
    gallery.replaceChildren(...digits.map((d, i) => el("button", {
      type: "button", class: "thumb", title: `held-out #${d.index}: a ${d.label}`, "aria-pressed": "false",
      onclick: () => pick(i),
    }, digit(d.image, { size: 56, alt: `held-out digit ${i + 1}: a ${d.label}` }))));
    index = pickIndex;
    ctx.held = heldDigit(digits[index], set, index);
    markGallery();
    setState({ dseed: set || null, di: index || null });
  }

  const pad = createDrawPad($("pad"), {
    onEnd: () => {
      extra.draw = { source: "draw", image: pad.toDataURL(), src: pad.toDataURL(), label: null, caption: "your drawing" };
      $("pad-note").textContent = "";
      ctx.digit = null; // force use() to switch even if the same object
      use("draw");
    },
  });
  $("pad-clear").addEventListener("click", () => {
    pad.clear();
    extra.draw = null;
    $("pad-note").textContent = "Draw a digit, white on black.";
  });

  $("upload").addEventListener("change", (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const reader = new FileReader();
    reader.onload = () => {
      const url = String(reader.result);
      if (!/^data:image\/(png|jpeg);base64,/.test(url)) {
        note.textContent = "That file is not a PNG or JPEG image.";
        return;
      }
      if (url.length > MAX_UPLOAD_CHARS) {
        note.textContent = `That image is too large (${Math.round(url.length / 1024)} KB as a data URL; the limit is about 1 MB).`;
        return;
      }
      extra.upload = { source: "upload", image: url, src: url, label: null, caption: file.name };
      ctx.digit = null;
      use("upload");
    };
    reader.readAsDataURL(file);
  });

  document.querySelectorAll("input[name=src]").forEach((r) => r.addEventListener("change", () => use(r.value)));
  $("other-digits").addEventListener("click", () => next());

  async function next() {
    await loadSet(set + 1, 0);
    onChange("held");
    use("held");
  }

  return {
    /** Load the set from the link and choose its digit (before the sections start). */
    async init() {
      await loadSet(set, index);
      ctx.digit = ctx.held;
      use(source);
    },
    otherDigits: next,
    step: (delta) => pick(index + delta),
    clearDrawing: () => pad.clear(),
  };
}
