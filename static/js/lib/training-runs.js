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

/** For a card with its whole history (--whole-history): which run trained `epoch`, as "run 3 of 12". */
export function runOfEpoch(training, epoch) {
  const runs = [...(training?.previous_runs || []), training || {}];
  let end = 0;
  const i = runs.findIndex((run) => (end += run.epochs || 0) >= epoch);
  return `run ${i < 0 ? runs.length : i + 1} of ${runs.length}`;
}

/**
 * Seconds of training at an epoch or a step: linear within each run, run after run for a card with its whole
 * history (the runs went at different rates, e.g. a GAN's later runs took 5 G steps per D step); only the last
 * run for a card that kept only that run's curves.
 */
export function trainingClock(training) {
  const runs = training?.whole_history ? [...(training.previous_runs || []), training] : [training || {}];
  const at = (key, value) => {
    let [start, seconds] = [0, 0];
    for (const run of runs) {
      const length = run[key] || 0;
      if (value <= start + length || run === runs.at(-1)) return seconds + ((value - start) / (length || 1)) * (run.seconds || 0);
      [start, seconds] = [start + length, seconds + (run.seconds || 0)];
    }
    return seconds;
  };
  return { atEpoch: (e) => at("epochs", e), atStep: (s) => at("steps", s) };
}
