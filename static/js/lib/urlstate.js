// Page state mirrored in the query string, so any picture on screen has a permalink.
//
// Reads parse and clamp (a hand-edited URL never crashes a page); writes merge into the current
// query with history.replaceState, so moving a slider does not flood the back button.

function params() {
  return new URLSearchParams(window.location.search);
}

export function getString(key, fallback = null, allowed = null) {
  const value = params().get(key);
  if (value === null || value === "") return fallback;
  if (allowed && !allowed.includes(value)) return fallback;
  return value;
}

export function getNumber(key, fallback, { min = -Infinity, max = Infinity, integer = false } = {}) {
  const raw = params().get(key);
  if (raw === null || raw.trim() === "") return fallback;
  let value = Number(raw);
  if (!Number.isFinite(value)) return fallback;
  if (integer) value = Math.round(value);
  return Math.min(max, Math.max(min, value));
}

/** A comma-separated list of numbers, or null when absent/invalid. */
export function getNumbers(key, { min = -Infinity, max = Infinity } = {}) {
  const raw = params().get(key);
  if (!raw) return null;
  const values = raw.split(",").map(Number);
  if (values.some((v) => !Number.isFinite(v))) return null;
  return values.map((v) => Math.min(max, Math.max(min, v)));
}

/** Round for the URL: short, and the same number the picture was made from. */
export function round(value, digits = 2) {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function formatNumbers(values, digits = 2) {
  return values.map((v) => String(round(v, digits))).join(",");
}

/** This page's URL with `changes` merged into its query; null/undefined/"" removes a key. */
export function urlWith(changes) {
  const p = params();
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") p.delete(key);
    else p.set(key, String(value));
  }
  const query = p.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
  return `${window.location.pathname}${query ? `?${query}` : ""}${window.location.hash}`;
}

/** Merge `changes` into the query string (see urlWith), without a new history entry. */
export function setState(changes) {
  const url = urlWith(changes);
  if (url !== `${window.location.pathname}${window.location.search}${window.location.hash}`) {
    history.replaceState(history.state, "", url);
  }
}
