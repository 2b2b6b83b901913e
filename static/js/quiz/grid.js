// The round's grid on /quiz: one toggle button per digit (aria-pressed: called fake), a single tab stop that
// the arrow keys move (the grid is one control, not 25 stops on the way to the Reveal button), and after the
// reveal every cell marked with what it is and whether it was called right, in words as well as colour.

import { el } from "../lib/images.js";

const MOVES = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };

/** The grid in `box`; toggle(i) is told when cell i is clicked or pressed (Space / Enter on it). */
export function createGrid(box, toggle) {
  let cells = [];
  let side = 0;
  let at = 0; // the cell holding the tab stop

  function place(i) {
    cells[at]?.setAttribute("tabindex", "-1");
    at = i;
    cells[at]?.setAttribute("tabindex", "0");
  }

  /**
   * A new round: one button per data URL, row by row, in a square grid. The pictures are img.px, not
   * img.px.digit: the nearest-training-digit tool (lib/nearest.js) must stay off them, or it would give the
   * answers away (a held-out digit is its own nearest held-out digit).
   */
  function show(images) {
    side = Math.round(Math.sqrt(images.length));
    box.dataset.side = String(side);
    cells = images.map((src, i) => el("button", {
      type: "button", class: "quiz-cell", tabindex: "-1", "data-cell": i, onclick: () => { place(i); toggle(i); },
    }, el("img", { class: "px", src, alt: "", draggable: "false" }), el("span", { class: "quiz-tag", "aria-hidden": "true" })));
    box.replaceChildren(...cells);
    place(Math.min(at, cells.length - 1));
  }

  /** Mark every cell: picks (a Set) are called fake; answers (the scored round, or null) reveal the truth. */
  function mark(picks, answers) {
    const fakes = new Set(answers?.fakes);
    cells.forEach((cell, i) => {
      const called = picks.has(i);
      const where = `digit ${i + 1}, row ${Math.floor(i / side) + 1}, column ${(i % side) + 1}`;
      cell.setAttribute("aria-pressed", String(called));
      cell.setAttribute("aria-disabled", String(Boolean(answers))); // the round is over: calls are final
      const tag = cell.querySelector(".quiz-tag");
      if (!answers) {
        delete cell.dataset.truth;
        delete cell.dataset.call;
        cell.setAttribute("aria-label", where);
        tag.textContent = called ? "fake?" : "";
        return;
      }
      const truth = fakes.has(i) ? "fake" : "real";
      const right = called === fakes.has(i);
      Object.assign(cell.dataset, { truth, call: right ? "right" : "wrong" });
      cell.setAttribute("aria-label", `${where}: ${truth}, called ${called ? "fake" : "real"}, ${right ? "right" : "wrong"}`);
      tag.textContent = `${right ? "✓" : "✗"} ${truth.toUpperCase()}`;
    });
  }

  box.addEventListener("keydown", (event) => {
    const move = MOVES[event.key];
    if (!move || event.ctrlKey || event.metaKey || event.altKey || !cells.length) return;
    const row = Math.min(side - 1, Math.max(0, Math.floor(at / side) + move[0]));
    const col = Math.min(side - 1, Math.max(0, (at % side) + move[1]));
    place(row * side + col);
    cells[at].focus();
    event.preventDefault(); // neither a scroll nor a page shortcut
  });

  /** Put the keyboard focus on the grid (its current cell). */
  const focus = () => cells[at]?.focus();

  return { show, mark, focus };
}
