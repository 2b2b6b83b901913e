// Which diffusion sampler to use at which budget, from the cost-quality curve a diffusion card carries
// (genlab evaluate --sampler-costs: FD and guided accuracy against network evaluations per image, every
// sampler). Shared by the diffusion page's chart and the home page's one-line advice.

export const SAMPLER_NAMES = { ddpm: "DDPM", ddim: "DDIM", sde: "reverse SDE", ode: "probability-flow ODE",
  langevin: "annealed Langevin" };

/** FD over the real-vs-real floor at the same n: 1 is as close to the training digits as held-out digits are. */
export const ratio = (p) => p.frechet_distance / p.floor;

/**
 * The curve's points grouped by budget: budget b holds each sampler's point with the most evaluations
 * not above b (the ODE's Heun steps come in pairs and Langevin's levels too, so their 9 evaluations
 * compete at 10); the budgets are DDIM's step counts, one evaluation each. Returns
 * [{budget, points, best}] by rising budget, best being the point of lowest FD ÷ floor.
 */
export function byBudget(points) {
  const budgets = [...new Set(points.filter((p) => p.sampler === "ddim").map((p) => p.evaluations))].sort((a, b) => a - b);
  return budgets.map((budget) => {
    const within = Object.keys(SAMPLER_NAMES).map((name) => pointWithin(points, name, budget)).filter(Boolean);
    return { budget, points: within, best: lowestRatio(within) };
  });
}

/** A sampler's point with the most evaluations not above `budget` (undefined if it has none). */
export function pointWithin(points, sampler, budget) {
  return points.filter((p) => p.sampler === sampler && p.evaluations <= budget)
    .sort((a, b) => b.evaluations - a.evaluations)[0];
}

/** The point of lowest FD ÷ floor. */
export const lowestRatio = (points) => points.reduce((a, b) => (ratio(b) < ratio(a) ? b : a));

/** One sentence: the best sampler at each budget, neighbouring budgets with the same best taken together. */
export function advice(points) {
  const runs = [];
  for (const { budget, best } of byBudget(points)) {
    const run = runs[runs.length - 1];
    if (run && run.sampler === best.sampler) run.to = budget;
    else runs.push({ sampler: best.sampler, from: budget, to: budget });
  }
  return runs.map(({ sampler, from, to }) => `${from === to ? `≤ ${to}` : `${from}–${to}`} passes: ${SAMPLER_NAMES[sampler]}`)
    .join(" · ");
}
