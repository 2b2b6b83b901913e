// Server-Sent Events from a model run (the diffusion trajectory, the score page's Langevin chains, the
// VQ-VAE prior's tokens): a `start`, one `step` (or, named by the caller, e.g. `token`) per kept frame, then
// `done`, or the server's own `error` ({detail}, e.g. past its deadline).
//
// EventSource reconnects by itself when a stream ends or fails, which here would silently restart the
// whole run; so every exit path closes it. EventSource also hides the HTTP status of a refused stream
// (422 bad settings, 503 busy), so on a failure before `start` we ask the same URL once with fetch to
// read the `{"detail": ...}` (and honour Retry-After for a 503).

import { diagnoseStream } from "./api.js";

const MAX_BUSY_RETRIES = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `path` with the fields as its query string; null, undefined and "" are left out. */
export function queryUrl(path, fields) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== null && value !== undefined && value !== "") q.set(key, String(value));
  }
  return `${path}?${q}`;
}

/**
 * Open a stream. Handlers: onStart(settings), onStep(frame), onDone(result), onError(err), onRetry(seconds);
 * `again` is what the reader should press to run it again (said when the stream breaks off), `frameEvent` the
 * name of the frame events. Returns {close()}; closing is final (no handler is called afterwards).
 */
export function openEventStream(url, { onStart = () => {}, onStep = () => {}, onDone = () => {}, onError = () => {},
  onRetry = () => {} } = {}, { again = "Run", frameEvent = "step" } = {}) {
  let source = null;
  let closed = false;
  let started = false;
  let frames = 0;

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
    source.addEventListener("start", (event) => {
      started = true;
      onStart(JSON.parse(event.data));
    });
    source.addEventListener(frameEvent, (event) => {
      frames += 1;
      onStep(JSON.parse(event.data));
    });
    source.addEventListener("done", (event) => {
      close();
      onDone(JSON.parse(event.data));
    });
    source.addEventListener("error", async (event) => {
      source.close();
      if (closed) return;
      if (event.data) return fail(new Error(JSON.parse(event.data).detail || "the server stopped the run"));
      if (started) {
        return fail(new Error(`the stream broke off after ${frames} frame${frames === 1 ? "" : "s"} (server restarted `
          + `or the connection dropped); press ${again} to try again`));
      }
      const err = await diagnoseStream(url);
      if (closed) return;
      // busy (503), or it would run now (a slot freed meanwhile): try again, a few times
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
