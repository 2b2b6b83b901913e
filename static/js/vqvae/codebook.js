// ① The codebook (GET /api/vqvae/{id}/codebook): every code decoded from a grid filled with it, a bar of
// how many held-out patches chose it, the dead codes crossed out, and the perplexity of that use. Clicking
// (or Enter on) a code picks it: the token maps of ② and ③ outline where it is used (ctx.pickCode).

import { api, guarded } from "../lib/api.js";
import { el } from "../lib/images.js";
import { getString, setState } from "../lib/urlstate.js";
import { codeColor } from "./tokengrid.js";

const $ = (id) => document.getElementById(id);
const ORDERS = ["index", "usage"];

export function createCodebook(ctx) {
  const section = $("codebook");
  const grid = $("codebook-grid");
  const order = $("book-order");
  order.value = getString("order", "index", ORDERS);
  let book = null;
  let buttons = [];

  function draw() {
    if (!book) return;
    const max = Math.max(1, ...book.usage);
    const total = book.usage.reduce((a, b) => a + b, 0) || 1;
    const dead = new Set(book.dead);
    buttons = book.images.map((src, k) => {
      const n = book.usage[k];
      const bar = el("span", { class: "vq-usage", "aria-hidden": "true" }, el("span", { class: "vq-usage-fill" }));
      bar.firstChild.style.height = `${n ? Math.max(4, (100 * n) / max) : 0}%`;
      const share = ((100 * n) / total).toFixed(n && n / total < 0.001 ? 3 : 1);
      const what = dead.has(k) ? "dead: no held-out digit uses it" : `used by ${n} patches (${share} %)`;
      const button = el("button", {
        type: "button", class: `vq-code${dead.has(k) ? " dead" : ""}`, "data-code": String(k), "data-usage": String(n),
        "aria-pressed": String(ctx.code === k), title: `code ${k}: ${what}`, "aria-label": `code ${k}, ${what}`,
        onclick: () => ctx.pickCode(ctx.code === k ? null : k),
      }, el("img", { class: "px", src, alt: "", width: 48, height: 48, draggable: "false" }), bar,
      el("span", { class: "vq-code-no" }, String(k)));
      button.querySelector(".vq-code-no").style.borderColor = codeColor(k);
      return button;
    });
    const shown = order.value === "usage"
      ? [...buttons].sort((a, b) => Number(b.dataset.usage) - Number(a.dataset.usage) || a.dataset.code - b.dataset.code)
      : buttons;
    grid.replaceChildren(...shown);
    grid.dataset.order = order.value;
  }

  const refresh = async () => {
    const model = ctx.model;
    const out = await guarded(section, () => api(`/api/vqvae/${encodeURIComponent(model.id)}/codebook`));
    if (!out || model !== ctx.model) return;
    book = out;
    draw();
    const k = out.codes;
    $("book-codes").textContent = String(k);
    $("dead-count").textContent = `${out.dead.length} of ${k}`;
    $("book-perplexity").textContent = `${out.perplexity.toFixed(1)} of ${k}`;
    const used = k - out.dead.length;
    $("book-note").textContent = `${out.images_counted.toLocaleString("en")} held-out digits × 49 patches = `
      + `${(out.images_counted * 49).toLocaleString("en")} tokens counted; ${used} code${used === 1 ? "" : "s"} used at least once. `
      + "The perplexity exp(H) is how many codes that use is worth if they were all used equally often.";
    grid.dataset.model = model.id;
    grid.dataset.dead = String(out.dead.length);
    marked();
  };

  /** Mirror ctx.code on the buttons and the line above the grid. */
  function marked() {
    buttons.forEach((b) => b.setAttribute("aria-pressed", String(Number(b.dataset.code) === ctx.code)));
    const line = $("book-picked");
    if (ctx.code === null || !book) {
      line.textContent = "Click a code to find it in the token maps below.";
      return;
    }
    const n = book.usage[ctx.code];
    line.textContent = `Code ${ctx.code} picked: ${n ? `${n} held-out patches use it` : "dead, no held-out digit uses it"}. `
      + "It is outlined in the token maps below (click it again to let go).";
  }

  order.addEventListener("change", () => {
    setState({ order: order.value === "index" ? null : order.value });
    draw();
    marked();
  });

  return { refresh, marked, image: (k) => book?.images[k] ?? null, codes: () => book?.codes ?? null };
}
