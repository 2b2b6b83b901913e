// One live-lab session over HTTP (docs/lab.md): create it, read its frames (SSE), steer it (POST), end it.
//
// Not lib/api.js's `api()`: that one retries a busy server quietly, while the lab must say "the lab is
// full, trying again in 12 s" on the projector. The errors are the same ApiError, with `retryAfter`.

import { ApiError, diagnoseStream, formatDetail } from "../lib/api.js";

const BASE = "/api/lab";

async function request(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(`${BASE}${path}`, init);
  } catch (err) {
    throw new ApiError(0, `network error: the server did not answer (${err.message})`, path);
  }
  if (response.status === 204) return null;
  let data = null;
  try {
    data = await response.json();
  } catch { /* not JSON */ }
  if (response.ok) return data;
  const error = new ApiError(response.status, `${response.status}: ${formatDetail(data?.detail) || response.statusText}`, path);
  error.retryAfter = Number(response.headers.get("Retry-After")) || null;
  throw error;
}

/** GET /api/lab/options: families with their params, data sets, presets, limits. */
export const labOptions = () => request("GET", "/options");

/**
 * Create a session (or, with spec.export, reopen that lab-only export in a new one) and start reading its
 * frames. handlers: {frame(frame), end({reason, detail}), lost(error)}.
 * Resolves to {info, control, close, logUrl, export}; rejects with an ApiError (404, 422, 429, 503...).
 */
export async function openSession(spec, handlers) {
  const info = spec.export
    ? await request("POST", `/exports/${encodeURIComponent(spec.export)}/session`, { steps_per_frame: spec.steps_per_frame })
    : await request("POST", "/sessions", spec);
  const id = encodeURIComponent(info.id);
  let source = null;
  let ended = false;

  function listen() {
    source = new EventSource(`${BASE}/sessions/${id}/events`);
    source.addEventListener("frame", (event) => handlers.frame(JSON.parse(event.data)));
    source.addEventListener("end", (event) => {
      ended = true;
      source.close();
      handlers.end(JSON.parse(event.data));
    });
    source.addEventListener("error", async () => {
      if (ended || source.readyState !== EventSource.CLOSED) return; // EventSource reconnects by itself
      ended = true;
      handlers.lost(await diagnoseStream(`${BASE}/sessions/${id}/events`)
        || new ApiError(0, "the frame stream closed", "events"));
    });
  }

  function close() {
    ended = true;
    source?.close();
    // keepalive: the DELETE still goes out while the page unloads
    return fetch(`${BASE}/sessions/${id}`, { method: "DELETE", keepalive: true }).catch(() => null);
  }

  listen();
  return {
    info,
    id: info.id,
    /** POST a control ({action: "play"} ...); resolves to {state, step, hp, steps_per_frame}. */
    control: (message) => request("POST", `/sessions/${id}/control`, message),
    exportModel: (title = null) => request("POST", `/sessions/${id}/export`, title ? { title } : {}),
    logUrl: `${BASE}/sessions/${id}/log.csv`,
    ended: () => ended,
    close,
  };
}
