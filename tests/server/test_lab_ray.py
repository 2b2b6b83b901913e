"""Lab sessions as Ray actors (GENLAB_RAY_ADDRESS): the same sessions, the same frames, on a local Ray
instance this test starts in-process."""

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import ray

from server.config import Settings
from server.lab import make_lab

SPEC = {"family": "gan", "data": "8gaussians", "seed": 5, "preset": "mode-collapse", "points": None, "hp": {},
        "steps_per_frame": 5}


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield
    ray.shutdown()


async def _frame_at(lab, session, step: int) -> dict:
    queue = lab.subscribe(session)
    try:
        while True:
            kind, frame = await asyncio.wait_for(queue.get(), 120)
            assert kind == "frame", frame
            if frame["step"] == step:
                return frame
    finally:
        lab.unsubscribe(session, queue)


async def _run(settings: Settings) -> tuple[dict, dict]:
    """Open a session, step 20, change a learning rate, step 10, play to 50: the frames at 30 and at the end."""
    lab = make_lab(settings)
    await lab.start()
    try:
        session = await lab.create(dict(SPEC), "test")
        await lab.control(session, {"action": "step", "n": 20})
        await lab.control(session, {"action": "change", "hp": {"lr_d": 0.002}})
        await lab.control(session, {"action": "step", "n": 10})
        at_30 = await _frame_at(lab, session, 30)
        await lab.control(session, {"action": "play"})
        at_50 = await _frame_at(lab, session, 50)
        await lab.end(session, "closed", "done")
        return at_30, at_50
    finally:
        await lab.shutdown()


def _in_a_thread(coroutine):
    """asyncio.run in a thread of its own: the browser tests' Playwright may hold this thread's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _without_clock(frame: dict) -> dict:
    return {k: v for k, v in frame.items() if k not in ("budget", "state")}


def test_ray_actors_run_the_same_sessions_as_local_workers(local_ray):
    ray_frames = _in_a_thread(_run(Settings(ray_address="local", lab_start_seconds=120)))
    assert ray_frames[0]["hp"]["lr_d"] == 0.002 and ray_frames[1]["step"] == 50
    deadline = time.monotonic() + 30  # ray.kill returns at once; the CPU comes back when the actor is gone
    while ray.available_resources().get("CPU") != 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ray.available_resources().get("CPU") == 2, "the session's actor was ended and its CPU returned"
    local_frames = _in_a_thread(_run(Settings(lab_start_seconds=120)))
    assert [_without_clock(f) for f in ray_frames] == [_without_clock(f) for f in local_frames]


def test_a_bad_spec_fails_the_actor_cleanly(local_ray):
    async def run():
        lab = make_lab(Settings(ray_address="local", lab_start_seconds=120))
        await lab.start()
        try:
            with pytest.raises(Exception, match="lr_g"):
                await lab.create({**SPEC, "hp": {"lr_g": 9.0}}, "test")
        finally:
            await lab.shutdown()

    _in_a_thread(run())
