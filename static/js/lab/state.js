// What the lab's permalink keeps: family, data, seed, preset, the hyper-parameters the user set by
// hand (hp=lr_g:0.01,loss:hinge), steps per frame, the Step button's n and a drawn distribution.
// Opening the link starts a session with the same settings (the run itself is replayed by pressing play).
// A link to a reopened export (export=lab-gan-8gaussians-1a2b3c) opens that export again instead, with the
// hand-set hyper-parameters applied on top.

import { getNumber, getString, setState } from "../lib/urlstate.js";
import { decodePoints, encodePoints } from "./draw.js";

export const DEFAULTS = { family: "gan", data: "8gaussians", spf: 10, n: 50 };
export const SPEEDS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];
const EXPORT_ID = /^lab-[a-z0-9-]{1,48}$/;

/** "lr_g:0.01,loss:hinge" -> {lr_g: 0.01, loss: "hinge"} (numbers where they parse). */
export function decodeHp(text) {
  const out = {};
  for (const part of (text || "").split(",")) {
    const [name, value] = part.split(":");
    if (!name || value === undefined || !/^[a-z_0-9]{1,32}$/.test(name) || !value) continue;
    const number = Number(value);
    out[name] = value.trim() !== "" && Number.isFinite(number) ? number : value.slice(0, 32);
  }
  return out;
}

export const encodeHp = (hp) => Object.entries(hp).map(([k, v]) => `${k}:${v}`).join(",");

/** The lab's state from the URL, checked against GET /api/lab/options. */
export function readState(options) {
  const families = Object.keys(options.families);
  const family = getString("family", families.includes(DEFAULTS.family) ? DEFAULTS.family : families[0], families);
  const data = getString("data", DEFAULTS.data, options.data);
  const preset = getString("preset", null, presetsFor(options, family, data));
  const points = decodePoints(getString("pts"));
  return {
    family,
    data,
    seed: getNumber("seed", 0, { min: 0, max: 4294967295, integer: true }),
    preset,
    overrides: decodeHp(getString("hp")),
    spf: getNumber("spf", DEFAULTS.spf, { min: 1, max: 1000, integer: true }),
    n: getNumber("n", DEFAULTS.n, { min: 1, max: 1000, integer: true }),
    points,
    export: EXPORT_ID.test(getString("export", "")) ? getString("export") : null,
  };
}

/** Mirror the state in the URL (defaults left out, so links stay short). */
export function writeState(s) {
  setState({
    family: s.family,
    data: s.data,
    seed: s.seed,
    preset: s.preset,
    hp: encodeHp(s.overrides) || null,
    spf: s.spf === DEFAULTS.spf ? null : s.spf,
    n: s.n === DEFAULTS.n ? null : s.n,
    pts: s.data === "drawn" && s.points?.length ? encodePoints(s.points) : null,
    export: s.export || null,
  });
}

/** The presets that fit `family` on `data` (some exist on 2-D toys only), in the order the server lists them. */
export function presetsFor(options, family, data) {
  const fits = (p) => (data === "mnist" ? p.mnist_families : p.families).includes(family);
  return Object.entries(options.presets).filter(([, p]) => fits(p)).map(([name]) => name);
}
