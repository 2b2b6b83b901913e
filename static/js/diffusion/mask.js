// A 28×28 mask painted with the pointer over a digit: 1 = "fill this pixel in", 0 = "keep".
// The canvas has one canvas pixel per model pixel (shown enlarged), so what you see is exactly the
// 784 values the inpaint route receives. The mask travels in the link as 196 hex digits.

const SIZE = 28;
const RADIUS = { 1: 0.5, 2: 1.3, 3: 2.1 };
const FILL = "rgba(255, 64, 32, 0.62)";

export const PRESETS = {
  top: (y) => y < SIZE / 2,
  bottom: (y) => y >= SIZE / 2,
  left: (y, x) => x < SIZE / 2,
  clear: () => false,
};

/** 784 zeros/ones → 196 hex digits (4 pixels each, row-major). */
export function maskToHex(mask) {
  let out = "";
  for (let i = 0; i < mask.length; i += 4) out += ((mask[i] << 3) | (mask[i + 1] << 2) | (mask[i + 2] << 1) | mask[i + 3]).toString(16);
  return out;
}

/** The inverse of maskToHex; null for anything that is not 196 hex digits. */
export function hexToMask(hex) {
  if (!hex || !/^[0-9a-f]{196}$/i.test(hex)) return null;
  const mask = new Uint8Array(SIZE * SIZE);
  [...hex].forEach((ch, j) => {
    const v = parseInt(ch, 16);
    for (let b = 0; b < 4; b += 1) mask[j * 4 + b] = (v >> (3 - b)) & 1;
  });
  return mask;
}

/** options: brush() → "paint" | "erase", size() → 1..3, onEnd(mask) after each stroke. */
export function createMaskPainter(canvas, { brush = () => "paint", size = () => 2, onEnd = () => {} } = {}) {
  const ctx = canvas.getContext("2d");
  const mask = new Uint8Array(SIZE * SIZE);
  let last = null;
  let value = 1;

  function draw() {
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.fillStyle = FILL;
    for (let i = 0; i < mask.length; i += 1) if (mask[i]) ctx.fillRect(i % SIZE, Math.floor(i / SIZE), 1, 1);
    canvas.dataset.masked = String(mask.reduce((a, b) => a + b, 0));
  }

  /** Pointer position in model pixels (floats). */
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [((event.clientX - box.left) / box.width) * SIZE, ((event.clientY - box.top) / box.height) * SIZE];
  }

  function dab([px, py]) {
    const r = RADIUS[size()] ?? 1.3;
    for (let y = Math.floor(py - r); y <= Math.ceil(py + r); y += 1) {
      for (let x = Math.floor(px - r); x <= Math.ceil(px + r); x += 1) {
        if (x < 0 || y < 0 || x >= SIZE || y >= SIZE) continue;
        if ((x + 0.5 - px) ** 2 + (y + 0.5 - py) ** 2 <= r * r + 0.25) mask[y * SIZE + x] = value;
      }
    }
  }

  function stroke(to) {
    const from = last || to;
    const n = Math.max(1, Math.ceil(Math.hypot(to[0] - from[0], to[1] - from[1]) * 2));
    for (let k = 1; k <= n; k += 1) dab([from[0] + ((to[0] - from[0]) * k) / n, from[1] + ((to[1] - from[1]) * k) / n]);
    last = to;
    draw();
  }

  canvas.addEventListener("contextmenu", (event) => event.preventDefault());
  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    value = brush() === "erase" || event.button === 2 || event.shiftKey ? 0 : 1;
    last = null;
    stroke(at(event));
  });
  canvas.addEventListener("pointermove", (event) => {
    if (last) stroke(at(event));
  });
  const end = (event) => {
    if (!last) return;
    last = null;
    canvas.releasePointerCapture?.(event.pointerId);
    onEnd(mask);
  };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);

  return {
    mask,
    preset(name) {
      const inside = PRESETS[name];
      if (!inside) return;
      for (let i = 0; i < mask.length; i += 1) mask[i] = inside(Math.floor(i / SIZE), i % SIZE) ? 1 : 0;
      draw();
    },
    set(values) {
      mask.set(values);
      draw();
    },
    count: () => mask.reduce((a, b) => a + b, 0),
    pixels: () => Array.from(mask),
  };
}
