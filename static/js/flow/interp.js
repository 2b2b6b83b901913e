// ④ Interpolation in z (POST /api/flow/{id}/interpolate): both ends encoded exactly (a real digit, the
// drawing, or a sample drawn from the seed), the path lerp or slerp, every frame decoded by f⁻¹.
// State in the link: ia, ib (ends), isteps, imethod.

import { api, guarded, latest } from "../lib/api.js";
import { fillStrip } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const END = /^(held:[0-7]|draw|seed)$/;

export function createInterp(ctx) {
  const section = $("interp");
  const selects = { a: $("interp-a"), b: $("interp-b") };
  const ends = { a: getString("ia", "held:0"), b: getString("ib") };
  if (!END.test(ends.a)) ends.a = "held:0";
  if (ends.b !== null && !END.test(ends.b)) ends.b = null; // chosen once the digits are known

  /** The default end: the first real digit of another class than the start's. */
  function otherClass(held) {
    const a = ends.a.startsWith("held:") ? held[Number(ends.a.split(":")[1])] : null;
    const i = held.findIndex((d) => !a || d.label !== a.label);
    return `held:${Math.max(0, i)}`;
  }
  let steps = getNumber("isteps", 10, { min: 2, max: 16, integer: true });
  let method = getString("imethod", "lerp", ["lerp", "slerp"]);

  /** The options: the 8 real digits on show in ②, the drawing, a sample from the seed. */
  function fillOptions() {
    const held = ctx.source.all();
    if (ends.b === null && held.length) ends.b = otherClass(held);
    for (const [k, select] of Object.entries(selects)) {
      const seed = k === "a" ? ctx.seed : ctx.seed + 1;
      select.replaceChildren(
        ...held.map((d, i) => new Option(`real digit ${i + 1} (a ${d.label})`, `held:${i}`)),
        new Option("your drawing", "draw"),
        new Option(`a sample (seed ${seed}, T = ${ctx.temperature.toFixed(2)})`, "seed"));
      select.value = ends[k];
    }
  }

  function endBody(k) {
    const value = ends[k];
    if (value === "seed") return { seed: k === "a" ? ctx.seed : ctx.seed + 1 };
    if (value === "draw") {
      const d = ctx.source.drawing();
      if (!d) throw new Error(`${k === "a" ? "Start" : "End"}: draw a digit in ② first (the drawing is this end).`);
      return { image: d.image };
    }
    const d = ctx.source.all()[Number(value.split(":")[1])];
    if (!d) throw new Error("the held-out digits are not loaded yet");
    return { image: d.image };
  }

  const refresh = latest(async () => {
    fillOptions();
    $("interp-steps").value = String(steps);
    $("interp-steps-out").textContent = String(steps);
    document.querySelectorAll("input[name=interp-method]").forEach((r) => { r.checked = r.value === method; });
    const model = ctx.model;
    const out = await guarded(section, async () => api(`/api/flow/${encodeURIComponent(model.id)}/interpolate`, {
      start: endBody("a"), end: endBody("b"), steps, method, temperature: ctx.temperature,
    }));
    if (!out) return;
    const strip = $("interp-strip");
    fillStrip(strip, out.images, { size: 96, alt: `${method} frame` });
    strip.dataset.key = `${ends.a}|${ends.b}|${steps}|${method}`;
    strip.firstElementChild?.classList.add("end-frame");
    strip.lastElementChild?.classList.add("end-frame");
    $("interp-meta").textContent = `${steps} frames along the ${method === "lerp" ? "straight line" : "great circle"} from`
      + ` ${selects.a.selectedOptions[0]?.text} to ${selects.b.selectedOptions[0]?.text}. The framed ends are f⁻¹(f(x)): the digits themselves.`;
  });

  for (const [k, select] of Object.entries(selects)) {
    select.addEventListener("change", () => {
      ends[k] = select.value;
      setState({ [`i${k}`]: select.value });
      refresh();
    });
  }
  $("interp-steps").addEventListener("input", (e) => { $("interp-steps-out").textContent = e.target.value; });
  $("interp-steps").addEventListener("change", (e) => {
    steps = Number(e.target.value);
    setState({ isteps: steps });
    refresh();
  });
  document.querySelectorAll("input[name=interp-method]").forEach((r) => r.addEventListener("change", () => setMethod(r.value)));

  function setMethod(value) {
    method = value;
    setState({ imethod: method });
    refresh();
  }

  return { refresh, toggleMethod: () => setMethod(method === "lerp" ? "slerp" : "lerp") };
}
