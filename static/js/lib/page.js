// Start-up steps the explorer pages share: load the model list, pick the model the link asks for,
// and the shortcut rows every page has (section jumps, j / k, h).

import { api, showError } from "./api.js";
import { getString } from "./urlstate.js";

/** GET /api/models; on failure the error is shown on the page and the result is null. */
export async function loadModels() {
  try {
    return await api("/api/models");
  } catch (err) {
    showError(null, err);
    return null;
  }
}

/**
 * Set ctx.model from ctx.models: the URL's ?model=, else defaultId, else the first one. If the link
 * asked for a model that is not loaded, say so; notLoaded(wanted) adds the reason when no checkpoint failed.
 */
export function pickModel(ctx, failed, defaultId, notLoaded = () => "") {
  const wanted = getString("model", defaultId);
  ctx.model = ctx.models.find((m) => m.id === wanted) || ctx.models.find((m) => m.id === defaultId) || ctx.models[0];
  if (ctx.model.id !== wanted && getString("model")) {
    const fail = failed.find((f) => f.id === wanted);
    showError(null, `Model ${wanted} from the link is not loaded${fail ? ` (its checkpoint failed: ${fail.error})` : notLoaded(wanted)}; `
      + `showing ${ctx.model.id} instead.`);
  }
}

/**
 * The start the explorer pages share: GET /api/models, keep the models `which` accepts in ctx.models and
 * pick the link's one (pickModel). Returns the listing, or null when the page cannot go on: the list
 * failed to load (the error is shown), or no loaded model fits (`missing`, which says why, is shown).
 */
export async function loadPageModels(ctx, { which, missing, defaultId }) {
  const listing = await loadModels();
  if (!listing) return null;
  ctx.models = listing.models.filter(which);
  if (!ctx.models.length) {
    showError(null, missing);
    return null;
  }
  pickModel(ctx, listing.failed || [], defaultId);
  return listing;
}

/** The shortcut rows that end every page's table: jumps = [[keys, section id, name], ...], then j / k and h. */
export function navShortcuts(nav, jumps) {
  return [
    ...jumps.map(([keys, sec, name]) => ({ keys, label: `jump to ${name}`, run: () => nav.goTo(sec) })),
    { keys: ["j", "k"], label: "next / previous section", run: (e) => nav.step(e.key === "j" ? 1 : -1) },
    { keys: ["h"], label: "home page (all families)", run: () => { window.location.href = "/"; } },
  ];
}
