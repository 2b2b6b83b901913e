// The 2-D plane both canvases of /score draw on: data coordinates in a square [-half, half]² mapped to
// a canvas sized to its CSS box, y pointing up (as in the formulas), plus the three pictures drawn on it —
// a heat map from a row-major grid (row i = y rising, the API's order), arrows, and points.
// Kept apart from the sections so the field and the particles share one idea of "where (x, y) is".

import { fitCanvas, ramp } from "../lib/canvas.js";

export const COLORMAPS = {
  density: ramp([[0, [255, 255, 255]], [0.35, [222, 210, 243]], [0.7, [150, 110, 210]], [1, [88, 40, 150]]]),
  error: ramp([[0, [255, 255, 255]], [0.33, [255, 226, 160]], [0.66, [240, 130, 60]], [1, [165, 20, 20]]]),
  energy: ramp([[0, [12, 74, 110]], [0.35, [70, 160, 190]], [0.7, [210, 235, 225]], [1, [255, 255, 255]]]),
};

/** A CSS gradient of a colour map, for its legend bar. */
export function gradient(name) {
  const stops = [0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${COLORMAPS[name](t).join(", ")}) ${t * 100}%`);
  return `linear-gradient(90deg, ${stops.join(", ")})`;
}

/** A plane on `canvas` showing [-half, half]²: {c, size, px([x, y]) → [u, v], scale (pixels per unit)}. */
export function plane(canvas, half) {
  const { c, size } = fitCanvas(canvas);
  c.clearRect(0, 0, size, size);
  const scale = size / (2 * half);
  return { c, size, scale, half, px: ([x, y]) => [(x + half) * scale, (half - y) * scale] };
}

/** Light axes through 0 and a frame around the box [-box, box]², so the eye can place a point. */
export function axes(p, box) {
  const { c } = p;
  const [l, t] = p.px([-box, box]);
  const [r, b] = p.px([box, -box]);
  c.save();
  c.strokeStyle = "rgba(17, 20, 24, 0.18)";
  c.lineWidth = 1;
  c.beginPath();
  c.moveTo(...p.px([-box, 0]));
  c.lineTo(...p.px([box, 0]));
  c.moveTo(...p.px([0, -box]));
  c.lineTo(...p.px([0, box]));
  c.stroke();
  c.strokeStyle = "rgba(17, 20, 24, 0.35)";
  c.setLineDash([4, 4]);
  c.strokeRect(l, t, r - l, b - t);
  c.restore();
}

/**
 * values: k² numbers in the API's order over the k x k grid points spanning [-box, box]², each mapped to
 * [0, 1] by `unit` and coloured by `cmap`; drawn smoothly, each value centred on its grid point.
 */
export function heatmap(p, values, k, box, unit, cmap) {
  const tiny = document.createElement("canvas");
  tiny.width = k;
  tiny.height = k;
  const t = tiny.getContext("2d");
  const image = t.createImageData(k, k);
  for (let i = 0; i < k; i += 1) {
    for (let j = 0; j < k; j += 1) {
      const [r, g, b] = cmap(unit(values[i * k + j]));
      const o = ((k - 1 - i) * k + j) * 4; // row 0 is y = -box: the bottom of the picture
      image.data.set([r, g, b, 255], o);
    }
  }
  t.putImageData(image, 0, 0);
  const cell = (2 * box) / (k - 1);
  const [u0, v0] = p.px([-box - cell / 2, box + cell / 2]);
  const side = (2 * box + cell) * p.scale;
  p.c.imageSmoothingEnabled = true;
  p.c.imageSmoothingQuality = "high";
  p.c.drawImage(tiny, u0, v0, side, side);
}

/** One arrow from (u, v) by (du, dv) pixels, with a head in proportion (at least a few pixels). */
export function arrow(c, u, v, du, dv) {
  const len = Math.hypot(du, dv);
  if (len < 0.5) return;
  const head = Math.min(7, Math.max(3, len * 0.35));
  const ux = du / len;
  const uy = dv / len;
  const [tx, ty] = [u + du, v + dv];
  c.moveTo(u, v);
  c.lineTo(tx, ty);
  c.moveTo(tx - head * (ux - 0.5 * uy), ty - head * (uy + 0.5 * ux));
  c.lineTo(tx, ty);
  c.lineTo(tx - head * (ux + 0.5 * uy), ty - head * (uy - 0.5 * ux));
}

/** Points as dots of `radius` pixels; returns how many fell outside the picture. */
export function points(p, xy, { color, radius = 2, edge = null }) {
  const { c, size } = p;
  let outside = 0;
  c.fillStyle = color;
  c.beginPath();
  for (const q of xy) {
    const [u, v] = p.px(q);
    if (!(u >= 0 && u <= size && v >= 0 && v <= size)) {
      outside += 1;
      continue;
    }
    c.moveTo(u + radius, v);
    c.arc(u, v, radius, 0, 2 * Math.PI);
  }
  c.fill();
  if (edge) {
    c.strokeStyle = edge;
    c.lineWidth = 0.6;
    c.stroke();
  }
  return outside;
}
