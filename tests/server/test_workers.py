"""Each worker of the execution path runs torch on a fixed number of threads of its own (server.workers):
concurrent requests share the cores instead of each starting a team as large as the machine, and a
seed's answer does not depend on how busy the server is."""

import asyncio
import threading
from pathlib import Path

import torch

from models.registry import load_model
from server.config import REPO_ROOT
from server.workers import WorkerPool
from tests.server.loop import run


def _in_pool(pool: WorkerPool, *jobs):
    async def scenario():
        return await asyncio.gather(*(pool.run(job) for job in jobs))

    return run(scenario())


def test_every_worker_runs_torch_on_its_own_fixed_thread_count_however_many_jobs_run():
    pool = WorkerPool("heavy", 2, torch_threads=1)
    together = threading.Barrier(2, timeout=10)

    def job() -> int:
        together.wait()  # both jobs running at once, on two workers
        return torch.get_num_threads()

    try:
        assert _in_pool(pool, job, job) == [1, 1]
        assert _in_pool(pool, torch.get_num_threads) == [1]  # alone: still its own count, not the machine's
    finally:
        pool.shutdown()


def test_a_one_image_pass_gives_the_same_bits_alone_and_beside_other_work():
    """The shipped DDPM's one-image pass differs in its last bits between 1 and 2 torch threads (measured):
    sizing a job's threads to the load would make a seed's digits depend on who else was being served."""
    model = load_model(Path(REPO_ROOT) / "checkpoints" / "ddpm-mnist.json").module
    x = torch.randn(1, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    label = torch.tensor([3])

    def eps() -> torch.Tensor:
        with torch.inference_mode():
            return model.eps(x, 500, label, 1.0)

    pool = WorkerPool("heavy", 2, torch_threads=1)
    try:
        (alone,) = _in_pool(pool, eps)
        busy, _ = _in_pool(pool, eps, lambda: [eps() for _ in range(5)])
    finally:
        pool.shutdown()
    assert torch.equal(alone, busy)
