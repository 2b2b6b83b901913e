// The Langevin chains as Server-Sent Events (GET /api/score2d/{id}/langevin/stream, lib/event-stream.js).

import { openEventStream, queryUrl } from "../lib/event-stream.js";

/** The stream's URL for a model and the request's fields. */
export const langevinUrl = (modelId, fields) => queryUrl(`/api/score2d/${encodeURIComponent(modelId)}/langevin/stream`, fields);

/** Open the stream (handlers as openEventStream's); returns {close()}. */
export const openLangevin = (url, handlers) => openEventStream(url, handlers, { again: "r" });
