"""Fair slots: a client's share, the order in which freed slots are handed out, 429 and 503."""

import asyncio

import pytest

from server.fairness import FairSlots, ServerBusy, TooManyRequests
from tests.server.loop import run


def test_a_client_cannot_hold_every_slot_while_another_waits():
    async def scenario():
        slots = FairSlots("heavy", total=2, per_client=1, queue_per_client=4, wait_seconds=1)
        await slots.acquire("hog")
        second_hog = asyncio.create_task(slots.acquire("hog"))  # over its share: waits
        await asyncio.sleep(0.01)
        assert slots.busy == 1 and not second_hog.done()
        await slots.acquire("student")  # the free slot goes to the other client at once
        assert slots.busy == 2
        slots.release("hog")
        await second_hog  # the hog's second request runs once its first ended
        assert slots.busy == 2

    run(scenario())


def test_a_freed_slot_goes_to_the_client_holding_fewest():
    async def scenario():
        slots = FairSlots("heavy", total=2, per_client=2, queue_per_client=4, wait_seconds=1)
        await slots.acquire("hog")
        await slots.acquire("hog")
        hog_again = asyncio.create_task(slots.acquire("hog"))
        await asyncio.sleep(0.01)
        student = asyncio.create_task(slots.acquire("student"))  # arrived later, holds nothing
        await asyncio.sleep(0.01)
        slots.release("hog")
        await asyncio.sleep(0.01)
        assert student.done() and not hog_again.done()
        slots.release("hog")
        await hog_again

    run(scenario())


def test_over_its_queue_a_client_gets_429_and_a_full_lane_503():
    async def scenario():
        slots = FairSlots("light", total=1, per_client=1, queue_per_client=1, wait_seconds=0.05)
        await slots.acquire("a")
        waiting = asyncio.create_task(slots.acquire("a"))
        await asyncio.sleep(0.01)
        with pytest.raises(TooManyRequests):
            await slots.acquire("a")
        with pytest.raises(ServerBusy):  # b waits its 0.05 s, no slot frees
            await slots.acquire("b")
        with pytest.raises(ServerBusy):
            await waiting
        assert slots.busy == 1 and slots.waiting == 0
        slots.release("a")
        assert slots.busy == 0

    run(scenario())


def test_a_cancelled_waiter_leaves_no_slot_behind():
    async def scenario():
        slots = FairSlots("heavy", total=1, per_client=1, queue_per_client=4, wait_seconds=5)
        await slots.acquire("a")
        waiter = asyncio.create_task(slots.acquire("b"))
        await asyncio.sleep(0.01)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
        slots.release("a")
        assert slots.busy == 0 and slots.waiting == 0

    run(scenario())
