// ⑤ DDIM inversion: the current digit → the noise x_T that η = 0 DDIM maps back to it → regeneration,
// and the largest pixel error of that round trip.

import { guarded, post } from "../lib/api.js";
import { setSrc } from "../lib/images.js";
import { getNumber, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const STEP_CHOICES = [10, 20, 50, 100, 250];

export function createInvert(ctx) {
  const section = $("invert");
  const select = $("inv-steps");
  const fromLink = getNumber("isteps", 50, { integer: true });
  select.value = String(STEP_CHOICES.includes(fromLink) ? fromLink : 50);
  let generation = 0;

  async function run() {
    const digit = ctx.digit;
    if (!digit) return;
    generation += 1;
    const gen = generation;
    const steps = Number(select.value);
    setState({ isteps: steps === 50 ? null : steps });
    const body = { image: digit.image, steps };
    const label = ctx.conditional() ? (digit.label ?? ctx.label) : null;
    if (label !== null && label !== undefined) body.label = label;
    $("inv-source").textContent = `${digit.caption}${body.label === undefined ? ", class ∅" : `, class ${body.label}`}`;
    const model = ctx.model;
    const out = await guarded(section, () => ctx.heavy(() => (gen === generation ? post(model.id, "invert", body) : null)));
    if (!out || gen !== generation) return;
    setSrc($("inv-input"), out.input, "input digit x_0 as the model sees it");
    setSrc($("inv-noise"), out.noise, `inverted noise x_T (std ${out.noise_std.toFixed(2)})`);
    setSrc($("inv-recon"), out.reconstruction, "digit regenerated from x_T by DDIM");
    $("inv-std").textContent = out.noise_std.toFixed(2);
    $("inv-err").textContent = out.max_abs_error.toFixed(4);
    const good = out.max_abs_error < 0.1;
    $("inv-note").textContent = `${out.steps} DDIM steps each way (${2 * out.steps} network passes). `
      + (good ? "The round trip returns the digit almost exactly: the deterministic sampler is an invertible map. "
        : "The round trip drifts: with few steps each DDIM step is a coarse approximation, so going backwards does not exactly undo going forwards. ")
      + `A std near 1 means x_T looks like the N(0, I) noise sampling starts from (here ${out.noise_std.toFixed(2)}).`;
  }

  select.addEventListener("change", run);
  $("inv-run").addEventListener("click", run);
  return { refresh: run };
}
