// A checkpoint trained in several runs (each continued with --init-from) keeps the earlier runs'
// figures under training.previous_runs; these helpers count all of them, not only the last run.

/** How many runs trained this checkpoint: 1 unless it continued earlier ones. */
export const runCount = (training) => (training?.previous_runs?.length ?? 0) + 1;

/** The sum of `key` (epochs, steps, seconds) over every run of this training. */
export function totalOf(training, key) {
  const runs = [...(training?.previous_runs || []), training || {}];
  return runs.reduce((sum, run) => sum + (run[key] || 0), 0);
}

/** "64" for one run; "124 in 2 runs (60 + 64)" when this run continued earlier ones. */
export function withEarlier(training, key) {
  const earlier = training?.previous_runs || [];
  const last = training?.[key] ?? 0;
  if (!earlier.length) return String(last);
  const parts = [...earlier.map((run) => run[key] || 0), last];
  const list = parts.length <= 4 ? ` (${parts.join(" + ")})` : "";
  return `${totalOf(training, key)} in ${parts.length} runs${list}`;
}
