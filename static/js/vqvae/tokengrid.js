// A 7 x 7 grid of tokens (sections ② and ③): one cell per 4 x 4 patch of the digit, its code number on a
// colour of its own (the same code has the same colour everywhere on the page), or its surprise in bits
// on a heat ramp. Cells whose code is the one picked in the codebook are outlined, the others dimmed.

import { ramp } from "../lib/canvas.js";
import { el } from "../lib/images.js";

export const SIDE = 7;
export const CELLS = SIDE * SIDE;

/** A light colour per code (golden-angle hues), dark ink on it stays readable. */
export function codeColor(code) {
  const hue = Math.round((code * 137.508) % 360);
  return `hsl(${hue} 70% ${code % 2 ? 82 : 74}%)`;
}

/** White ink on a dark background, black on a light one: whichever contrasts more (WCAG luminance). */
function darkBackground([r, g, b]) {
  const lin = (c) => { const v = c / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  const lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return 1.05 / (lum + 0.05) > (lum + 0.05) / 0.05;
}

const HEAT = ramp([[0, [255, 255, 255]], [0.35, [255, 214, 140]], [0.7, [240, 110, 40]], [1, [140, 20, 20]]]);

/** The grid in `container`: {show(tokens), write(i, token), clear(), bits(values, max), highlight(code), cursor(i)}. */
export function createTokenGrid(container) {
  const cells = Array.from({ length: CELLS }, (_, i) => el("span", {
    class: "vq-cell empty", "data-index": String(i), title: `row ${Math.floor(i / SIDE) + 1}, column ${(i % SIDE) + 1}`,
  }));
  container.replaceChildren(...cells);
  let picked = null;

  function mark(cell) {
    const token = cell.dataset.token;
    cell.classList.toggle("hl", picked !== null && token === String(picked));
    cell.classList.toggle("dim", picked !== null && token !== undefined && token !== String(picked));
  }

  function write(i, token) {
    const cell = cells[i];
    cell.textContent = String(token);
    cell.dataset.token = String(token);
    cell.classList.remove("empty");
    cell.style.background = codeColor(token);
    mark(cell);
  }

  function clear() {
    for (const cell of cells) {
      cell.textContent = "";
      delete cell.dataset.token;
      cell.className = "vq-cell empty";
      cell.style.background = "";
    }
    container.dataset.filled = "0";
  }

  return {
    cells,
    write,
    clear,
    /** All 49 tokens from a 7 x 7 array. */
    show(grid) {
      grid.flat().forEach((token, i) => write(i, token));
      container.dataset.filled = String(CELLS);
      container.dataset.tokens = grid.flat().join(",");
    },
    /** Surprise per cell (7 x 7 bits), coloured from 0 to `max` bits. */
    bits(grid, max) {
      grid.flat().forEach((b, i) => {
        const rgb = HEAT(b / max);
        const cell = cells[i];
        cell.textContent = b < 9.95 ? b.toFixed(1) : String(Math.round(b));
        cell.dataset.bits = String(b);
        cell.classList.remove("empty");
        cell.classList.toggle("dark", darkBackground(rgb));
        cell.style.background = `rgb(${rgb.join(", ")})`;
      });
    },
    highlight(code) {
      picked = code;
      cells.forEach(mark);
      return cells.filter((c) => c.classList.contains("hl")).length;
    },
    /** The cell being written now (outlined), or none (-1). */
    cursor(i) {
      cells.forEach((c, k) => c.classList.toggle("now", k === i));
    },
  };
}
