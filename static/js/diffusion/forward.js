// ① Forward process: x_t = √ᾱ_t·x_0 + √(1−ᾱ_t)·ε at the slider's t (POST noise), ᾱ_t and SNR, and
// both schedules' ᾱ_t and log10 SNR against t with a marker at the current t.

import { api, guarded, latest, post } from "../lib/api.js";
import { scheduleChart } from "./chart.js";
import { setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const SCHEDULES = ["linear", "cosine"];

/** 0.000123 → "1.23e-4"; 12.3 → "12.3": readable across the ten decades an SNR spans. */
export function sci(v) {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) {
    const [m, e] = v.toExponential(2).split("e");
    return `${m}·10^${Number(e)}`;
  }
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1) : v.toFixed(3);
}

export function createForward(ctx) {
  const section = $("forward");
  const slider = $("fwd-t");
  const T = () => ctx.model.card.config.timesteps;
  let t = getNumber("t", Math.round(T() / 4), { min: 0, max: T() - 1, integer: true });
  let schedule = getString("sched", ctx.model.card.config.schedule, SCHEDULES);
  let chart = null;
  let chartT = null;

  function syncControls() {
    slider.max = String(T() - 1);
    slider.value = String(t);
    $("fwd-t-out").textContent = String(t);
    document.querySelectorAll("input[name=schedule]").forEach((r) => { r.checked = r.value === schedule; });
    const trained = ctx.model.card.config.schedule;
    $("sched-note").textContent = schedule === trained
      ? `${ctx.model.id} was trained with the ${trained} schedule (T = ${T()}).`
      : `${ctx.model.id} was trained with ${trained}; ${schedule} is shown for comparison (the network never saw it).`;
    setState({ t, sched: schedule });
  }

  async function loadChart() {
    if (chartT === T()) return;
    const out = await guarded(section, () => api(`/api/diffusion/schedules?timesteps=${T()}&points=200`));
    if (!out) return;
    chartT = T();
    chart = scheduleChart($("sched-chart"), out.schedules, { label: "ᾱ_t and log10 SNR against t, linear and cosine schedules" });
    chart.setT(t, schedule);
  }

  const refresh = latest(async () => {
    const digit = ctx.digit;
    if (!digit) return;
    const body = { image: digit.image, t, seed: ctx.seed, schedule };
    const out = await guarded(section, () => post(ctx.model.id, "noise", body));
    if (!out) return;
    // x_0 as the server formatted it (an upload inverted, cropped and centred like MNIST): the very
    // picture x_t was made from, shown only with its x_t so the two always belong together
    setSrc($("fwd-x0"), out.x_0, `x_0: ${digit.caption}, as the model sees it`);
    $("fwd-x0-caption").textContent = digit.label === null || digit.label === undefined ? "" : `(a ${digit.label})`;
    $("fwd-x0").title = digit.caption;
    $("fwd-x0").dataset.source = digit.source;
    const img = $("fwd-xt");
    setSrc(img, out.x_t, `x_t at t = ${out.t} (${out.schedule} schedule, ᾱ_t = ${out.alpha_bar.toFixed(3)}), noise seed ${out.seed}`);
    img.dataset.t = String(out.t);
    $("fwd-t-caption").textContent = String(out.t);
    const ab = out.alpha_bar;
    $("fwd-ab").textContent = ab.toFixed(4);
    $("fwd-snr").textContent = sci(out.snr);
    $("fwd-logsnr").textContent = Math.log10(out.snr).toFixed(2);
    $("fwd-formula").textContent = `x_${out.t} = √${ab.toFixed(3)}·x₀ + √${(1 - ab).toFixed(3)}·ε `
      + `= ${Math.sqrt(ab).toFixed(3)}·x₀ + ${Math.sqrt(1 - ab).toFixed(3)}·ε   (ε from seed ${out.seed})`;
    chart?.setT(out.t, out.schedule, { alpha_bar: ab, log10_snr: Math.log10(out.snr) });
  });

  function setT(value) {
    const next = Math.min(T() - 1, Math.max(0, Math.round(value)));
    if (next === t) return;
    t = next;
    syncControls();
    chart?.setT(t, schedule);
    refresh();
  }

  function setSchedule(value) {
    if (!SCHEDULES.includes(value) || value === schedule) return;
    schedule = value;
    syncControls();
    chart?.setT(t, schedule);
    refresh();
  }

  slider.addEventListener("input", () => setT(Number(slider.value)));
  document.querySelectorAll("input[name=schedule]").forEach((r) => r.addEventListener("change", () => setSchedule(r.value)));
  syncControls();

  return {
    async init() {
      await loadChart();
      refresh();
    },
    /** The model changed: its T and trained schedule may differ. */
    async modelChanged() {
      t = Math.min(t, T() - 1);
      syncControls();
      await loadChart();
      refresh();
    },
    refresh,
    nudge: (delta) => setT(t + delta),
    toggleSchedule: () => setSchedule(schedule === "linear" ? "cosine" : "linear"),
    get T() { return T(); },
  };
}
