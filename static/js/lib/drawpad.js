// A black canvas to draw white digits on, with mouse, touch or pen (pointer events).
// The stroke is ~2 px at MNIST scale once the server shrinks the digit's bounding box to 20x20.
//
// What a page sends and what its permalink keeps is the same small picture: the drawing averaged
// down to 28x28 and quantised to 4 grey levels (2 bits a pixel), 262 base64url characters in the URL
// (encodeDrawing / decodeDrawing). A restored drawing is painted back as 28x28 blocks, so the model
// sees exactly the pixels it saw before the link was copied.

export const SIDE = 28;
const LEVELS = 4; // 0, 1/3, 2/3, 1
const BITS = 2;
const PER_BYTE = 8 / BITS;
export const ENCODED_LENGTH = Math.ceil(((SIDE * SIDE) / PER_BYTE) * 4 / 3); // 262
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** 784 grey levels (0..3, row-major) → 262 base64url characters, 4 pixels a byte, first pixel in the high bits. */
export function encodeDrawing(levels) {
  const bytes = new Uint8Array((SIDE * SIDE) / PER_BYTE);
  levels.forEach((v, i) => {
    bytes[Math.floor(i / PER_BYTE)] |= (Math.min(LEVELS - 1, Math.max(0, v)) & 3) << (BITS * (PER_BYTE - 1 - (i % PER_BYTE)));
  });
  let text = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    const chars = Math.min(4, Math.ceil(((bytes.length - i) * 8) / 6));
    for (let k = 0; k < chars; k += 1) text += ALPHABET[(n >> (18 - 6 * k)) & 63];
  }
  return text;
}

/** The inverse of encodeDrawing: 784 levels 0..3, or null for anything that is not such a text. */
export function decodeDrawing(text) {
  if (typeof text !== "string" || text.length !== ENCODED_LENGTH) return null;
  const values = Array.from(text, (c) => ALPHABET.indexOf(c));
  if (values.some((v) => v < 0)) return null;
  const bytes = new Uint8Array((SIDE * SIDE) / PER_BYTE);
  for (let i = 0, j = 0; i < bytes.length; i += 3, j += 4) {
    const n = (values[j] << 18) | ((values[j + 1] ?? 0) << 12) | ((values[j + 2] ?? 0) << 6) | (values[j + 3] ?? 0);
    bytes[i] = (n >> 16) & 255;
    if (i + 1 < bytes.length) bytes[i + 1] = (n >> 8) & 255;
    if (i + 2 < bytes.length) bytes[i + 2] = n & 255;
  }
  const levels = new Uint8Array(SIDE * SIDE);
  for (let i = 0; i < levels.length; i += 1) {
    levels[i] = (bytes[Math.floor(i / PER_BYTE)] >> (BITS * (PER_BYTE - 1 - (i % PER_BYTE)))) & 3;
  }
  return levels;
}

const grey = (level) => Math.round((255 * level) / (LEVELS - 1));

/** A 28x28 PNG data URL of the levels (white on black, what the API expects). */
function levelsToDataURL(levels) {
  const small = Object.assign(document.createElement("canvas"), { width: SIDE, height: SIDE });
  const c = small.getContext("2d");
  const image = c.createImageData(SIDE, SIDE);
  levels.forEach((level, i) => {
    image.data.set([grey(level), grey(level), grey(level), 255], 4 * i);
  });
  c.putImageData(image, 0, 0);
  return small.toDataURL("image/png");
}

export function createDrawPad(canvas, { onDraw = () => {}, onEnd = () => {}, lineWidth = 20 } = {}) {
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  let drawing = false;
  let last = null;
  let empty = true;

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  }

  /** Pointer position in canvas pixels (the canvas may be displayed larger or smaller). */
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }

  function segment(from, to) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = lineWidth;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    empty = false;
  }

  /** The canvas averaged over a 28x28 grid of cells, each quantised to a level 0..3. */
  function levels() {
    const { width, height } = canvas;
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const out = new Uint8Array(SIDE * SIDE);
    for (let cy = 0; cy < SIDE; cy += 1) {
      const y0 = Math.floor((cy * height) / SIDE);
      const y1 = Math.floor(((cy + 1) * height) / SIDE);
      for (let cx = 0; cx < SIDE; cx += 1) {
        const x0 = Math.floor((cx * width) / SIDE);
        const x1 = Math.floor(((cx + 1) * width) / SIDE);
        let sum = 0;
        for (let y = y0; y < y1; y += 1) {
          for (let x = x0; x < x1; x += 1) sum += rgba[4 * (y * width + x)];
        }
        const mean = sum / Math.max(1, (y1 - y0) * (x1 - x0)) / 255;
        out[cy * SIDE + cx] = Math.round(mean * (LEVELS - 1));
      }
    }
    return out;
  }

  /** Paint 28x28 levels onto the canvas as blocks (a drawing restored from a link). */
  function paint(values) {
    clear();
    const { width, height } = canvas;
    values.forEach((level, i) => {
      if (!level) return;
      const cx = i % SIDE;
      const cy = Math.floor(i / SIDE);
      const x0 = Math.floor((cx * width) / SIDE);
      const y0 = Math.floor((cy * height) / SIDE);
      ctx.fillStyle = `rgb(${grey(level)}, ${grey(level)}, ${grey(level)})`;
      ctx.fillRect(x0, y0, Math.floor(((cx + 1) * width) / SIDE) - x0, Math.floor(((cy + 1) * height) / SIDE) - y0);
    });
    empty = !values.some((v) => v > 0);
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    drawing = true;
    last = at(event);
    segment(last, last); // a click leaves a dot
    onDraw();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) {
      const point = at(e);
      segment(last, point);
      last = point;
    }
    onDraw();
  });

  const finish = (event) => {
    if (!drawing) return;
    drawing = false;
    canvas.releasePointerCapture?.(event.pointerId);
    onEnd();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  clear();
  return {
    clear,
    isEmpty: () => empty,
    /** The drawing as the API gets it: a 28x28 PNG data URL, white on black, 4 grey levels (what encode() keeps). */
    toDataURL: () => levelsToDataURL(levels()),
    /** The drawing for the URL (262 characters), or null when nothing is drawn. */
    encode() {
      if (empty) return null;
      const values = levels();
      return values.some((v) => v > 0) ? encodeDrawing(values) : null;
    },
    /** Show a drawing from encode(); false (and the pad left as it was) when the text is not one. */
    restore(text) {
      const values = decodeDrawing(text);
      if (!values || !values.some((v) => v > 0)) return false;
      paint(values);
      return true;
    },
  };
}
