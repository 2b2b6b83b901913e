// The interpolation view the VAE and GAN pages share: the steps slider, the lerp / slerp strips (the
// highlighted method on top) and the ‖z_t‖ chart of both paths. The ends and requests stay per page.

import { lineChart } from "./chart.js";
import { el, fillStrip } from "./images.js";
import { getNumber, getString, setState } from "./urlstate.js";

const $ = (id) => document.getElementById(id);

/**
 * maxSteps: the steps slider's top; chart: {id, width, height, digits (of √d)}; onSteps(): the
 * step count changed (refetch). Returns {steps(), show(outs), toggleMethod()}.
 */
export function createInterpView({ maxSteps, chart, onSteps }) {
  let method = getString("method", "lerp", ["lerp", "slerp"]);
  let steps = getNumber("steps", 10, { min: 2, max: maxSteps, integer: true });

  function setMethod(value) {
    method = value;
    document.querySelectorAll("input[name=method]").forEach((r) => { r.checked = r.value === method; });
    document.querySelectorAll(".strip-block").forEach((b) => b.classList.toggle("selected", b.dataset.method === method));
    const strips = $("strips");
    const first = strips.querySelector(`.strip-block[data-method="${method}"]`);
    if (strips.firstElementChild !== first) strips.prepend(first);
    setState({ method });
  }

  function normChart(paths) {
    const series = [
      { name: "lerp ‖z_t‖", color: "#1f5fd6", points: paths.lerp.map((z, i) => [i + 1, Math.hypot(...z)]) },
      { name: "slerp ‖z_t‖", color: "#d9480f", dash: true, points: paths.slerp.map((z, i) => [i + 1, Math.hypot(...z)]) },
    ];
    const d = paths.lerp[0]?.length || 1;
    lineChart($(chart.id), series, { width: chart.width, height: chart.height, xLabel: "frame", yLabel: "‖z‖", yMin: 0,
      refLine: { value: Math.sqrt(d), label: `√d = ${Math.sqrt(d).toFixed(chart.digits)}: typical ‖z‖ under N(0, I)` },
      label: "norm of z along the lerp and slerp paths" });
  }

  /** Show the two interpolate responses (lerp, slerp): frames as strips, latents as the norm chart. */
  function show(outs) {
    // as large as fits on one row (≤ 112 px), wrapping only below 40 px
    const width = $("strip-lerp").clientWidth || 1100;
    const size = Math.max(40, Math.min(112, Math.floor((width - 6 * (steps - 1)) / steps)));
    outs.forEach((out) => fillStrip($(`strip-${out.method}`), out.frames, { size, alt: `${out.method} frame` }));
    normChart({ lerp: outs[0].latents, slerp: outs[1].latents });
  }

  $("steps").value = steps;
  $("steps-out").textContent = steps;
  $("steps").addEventListener("input", (e) => { $("steps-out").textContent = e.target.value; });
  $("steps").addEventListener("change", (e) => {
    steps = Number(e.target.value);
    setState({ steps });
    onSteps();
  });
  document.querySelectorAll("input[name=method]").forEach((r) => r.addEventListener("change", () => setMethod(r.value)));
  setMethod(method);

  return { steps: () => steps, show, toggleMethod: () => setMethod(method === "lerp" ? "slerp" : "lerp") };
}

/**
 * The part of an interpolation end picker both pages share: the kind select (kinds: {value: text})
 * and the seed input, shown for kind "seed". update(name, change) applies a change; capSeed: typed
 * seeds above maxSeed become maxSeed. show(end) puts an end's kind and seed into the controls.
 */
export function endPicker(name, { kinds, maxSeed, capSeed = false, update }) {
  const which = name === "a" ? "start" : "end";
  const kind = el("select", { "aria-label": `${which} kind` }, Object.entries(kinds).map(([k, text]) => new Option(text, k)));
  const seed = el("input", { type: "number", min: 0, max: maxSeed, step: 1, "aria-label": `${which} seed` });
  kind.addEventListener("change", () => update(name, { kind: kind.value }));
  seed.addEventListener("change", () => {
    const value = Math.max(0, Math.round(Number(seed.value) || 0));
    update(name, { seed: capSeed ? Math.min(maxSeed, value) : value });
  });
  function show(end) {
    kind.value = end.kind;
    seed.value = end.seed;
    seed.hidden = end.kind !== "seed";
  }
  return { which, kind, seed, show };
}
