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


def _fastest_seconds(run: Callable[[], None], repeats: int) -> float:
    """The fastest of several runs: what the machine can do, not what a busy moment let it do."""
    run()  # warm-up: first calls allocate and pick kernels
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def measure_evaluation_cost(probe: Callable[[int], None], batch: int = 16, repeats: int = 5) -> EvaluationCost:
    """Fit overhead + per-image time from `probe(n)` (one network evaluation on n images)."""
    with torch.inference_mode():
        one = _fastest_seconds(lambda: probe(1), repeats)
        many = _fastest_seconds(lambda: probe(batch), repeats)
    # timing noise can make batch 16 look no dearer than batch 1: never price an image below a
    # quarter of its batch-16 average
    per_image = max((many - one) / (batch - 1), many / batch / 4)
    return EvaluationCost(overhead_seconds=max(one - per_image, 0.0), per_image_seconds=per_image)
