// The reverse process as Server-Sent Events (lib/event-stream.js): `start`, one `step` per kept frame,
// then `done`.

import { openEventStream, queryUrl } from "../lib/event-stream.js";

/** The trajectory stream's URL for a model and the run's settings. */
export const streamUrl = (modelId, settings) =>
  queryUrl(`/api/models/${encodeURIComponent(modelId)}/trajectory/stream`, settings);

/** Open a trajectory stream (handlers as openEventStream's); returns {close()}. */
export const openStream = (url, handlers) => openEventStream(url, handlers, { again: "Run" });
