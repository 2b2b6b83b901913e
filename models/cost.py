"""What a network evaluation costs on this machine, measured once when a model is loaded.

The server prices every request before running it: network evaluations per image x the time of
one evaluation for its batch. Time is modelled as a fixed overhead per call plus a per-image part
(two points, batch 1 and batch 16, fit it), because small batches do not scale down linearly.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class EvaluationCost:
    overhead_seconds: float  # per call, whatever the batch
    per_image_seconds: float

    def seconds(self, batch: int) -> float:
        """Estimated wall time of one network evaluation over `batch` images."""
        return self.overhead_seconds + self.per_image_seconds * batch


def _fastest_cpu_seconds(run: Callable[[], None], repeats: int) -> float:
    """The least CPU time of several runs, on this thread alone (the caller has torch on one thread)."""
    run()  # warm-up: first calls allocate and pick kernels
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        run()
        times.append(time.thread_time() - start)
    return min(times)


def one_core_seconds(run: Callable[[], None], repeats: int) -> float:
    """The least CPU time of `repeats` runs of `run` with torch on this thread alone (see
    measure_evaluation_cost for why CPU time on one core, not wall time)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with torch.inference_mode():
            return _fastest_cpu_seconds(run, repeats)
    finally:
        torch.set_num_threads(threads)


def measure_evaluation_cost(probe: Callable[[int], None], batch: int = 16, repeats: int = 5) -> EvaluationCost:
    """Fit overhead + per-image time from `probe(n)` (one network evaluation on n images).

    Timed as CPU seconds of one core, torch on a single thread: a machine busy with other work
    stretches wall time (our threads wait for a core, their partners spin at barriers) but not the
    CPU time of a lone thread, so a server started beside a test suite or a training run prices
    requests as it would on a quiet machine. One core's time is also what a request gets when every
    slot is busy, so the budget errs on the side of refusing."""
    one = one_core_seconds(lambda: probe(1), repeats)
    many = one_core_seconds(lambda: probe(batch), repeats)
    # noise can make batch 16 look no dearer than batch 1: never price an image below a quarter
    # of its batch-16 average
    per_image = max((many - one) / (batch - 1), many / batch / 4)
    return EvaluationCost(overhead_seconds=max(one - per_image, 0.0), per_image_seconds=per_image)
