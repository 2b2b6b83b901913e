// The prior writing tokens as Server-Sent Events (GET /api/vqvae/{id}/stream): `start`, one `token` per
// cell, then `done`; `error` ({detail}) from the server. lib/event-stream.js does the rest (every exit
// closes the EventSource, a refusal before `start` is asked once more with fetch to read its detail).

import { openEventStream, queryUrl } from "../lib/event-stream.js";

/** The stream's URL for a model: label (null: the server draws one), seed, temperature. */
export const tokenStreamUrl = (modelId, fields) => queryUrl(`/api/vqvae/${encodeURIComponent(modelId)}/stream`, fields);

/** Open the stream: handlers onStart, onToken, onDone, onError, onRetry(seconds). Returns {close()}. */
export const openTokenStream = (url, { onToken, ...handlers }) =>
  openEventStream(url, { ...handlers, onStep: onToken }, { again: "Enter", frameEvent: "token" });
