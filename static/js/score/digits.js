// ⑤ Digits: a score network and a DDPM's ε are the same object. One held-out digit is noised at a few of the
// NCSN's levels with one draw of z (POST /api/ncsn/{id}/same-object); each row shows the noisy digit, the NCSN's
// σ·s(x̃, σ), the DDPM's σ·(−ε/σ_t) at its nearest step, their cosine (big, green above 0.9) and both clean
// guesses (Tweedie). The digit (class, set of 8, which one), the noise seed, the number of levels and whether
// both models are told the class live in the URL.

import { api, clearError, latest, showError } from "../lib/api.js";
import { MAX_SEED } from "../lib/controls.js";
import { digit, el, setSrc } from "../lib/images.js";
import { getNumber, getString, setState } from "../lib/urlstate.js";

const $ = (id) => document.getElementById(id);
const SET_SIZE = 8;
const MAX_LEVELS = 10; // the route's limit
const DEFAULT_LEVELS = 5;
const CELL = 96; // px of each digit in the table
export const GOOD = 0.9;

export const fmtSigma = (s) => Number(s).toPrecision(3);
export const fmtCosine = (c) => Number(c).toFixed(3);
const conditional = (model) => model.capabilities.includes("conditional");

/** How a cosine reads at a glance: good (> 0.9, green), fair (> 0.5, amber) or poor (red). */
export const cosineClass = (c) => (c > GOOD ? "good" : c > 0.5 ? "fair" : "poor");

/**
 * The score network on digits and the pixel diffusion model beside it: the link's ?ncsn= / ?ddpm= when loaded,
 * else the first model with capability image_score / noise. Returns {ncsn, ddpm, missing: [reasons]}.
 */
export function pickDigitModels(models) {
  const missing = [];
  const pick = (key, capability, what) => {
    const able = models.filter((m) => m.capabilities.includes(capability));
    const wanted = getString(key);
    const found = able.find((m) => m.id === wanted);
    if (wanted && !found) missing.push(`${key}=${wanted} from the link is not a loaded ${what}`);
    return found || able[0] || null;
  };
  const ncsn = pick("ncsn", "image_score", "score network on digits (capability image_score)");
  const ddpm = pick("ddpm", "noise", "pixel diffusion model (capability noise)");
  if (!ncsn) missing.push("no score network on digits is loaded (capability image_score): its checkpoint, "
    + "checkpoints/ncsn-mnist.json, is missing or failed to load (see /readyz); train one with genlab train ncsn");
  if (!ddpm) missing.push("no pixel diffusion model is loaded (capability noise): checkpoints/ddpm-mnist.json is missing");
  return { ncsn, ddpm, missing };
}

/** Build section ⑤ for the two models; nothing is asked of the server until start(). */
export function createDigits({ ncsn, ddpm }) {
  const section = $("digits");
  const config = ncsn.card?.config || {};
  const ladder = config.levels || MAX_LEVELS;
  const maxLevels = Math.min(MAX_LEVELS, ladder);
  const labelsAllowed = conditional(ncsn) && conditional(ddpm);
  const s = {
    cls: getNumber("dclass", null, { min: 0, max: 9, integer: true }),
    set: getNumber("dset", 0, { min: 0, max: MAX_SEED, integer: true }),
    index: getNumber("di", 0, { min: 0, max: SET_SIZE - 1, integer: true }),
    noise: getNumber("dnoise", 0, { min: 0, max: MAX_SEED, integer: true }),
    levels: getNumber("dlevels", Math.min(DEFAULT_LEVELS, maxLevels), { min: 1, max: maxLevels, integer: true }),
    label: labelsAllowed && getString("dlabel") === "1",
  };
  let digits = [];
  let started = false;

  function writeUrl() {
    setState({ dclass: s.cls, dset: s.set || null, di: s.index || null, dnoise: s.noise || null,
      dlevels: s.levels === Math.min(DEFAULT_LEVELS, maxLevels) ? null : s.levels, dlabel: s.label ? 1 : null });
  }

  function syncControls() {
    $("digit-class").value = s.cls === null ? "" : String(s.cls);
    $("noise-seed").value = String(s.noise);
    $("digit-levels").value = String(s.levels);
    $("digit-label").checked = s.label;
    $("digit-thumbs").querySelectorAll("button").forEach((b, i) => b.setAttribute("aria-pressed", String(i === s.index)));
  }

  // --- the digit ----------------------------------------------------------------------------------
  async function loadSet() {
    const label = s.cls === null ? "" : `&label=${s.cls}`;
    section.dataset.state = "loading";
    try {
      digits = (await api(`/api/data/digits?split=heldout&n=${SET_SIZE}&seed=${s.set}${label}`)).digits;
    } catch (err) {
      section.dataset.state = "failed";
      showError(section, err);
      return false;
    }
    $("digit-thumbs").replaceChildren(...digits.map((d, i) => el("button", {
      type: "button", class: "thumb", title: `held-out #${d.index}: a ${d.label}`, "aria-pressed": "false",
      onclick: () => pick(i),
    }, digit(d.image, { size: 44, alt: `held-out digit ${i + 1} of ${digits.length}: a ${d.label}` }))));
    return true;
  }

  /** The digit on show changed: picture, caption, URL, then the table. */
  function showDigit() {
    const d = digits[s.index];
    if (!d) return;
    setSrc($("digit-clean"), d.image, `the clean held-out digit #${d.index}, a ${d.label}`);
    $("digit-caption").textContent = `the clean digit x: held-out #${d.index}, a ${d.label}`;
    section.dataset.digit = String(d.index);
    syncControls();
    writeUrl();
    refresh();
  }

  function pick(i) {
    s.index = i;
    showDigit();
  }

  /** Step through the held-out digits, a set of 8 at a time (the next set after the 8th). */
  async function step(delta) {
    if (!started) return;
    let index = s.index + delta;
    if (index >= SET_SIZE || index < 0) {
      if (s.set === 0 && index < 0) index = 0;
      else {
        s.set += index < 0 ? -1 : 1;
        index = (index + SET_SIZE) % SET_SIZE;
        if (!(await loadSet())) return;
      }
    }
    pick(index);
  }

  async function setClass(cls) {
    s.cls = cls;
    s.set = 0;
    s.index = 0;
    syncControls();
    writeUrl();
    if (started && (await loadSet())) showDigit();
  }

  // --- the table ----------------------------------------------------------------------------------
  function imageCell(src, alt, note = null) {
    return el("td", { class: "img-cell" }, digit(src, { size: CELL, alt }), note && el("span", { class: "cell-note" }, note));
  }

  function cosineCell(row) {
    const good = cosineClass(row.cosine);
    return el("td", { class: `cosine-cell ${good}`, "data-cosine": String(row.cosine) },
      el("strong", { class: "cosine-number" }, fmtCosine(row.cosine)),
      el("span", { class: "cos-bar", "aria-hidden": "true" },
        el("span", { style: { width: `${Math.max(0, Math.min(1, row.cosine)) * 100}%` } })),
      el("span", { class: "cell-note" }, `NCSN vs the true −z: ${fmtCosine(row.cosine_to_noise)}`));
  }

  function tableRow(row) {
    const sigma = fmtSigma(row.sigma);
    return el("tr", { "data-level": String(row.level) },
      el("th", { scope: "row", class: "sigma-cell" }, el("span", { class: "sigma-big" }, `σ = ${sigma}`),
        el("span", { class: "cell-note" }, `level ${row.level + 1} of ${ladder}`)),
      imageCell(row.noisy, `the digit with noise σ = ${sigma}`),
      imageCell(row.ncsn_score, `the NCSN's score times σ at σ = ${sigma}`),
      imageCell(row.ddpm_score, `the DDPM's −ε at its step ${row.step}`, `t = ${row.step}, σ_t = ${fmtSigma(row.step_sigma)}`),
      cosineCell(row),
      imageCell(row.ncsn_denoised, `the NCSN's clean guess at σ = ${sigma}`),
      imageCell(row.ddpm_denoised, `the DDPM's clean guess at step ${row.step}`));
  }

  function render(out, key) {
    $("same-body").replaceChildren(...out.rows.map(tableRow));
    const mean = out.rows.reduce((sum, r) => sum + r.cosine, 0) / out.rows.length;
    const number = $("mean-cosine");
    number.textContent = fmtCosine(mean);
    number.className = `cosine-number ${cosineClass(mean)}`;
    section.dataset.key = key;
    section.dataset.seed = String(out.seed);
    section.dataset.state = "done";
  }

  const request = latest(async () => {
    const d = digits[s.index];
    if (!d) return;
    const label = s.label ? d.label : null;
    const key = `${ncsn.id}|${ddpm.id}|${d.index}|${s.noise}|${s.levels}|${label ?? "-"}`;
    if (section.dataset.key === key && section.dataset.state === "done") return;
    section.dataset.state = "loading";
    section.classList.add("busy");
    try {
      const body = { image: { pixels: d.pixels }, diffusion: ddpm.id, levels: s.levels, seed: s.noise };
      if (label !== null) body.label = label;
      const out = await api(`/api/ncsn/${encodeURIComponent(ncsn.id)}/same-object`, body);
      clearError(section);
      render(out, key);
    } catch (err) {
      section.dataset.state = "failed";
      showError(section, err);
    } finally {
      section.classList.remove("busy");
    }
  });

  function refresh() {
    if (started) request();
  }

  // --- controls -----------------------------------------------------------------------------------
  function setNoise(seed) {
    const value = Math.round(Number(seed));
    if (!Number.isFinite(value) || value < 0 || value > MAX_SEED) return syncControls();
    s.noise = value;
    syncControls();
    writeUrl();
    refresh();
  }

  function setLevels(levels) {
    s.levels = Math.min(maxLevels, Math.max(1, levels));
    syncControls();
    writeUrl();
    refresh();
  }

  function setLabel(on) {
    s.label = labelsAllowed && on;
    syncControls();
    writeUrl();
    refresh();
  }

  function wire() {
    const c = config;
    $("digits-models").textContent = `${ncsn.id}: ${c.levels ?? "?"} levels, σ ${c.sigma_max ?? "?"} → ${c.sigma_min ?? "?"}, `
      + `beside ${ddpm.id}: ${ddpm.card?.config?.timesteps ?? "?"} steps (its ${ddpm.card?.config?.schedule ?? ""} schedule). `
      + "One draw of noise z for every row.";
    $("digit-levels").replaceChildren(...Array.from({ length: maxLevels }, (_, i) => new Option(String(i + 1), String(i + 1))));
    $("digit-class").addEventListener("change", (e) => setClass(e.target.value === "" ? null : Number(e.target.value)));
    $("digit-prev").addEventListener("click", () => step(-1));
    $("digit-next").addEventListener("click", () => step(1));
    $("noise-seed").addEventListener("change", (e) => setNoise(e.target.value));
    $("new-noise").addEventListener("click", () => setNoise(Math.floor(Math.random() * 100000)));
    $("digit-levels").addEventListener("change", (e) => setLevels(Number(e.target.value)));
    $("digit-label").addEventListener("change", (e) => setLabel(e.target.checked));
    const field = $("digit-label-field");
    $("digit-label").disabled = !labelsAllowed;
    field.title = labelsAllowed ? "give the digit's class to both models (conditional scores)"
      : `both models must be class-conditional (${[ncsn, ddpm].filter((m) => !conditional(m)).map((m) => m.id).join(", ")} is not)`;
    syncControls();
  }

  wire();

  return {
    /** Load the linked set of digits and draw the table (once, when the section nears the screen). */
    async start() {
      if (started) return;
      started = true;
      if (await loadSet()) showDigit();
    },
    step,
    nextClass: () => setClass(s.cls === null ? 0 : s.cls === 9 ? null : s.cls + 1),
    newNoise: () => setNoise(Math.floor(Math.random() * 100000)),
    moreLevels: (delta) => setLevels(s.levels + delta),
    toggleLabel: () => setLabel(!s.label),
  };
}
