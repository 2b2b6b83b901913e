// The Langevin event stream (GET /api/score2d/{id}/langevin/stream): `start`, a `step` per kept frame,
// `done`, or the server's own `error` ({detail}, e.g. past the deadline). The same pattern as the
// diffusion page's trajectory stream: EventSource would silently reconnect (and rerun the chains) after
// any failure, so every exit closes it; and since it hides why a stream was refused, a failure before
// `start` asks the same URL once with fetch (lib/api.js diagnoseStream) and retries a 503 after Retry-After.

import { diagnoseStream } from "../lib/api.js";

const MAX_BUSY_RETRIES = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The stream's URL for a model and the request's fields (null / undefined left out). */
export function langevinUrl(modelId, fields) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined && value !== "") q.set(key, String(value));
  }
  return `/api/score2d/${encodeURIComponent(modelId)}/langevin/stream?${q}`;
}

/** Open the stream; handlers onStart, onStep, onDone, onError(err), onRetry(seconds). Returns {close()}. */
export function openLangevin(url, { onStart = () => {}, onStep = () => {}, onDone = () => {}, onError = () => {},
  onRetry = () => {} } = {}) {
  let source = null;
  let closed = false;
  let started = false;
  const close = () => {
    closed = true;
    source?.close();
  };
  const fail = (err) => {
    close();
    onError(err);
  };

  const connect = (attempt) => {
    if (closed) return;
    source = new EventSource(url);
    source.addEventListener("start", (e) => { started = true; onStart(JSON.parse(e.data)); });
    source.addEventListener("step", (e) => onStep(JSON.parse(e.data)));
    source.addEventListener("done", (e) => { close(); onDone(JSON.parse(e.data)); });
    source.addEventListener("error", async (e) => {
      source.close();
      if (closed) return;
      if (e.data) return fail(new Error(JSON.parse(e.data).detail || "the server stopped the chains"));
      if (started) return fail(new Error("the stream broke off (the server restarted or the connection dropped); press r to run again"));
      const err = await diagnoseStream(url);
      if (closed) return;
      if ((!err || err.status === 503) && attempt < MAX_BUSY_RETRIES) {
        const wait = Math.min(err?.retryAfter ?? 1, 5);
        onRetry(wait);
        await sleep(wait * 1000);
        connect(attempt + 1);
        return;
      }
      fail(err || new Error("the stream could not be opened (the server kept refusing it)"));
    });
  };

  connect(0);
  return { close };
}
