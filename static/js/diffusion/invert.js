// ⑤ Inversion: the current digit → the noise x_T that a deterministic sampler (η = 0 DDIM, or the
// probability-flow ODE by Heun's method) maps back to it → regeneration, and the round trip's largest error.

import { guarded, post } from "../lib/api.js";
import { setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const STEP_CHOICES = [10, 20, 50, 100, 250];
const SOLVERS = { ddim: "DDIM", ode: "ODE (Heun)" };
const passesEachWay = (solver, steps) => (solver === "ode" ? 2 * steps - 1 : steps);

export function createInvert(ctx) {
  const section = $("invert");
  const select = $("inv-steps");
  const fromLink = getNumber("isteps", 50, { integer: true });
  select.value = String(STEP_CHOICES.includes(fromLink) ? fromLink : 50);
  let solver = getString("isampler", "ddim", Object.keys(SOLVERS));
  const radios = section.querySelectorAll("input[name=inv-sampler]");
  radios.forEach((r) => { r.checked = r.value === solver; });
  let generation = 0;

  async function run() {
    const digit = ctx.digit;
    if (!digit) return;
    generation += 1;
    const gen = generation;
    const steps = Number(select.value);
    setState({ isteps: steps === 50 ? null : steps, isampler: solver === "ddim" ? null : solver });
    const body = { image: digit.image, steps, sampler: solver };
    const label = ctx.conditional() ? (digit.label ?? ctx.label) : null;
    if (label !== null && label !== undefined) body.label = label;
    $("inv-source").textContent = `${digit.caption}${body.label === undefined ? ", class ∅" : `, class ${body.label}`}`;
    const model = ctx.model;
    const out = await guarded(section, () => ctx.heavy(() => (gen === generation ? post(model.id, "invert", body) : null)));
    if (!out || gen !== generation) return;
    setSrc($("inv-input"), out.input, "input digit x_0 as the model sees it");
    setSrc($("inv-noise"), out.noise, `inverted noise x_T (std ${out.noise_std.toFixed(2)})`);
    const name = SOLVERS[out.sampler];
    $("inv-arrow").textContent = out.sampler === "ode" ? "ODE" : "DDIM";
    setSrc($("inv-recon"), out.reconstruction, `digit regenerated from x_T by ${name}`);
    $("inv-std").textContent = out.noise_std.toFixed(2);
    $("inv-err").textContent = out.max_abs_error.toFixed(4);
    const good = out.max_abs_error < 0.1;
    const passes = 2 * passesEachWay(out.sampler, out.steps);
    $("inv-note").textContent = `${out.steps} ${name} steps each way (${passes} network passes). `
      + (good ? "The round trip returns the digit almost exactly: the deterministic sampler is an invertible map. "
        : `The round trip drifts: with few steps each ${name} step is a coarse approximation, so going backwards does not exactly undo going forwards. `)
      + `A std near 1 means x_T looks like the N(0, I) noise sampling starts from (here ${out.noise_std.toFixed(2)}).`;
  }

  select.addEventListener("change", run);
  radios.forEach((r) => r.addEventListener("change", () => { solver = r.value; run(); }));
  $("inv-run").addEventListener("click", run);
  return { refresh: run };
}
