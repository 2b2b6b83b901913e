// Draw your own distribution: strokes on a square that maps to [-3, 3]² drop points (x, y) along the
// pointer's path, a few hundredths apart; the lab trains on them (data "drawn"). The permalink keeps
// them as 4 base64url characters a point (each coordinate on a 0.01 grid).

import { fitCanvas } from "../lib/canvas.js";

export const REACH = 3;
const SPACING = 0.09; // data units between two dropped points
const MAX_POINTS = 600;
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** [[x, y], ...] in [-3, 3]² -> text for the URL. */
export function encodePoints(points) {
  const code = (v) => {
    const q = Math.max(0, Math.min(600, Math.round((v + REACH) * 100)));
    return ALPHABET[q >> 6] + ALPHABET[q & 63];
  };
  return points.map(([x, y]) => code(x) + code(y)).join("");
}

/** The inverse of encodePoints, or null for text that is not such a list. */
export function decodePoints(text) {
  if (!text || text.length % 4 !== 0 || text.length / 4 > MAX_POINTS) return null;
  const values = Array.from(text, (c) => ALPHABET.indexOf(c));
  if (values.some((v) => v < 0)) return null;
  const out = [];
  for (let i = 0; i < values.length; i += 4) {
    const x = ((values[i] << 6) | values[i + 1]) / 100 - REACH;
    const y = ((values[i + 2] << 6) | values[i + 3]) / 100 - REACH;
    if (Math.abs(x) > REACH || Math.abs(y) > REACH) return null;
    out.push([Math.round(x * 100) / 100, Math.round(y * 100) / 100]);
  }
  return out;
}

/** The drawing pad on `canvas`; onChange(points) after every stroke, clear or undo. */
export function createDrawPad(canvas, onChange) {
  let strokes = []; // each a list of [x, y]
  let current = null;
  const all = () => strokes.flat();

  function toData(event) {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * 2 * REACH - REACH;
    const y = REACH - ((event.clientY - box.top) / box.height) * 2 * REACH;
    return [Math.max(-REACH, Math.min(REACH, x)), Math.max(-REACH, Math.min(REACH, y))];
  }

  function render() {
    const { c, size } = fitCanvas(canvas);
    c.fillStyle = "#fff";
    c.fillRect(0, 0, size, size);
    const px = (v) => ((v + REACH) / (2 * REACH)) * size;
    c.strokeStyle = "#e3e6eb";
    for (let v = -REACH; v <= REACH; v += 1) {
      c.beginPath();
      c.moveTo(px(v), 0);
      c.lineTo(px(v), size);
      c.moveTo(0, size - px(v));
      c.lineTo(size, size - px(v));
      c.stroke();
    }
    c.fillStyle = "#495057";
    for (const [x, y] of all()) {
      c.beginPath();
      c.arc(px(x), size - px(y), 3.5, 0, 2 * Math.PI);
      c.fill();
    }
  }

  function drop(point) {
    const last = current[current.length - 1];
    if (last && Math.hypot(point[0] - last[0], point[1] - last[1]) < SPACING) return;
    if (all().length >= MAX_POINTS) return;
    current.push([Math.round(point[0] * 100) / 100, Math.round(point[1] * 100) / 100]);
  }

  canvas.addEventListener("pointerdown", (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    current = [];
    strokes.push(current);
    drop(toData(event));
    render();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (!current) return;
    for (const e of event.getCoalescedEvents?.() || [event]) drop(toData(e));
    render();
  });
  const finish = () => {
    if (!current) return;
    current = null;
    strokes = strokes.filter((s) => s.length);
    onChange(all());
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  return {
    points: all,
    setPoints(points) {
      strokes = points?.length ? [points.map((p) => [...p])] : [];
      render();
    },
    clear() {
      strokes = [];
      render();
      onChange(all());
    },
    undo() {
      strokes.pop();
      render();
      onChange(all());
    },
    render,
  };
}
