"""Worker threads that own their torch threads: one fixed pool per lane of the execution path.

torch's intra-op thread count is a per-thread setting (OpenMP's nthreads ICV): a request run in a fresh
thread starts a team as large as all the cores, so four concurrent requests on two cores ran eight busy
threads that spun at barriers and waited for each other (issue 18 measured this). Each worker here sets
its own count once, when it starts, to GENLAB_WORKER_TORCH_THREADS (1 by default, with as many workers
per lane as cores), so concurrent requests share the cores instead of fighting over them.

The count is fixed, never sized to the load of the moment: a one-image network pass on 1 thread and on
2 threads differs in the last bits, and a seed's answer must not depend on how busy the server was
(docs/execution.md has the measurements). The light and heavy lanes keep pools of their own, so a cheap
request never waits behind expensive work for a thread either.
"""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import torch

from server.tickets import yield_to_the_event_loop


def _start_worker(torch_threads: int) -> None:
    """A worker's start: a lower CPU priority than the event loop, and its own torch thread count."""
    yield_to_the_event_loop()
    torch.set_num_threads(torch_threads)


class WorkerPool:
    """`workers` threads, each running torch on `torch_threads` threads of its own."""

    def __init__(self, name: str, workers: int, torch_threads: int):
        self.name = name
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=f"genlab-{name}", initializer=_start_worker,
                                        initargs=(torch_threads,))

    async def run(self, work: Callable[[], Any]) -> Any:
        """`work()` in one of this pool's threads. The fair slots in front of the pool admit at most as many
        requests as it has workers, so nothing queues here."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, work)

    def run_at_start_up(self, work: Callable[[], Any]) -> Any:
        """`work()` in one of this pool's threads, waited for: warm-ups that must see a worker's own thread state
        (its torch thread count is part of what a compiled graph was compiled for)."""
        return self._pool.submit(work).result()

    def shutdown(self) -> None:
        """Stop taking work; a running request finishes (its ticket stops it at the next checkpoint)."""
        self._pool.shutdown(wait=False, cancel_futures=True)
