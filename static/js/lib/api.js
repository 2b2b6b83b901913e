// Talking to genlab's JSON API: one fetch helper, readable errors, and helpers for live controls.
//
// Every request goes through `api()`: it sends JSON, turns `{"detail": ...}` answers (a string, or
// FastAPI's list of pydantic errors) into an ApiError with a readable message, retries a 503
// ("busy") after its Retry-After, and keeps at most MAX_IN_FLIGHT requests open so a page that
// loads eight pictures at once does not flood a two-core server.

const MAX_IN_FLIGHT = 2;
const MAX_RETRIES = 3;

export class ApiError extends Error {
  constructor(status, message, path) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.path = path;
  }
}

/** One readable line per pydantic error: "body → n: Input should be less than or equal to 64". */
export function formatDetail(detail) {
  if (detail == null) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((e) => {
        if (typeof e !== "object" || e === null) return String(e);
        const loc = Array.isArray(e.loc) ? e.loc.filter((p) => p !== "body").join(" → ") : "";
        return loc ? `${loc}: ${e.msg}` : e.msg || JSON.stringify(e);
      })
      .join("; ");
  }
  if (typeof detail === "object") {
    return detail.message || detail.msg || JSON.stringify(detail);
  }
  return String(detail);
}

// --- a small semaphore -------------------------------------------------------------------------
let inFlight = 0;
const waiting = [];

async function acquire() {
  if (inFlight < MAX_IN_FLIGHT) {
    inFlight += 1;
    return;
  }
  await new Promise((resolve) => waiting.push(resolve));
  inFlight += 1;
}

function release() {
  inFlight -= 1;
  const next = waiting.shift();
  if (next) next();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function errorFrom(response, path) {
  let text = "";
  let message = "";
  try {
    text = await response.text();
    message = formatDetail(JSON.parse(text).detail);
  } catch {
    message = text.slice(0, 200);
  }
  const what = { 404: "not found", 409: "not supported by this model", 422: "invalid request", 503: "server busy" };
  const head = `${response.status}${what[response.status] ? ` ${what[response.status]}` : ""}`;
  return new ApiError(response.status, `${head}: ${message || response.statusText}`, path);
}

/**
 * GET `path` (body undefined) or POST `body` as JSON; resolves to the parsed JSON answer.
 * `signal` (an AbortController's) voids a request a newer one supersedes: still queued, it never goes out
 * (it would hold one of the MAX_IN_FLIGHT slots for an answer nobody shows); sent, it is cancelled, which
 * the server sees as its client leaving. Either way the promise rejects with the signal's AbortError.
 */
export async function api(path, body, { signal } = {}) {
  const init = body === undefined
    ? { headers: { Accept: "application/json" }, signal }
    : { method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body), signal };
  for (let attempt = 0; ; attempt += 1) {
    await acquire();
    let response;
    try {
      signal?.throwIfAborted();
      response = await fetch(path, init);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      throw new ApiError(0, `network error: the server did not answer (${err.message})`, path);
    } finally {
      release();
    }
    if (response.ok) return response.json();
    if (response.status === 503 && attempt < MAX_RETRIES) {
      const after = Number(response.headers.get("Retry-After")) || 1;
      await sleep(Math.min(after, 5) * 1000);
      continue;
    }
    throw await errorFrom(response, path);
  }
}

/** POST to a model route: `post("vae-mnist", "sample", {n: 8})`. */
export function post(modelId, route, body) {
  return api(`/api/models/${encodeURIComponent(modelId)}/${route}`, body);
}

// --- showing errors ----------------------------------------------------------------------------

function errorBox(target) {
  if (target instanceof Element) {
    if (target.matches(".error")) return target;
    const own = target.querySelector(":scope .error");
    if (own) return own;
  }
  return document.getElementById("global-error");
}

// Who put the message in the page banner: a section without an error box of its own borrows it, and its next
// success may take back only its own message, never the page's (e.g. "model X from the link is not loaded").
let bannerOwner = null;

/** Show `err` in the `.error` box of `target` (a section) or in the page banner. */
export function showError(target, err) {
  const box = errorBox(target);
  if (!box) return;
  const message = err instanceof Error ? err.message : String(err);
  box.textContent = `⚠ ${message}`;
  box.hidden = false;
  if (box.id === "global-error") bannerOwner = target ?? null;
}

/** Hide `target`'s error; the page banner only if `target` put it there (null: the page's own). */
export function clearError(target) {
  const box = errorBox(target);
  if (!box || (box.id === "global-error" && bannerOwner !== (target ?? null))) return;
  box.hidden = true;
  box.textContent = "";
}

/**
 * Run `task()` for a section: marks `target` busy, shows any error in it, clears it on success.
 * Resolves to the task's value, or undefined when it failed (the error is on screen).
 */
export async function guarded(target, task) {
  target?.classList?.add("busy");
  try {
    const value = await task();
    clearError(target);
    return value;
  } catch (err) {
    showError(target, err);
    console.error(err);
    return undefined;
  } finally {
    target?.classList?.remove("busy");
  }
}

// --- live controls -----------------------------------------------------------------------------

/**
 * Wrap an async `fn` so at most one call runs at a time and the latest arguments always win:
 * calls made while one is running collapse into a single follow-up call with the newest arguments.
 * Sliders and drags use this so the picture always ends on the last position, never a stale one.
 */
export function latest(fn) {
  let running = false;
  let pending = null;
  return function call(...args) {
    if (running) {
      pending = args;
      return;
    }
    running = true;
    Promise.resolve()
      .then(() => fn(...args))
      .catch((err) => console.error(err))
      .finally(() => {
        running = false;
        if (pending) {
          const next = pending;
          pending = null;
          call(...next);
        }
      });
  };
}

/** Call `fn` at most every `ms` milliseconds; the last call in a burst always runs (trailing edge). */
export function throttle(fn, ms) {
  let last = 0;
  let timer = null;
  let lastArgs = null;
  return function throttled(...args) {
    lastArgs = args;
    const wait = last + ms - Date.now();
    if (wait <= 0) {
      clearTimeout(timer);
      timer = null;
      last = Date.now();
      fn(...lastArgs);
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = null;
        last = Date.now();
        fn(...lastArgs);
      }, wait);
    }
  };
}

/** Why an event stream (EventSource) was refused, which EventSource itself never says: an ApiError with the server's detail, or null when it would have run. */
export async function diagnoseStream(url) {
  const abort = new AbortController();
  try {
    const response = await fetch(url, { signal: abort.signal, headers: { Accept: "application/json" } });
    if (response.ok) return null;
    let message = response.statusText;
    try {
      message = formatDetail((await response.json()).detail) || message;
    } catch { /* not JSON */ }
    const error = new ApiError(response.status, `${response.status}: ${message}`, url);
    error.retryAfter = Number(response.headers.get("Retry-After")) || 1;
    return error;
  } catch (err) {
    return new ApiError(0, `network error: the server did not answer (${err.message})`, url);
  } finally {
    abort.abort(); // a 200 would start sampling: stop it at once
  }
}
