// Server-Sent Events for the reverse process: `start`, one `step` per kept frame, then `done`.
//
// EventSource reconnects by itself when a stream ends or fails, which here would silently restart
// the whole sampling run; so every exit path closes it. EventSource also hides the HTTP status of a
// refused stream (422 bad settings, 503 busy), so on a failure before `start` we ask the same URL
// once with fetch to read the `{"detail": ...}` (and honour Retry-After for a 503).

import { diagnoseStream } from "../lib/api.js";

const MAX_BUSY_RETRIES = 3;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The query string for a trajectory stream; null/undefined values are left out. */
export function streamUrl(modelId, settings) {
  const q = new URLSearchParams();
  for (const [key, value] of Object.entries(settings)) {
    if (value !== null && value !== undefined && value !== "") q.set(key, String(value));
  }
  return `/api/models/${encodeURIComponent(modelId)}/trajectory/stream?${q}`;
}

/**
 * Open a trajectory stream. Handlers: onStart(settings), onStep(frame), onDone(result), onError(err),
 * onRetry(seconds). Returns {close()}; closing is final (no handler is called afterwards).
 */
export function openStream(url, { onStart = () => {}, onStep = () => {}, onDone = () => {}, onError = () => {},
  onRetry = () => {} } = {}) {
  let source = null;
  let closed = false;
  let started = false;
  let frames = 0;

  const close = () => {
    closed = true;
    source?.close();
  };

  const connect = (attempt) => {
    if (closed) return;
    source = new EventSource(url);
    source.addEventListener("start", (event) => {
      started = true;
      onStart(JSON.parse(event.data));
    });
    source.addEventListener("step", (event) => {
      frames += 1;
      onStep(JSON.parse(event.data));
    });
    source.addEventListener("done", (event) => {
      close();
      onDone(JSON.parse(event.data));
    });
    source.addEventListener("error", async () => {
      source.close();
      if (closed) return;
      if (started) {
        close();
        onError(new Error(`the stream broke off after ${frames} frame${frames === 1 ? "" : "s"} (server restarted or the connection dropped); press Run to try again`));
        return;
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
      close();
      onError(err || new Error("the stream could not be opened (the server kept refusing it)"));
    });
  };

  connect(0);
  return { close };
}
