// ④ Inpainting: paint a mask over a held-out digit; POST inpaint fills the masked pixels in n = 4
// ways, and the returned frames (x_t and x̂_0) play as an animation.

import { clearError, guarded, post } from "../lib/api.js";
import { createMaskPainter, hexToMask, maskToHex } from "./mask.js";
import { createPlayer, fitGrids } from "./player.js";
import { everyFor, langevinFields } from "./reverse.js";
import { setSrc } from "../lib/images.js";
import { getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const N = 4;
const DEFAULT_MASK = "bottom";

export function createInpaint(ctx) {
  const section = $("inpaint");
  const view = section.querySelector(".frame-view");
  const note = $("inp-note");
  let generation = 0;

  const painter = createMaskPainter($("mask-canvas"), {
    brush: () => document.querySelector("input[name=brush]:checked")?.value || "paint",
    size: () => Number($("brush-size").value),
    onEnd: () => maskChanged(),
  });
  const fromLink = hexToMask(getString("mask"));
  if (fromLink) painter.set(fromLink);
  else painter.preset(DEFAULT_MASK);
  const defaultHex = (() => {
    const probe = new Uint8Array(784);
    for (let i = 392; i < 784; i += 1) probe[i] = 1;
    return maskToHex(probe);
  })();

  const player = createPlayer($("inp-player"), {
    show(frame) {
      setSrc($("inp-xt"), frame.x_t, `inpainting: x_t at t = ${frame.t}`);
      setSrc($("inp-x0"), frame.x0_pred, `inpainting: predicted x_0 at t = ${frame.t}`);
    },
    totalSteps: () => ctx.sampler.steps,
  });

  function maskChanged() {
    const hex = maskToHex(painter.mask);
    setState({ mask: hex === defaultHex ? null : hex });
    const count = painter.count();
    note.textContent = count ? `${count} of 784 pixels to fill in. Press “Fill in” to run.` : "Paint over part of the digit first.";
    section.classList.toggle("stale", player.count > 0);
  }

  function settingsText(label) {
    const s = ctx.sampler;
    return `${s.sampler.toUpperCase()}, ${s.steps} steps${s.sampler === "ddim" ? `, η = ${s.eta}` : ""}`
      + `${label === undefined ? ", class ∅" : `, class ${label} (the digit's own label), w = ${s.guidance}`}`
      + ` · seed ${ctx.seed} · sampler settings from ② Reverse`;
  }

  async function run() {
    const held = ctx.held;
    if (!held) return;
    if (!painter.count()) {
      note.textContent = "Paint over part of the digit first: the mask is empty, there is nothing to fill in.";
      return;
    }
    generation += 1;
    const gen = generation;
    const s = ctx.sampler;
    const body = { image: held.image, mask: { pixels: painter.pixels() }, n: N, seed: ctx.seed, sampler: s.sampler,
      steps: s.steps, eta: s.sampler === "ddim" ? s.eta : 0, guidance: s.guidance, every: everyFor(s.steps) };
    if (s.sampler === "langevin") Object.assign(body, langevinFields(s));
    if (ctx.conditional()) body.label = held.label;
    $("inp-settings").textContent = settingsText(body.label);
    clearError(section);
    const model = ctx.model;
    const out = await guarded(section, () => ctx.heavy(() => (gen === generation ? post(model.id, "inpaint", body) : null)));
    if (!out || gen !== generation) return;
    section.classList.remove("stale");
    fitGrids(view, N, Math.min(view.clientWidth || 640, 640), { maxZoom: 4 });
    player.load(out.frames, { autoplay: true });
    section.dataset.final = out.grid;
    note.textContent = `${painter.count()} of 784 pixels filled in; the rest is the real digit.`;
  }

  function showDigit() {
    if (ctx.held) setSrc($("inp-digit"), ctx.held.src, `${ctx.held.caption}: paint over it`);
  }

  section.querySelectorAll("[data-preset]").forEach((b) => b.addEventListener("click", () => {
    painter.preset(b.dataset.preset);
    maskChanged();
  }));
  $("inp-run").addEventListener("click", run);
  maskChanged();

  return {
    player,
    run,
    /** The held-out digit, seed or model changed. */
    refresh() {
      showDigit();
      return run();
    },
    clearMask: () => {
      painter.preset("clear");
      maskChanged();
    },
  };
}
