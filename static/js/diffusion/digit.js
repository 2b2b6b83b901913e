// Which digit x_0 the forward process, inpainting and inversion start from: one of 8 held-out
// digits (a "set" chosen by seed, so the link restores it), a drawing (kept in the link as `draw=`,
// see drawpad.js), or an uploaded image (not kept: a link cannot carry a file).
//
// ctx.digit = {source, image, src, label, caption}: `image` is what the API gets (784 pixels for a
// held-out digit, a data URL otherwise), `src` what the page shows. ctx.held is always the chosen
// held-out digit (inpainting needs real pixels to paint its mask over).

import { api, guarded } from "../lib/api.js";
import { createDrawPad } from "../lib/drawpad.js";
import { el, digit, setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const SET_SIZE = 8;
const SOURCES = ["held", "draw", "upload"];
const MAX_SENT_BYTES = 500_000; // a file up to this size (and side) is sent as it is; the API takes up to 1 MB
const MAX_SENT_SIDE = 1024;
const SHRUNK_SIDE = 280; // larger files (a phone photo) are shrunk to this many px on their longer side first

const readDataURL = (blob) => new Promise((resolve, reject) => {
  const reader = new FileReader();
  reader.onload = () => resolve(String(reader.result));
  reader.onerror = () => reject(reader.error);
  reader.readAsDataURL(blob);
});

/**
 * The image to send for an uploaded file: the file itself when it is a PNG or JPEG within the API's
 * limits, else the picture redrawn as a PNG at most SHRUNK_SIDE px a side (any format the browser
 * reads; transparency kept). null when the browser cannot read it as an image.
 */
async function uploadImage(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return null;
  }
  const { width, height } = bitmap;
  const plain = /^image\/(png|jpeg)$/.test(file.type) && file.size <= MAX_SENT_BYTES && Math.max(width, height) <= MAX_SENT_SIDE;
  if (plain) {
    bitmap.close();
    return { url: await readDataURL(file), note: "" };
  }
  const scale = Math.min(1, SHRUNK_SIDE / Math.max(width, height));
  const canvas = Object.assign(document.createElement("canvas"),
    { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) });
  const c = canvas.getContext("2d");
  c.imageSmoothingQuality = "high";
  c.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return { url: canvas.toDataURL("image/png"), note: `sent as a ${canvas.width}×${canvas.height} PNG (the file is ${width}×${height}, ${Math.round(file.size / 1024)} KB)` };
}

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

  /** Why x_0 is not (yet) the chosen tab's digit, naming the digit that stays in use. */
  function waiting(which) {
    const current = ctx.digit ? ctx.digit.caption : "the held-out digit";
    return which === "draw" ? `Draw a digit: until you do, x₀ stays ${current}.`
      : `Choose an image file: until you do, x₀ stays ${current}. Links keep this tab but not the file`
        + " (it does not fit in a URL): after opening one, choose the file again.";
  }

  function use(which) {
    source = which;
    document.querySelectorAll("input[name=src]").forEach((r) => { r.checked = r.value === which; });
    document.querySelectorAll(".src-pane").forEach((p) => { p.hidden = p.dataset.src !== which; });
    const chosen = which === "held" ? ctx.held : extra[which];
    note.textContent = which !== "held" && !chosen ? waiting(which) : "";
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

  /** The pad's drawing becomes x_0 (`caption` says where it came from). */
  function drawn(caption) {
    const image = pad.toDataURL();
    extra.draw = { source: "draw", image, src: image, label: null, caption };
    const restored = caption !== "your drawing";
    $("pad-note").textContent = restored ? "Restored from the link." : "";
    $("pad-note").title = restored ? "A link keeps a drawing as 28×28 pixels in 4 grey levels, the picture the model is sent." : "";
  }

  const pad = createDrawPad($("pad"), {
    onEnd: () => {
      setState({ draw: pad.encode() });
      drawn("your drawing");
      ctx.digit = null; // force use() to switch even if the same object
      use("draw");
    },
  });
  function clearDrawing() {
    pad.clear();
    extra.draw = null;
    setState({ draw: null });
    $("pad-note").textContent = "Draw a digit, white on black.";
  }
  $("pad-clear").addEventListener("click", clearDrawing);
  const linkedDrawing = getString("draw");
  if (linkedDrawing && pad.restore(linkedDrawing)) drawn("your drawing (from the link)");
  else if (linkedDrawing) {
    setState({ draw: null });
    $("pad-note").textContent = "The drawing in the link could not be read; draw a digit, white on black.";
  }

  $("upload").addEventListener("change", async (event) => {
    const file = event.target.files?.[0];
    if (!file) return;
    const sent = await uploadImage(file);
    if (!sent) {
      note.textContent = `${file.name} is not an image this browser can read (PNG or JPEG work best).`;
      return;
    }
    const thumb = $("upload-thumb");
    setSrc(thumb, sent.url, `the uploaded file ${file.name}`);
    thumb.title = file.name;
    $("upload-note").textContent = sent.note ? `${file.name}: ${sent.note}.` : file.name;
    $("upload-file").hidden = false;
    extra.upload = { source: "upload", image: sent.url, src: sent.url, label: null, caption: file.name };
    ctx.digit = null;
    use("upload");
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
    clearDrawing,
  };
}
