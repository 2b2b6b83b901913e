"""Slots shared fairly between clients: no client holds more than its share while others wait.

A lane has a fixed number of slots (one model call each). A client (by address) may hold at most
`per_client` of them and queue at most `queue_per_client` more; beyond that it is told 429. When a
slot frees, it goes to the waiting client that holds the fewest slots (the longest-waiting among
equals), so a client with many requests in flight cannot starve one with a single request. A
request that waits longer than `wait_seconds` is refused with 503: the server is busy.

Everything here runs on the event loop's thread, so plain counters need no locks.
"""

import asyncio
import time
from collections import Counter, defaultdict, deque
from dataclasses import dataclass, field


class ServerBusy(Exception):
    """No slot came free in time; answered 503 with Retry-After."""


class TooManyRequests(Exception):
    """This client already holds and queues its whole share; answered 429 with Retry-After."""


@dataclass(order=True)
class _Waiter:
    since: float
    future: asyncio.Future = field(compare=False)


class FairSlots:
    def __init__(self, name: str, total: int, per_client: int, queue_per_client: int, wait_seconds: float):
        self.name = name
        self.total = total
        self.per_client = min(per_client, total)
        self.queue_per_client = queue_per_client
        self.wait_seconds = wait_seconds
        self._free = total
        self._held: Counter[str] = Counter()
        self._queues: defaultdict[str, deque[_Waiter]] = defaultdict(deque)

    @property
    def busy(self) -> int:
        return self.total - self._free

    @property
    def waiting(self) -> int:
        return sum(len(q) for q in self._queues.values())

    async def acquire(self, client: str) -> None:
        """Wait for a slot for `client`; 429 if it is over its share, 503 if none frees in time."""
        queued = len(self._queues.get(client, ()))
        if self._held[client] + queued >= self.per_client + self.queue_per_client:
            raise TooManyRequests(f"{self._held[client]} of your requests are running and "
                                  f"{queued} waiting in the {self.name} lane; "
                                  f"the share of one client is {self.per_client} + {self.queue_per_client} queued")
        waiter = _Waiter(time.monotonic(), asyncio.get_running_loop().create_future())
        self._queues[client].append(waiter)
        self._dispatch()
        try:
            await asyncio.wait_for(asyncio.shield(waiter.future), self.wait_seconds)
        except (TimeoutError, asyncio.CancelledError) as exc:
            self._withdraw(client, waiter)
            if isinstance(exc, TimeoutError):
                raise ServerBusy(f"all {self.total} slots of the {self.name} lane stayed busy for "
                                 f"{self.wait_seconds:g} s") from None
            raise

    def release(self, client: str) -> None:
        self._held[client] -= 1
        if not self._held[client]:
            del self._held[client]
        self._free += 1
        self._dispatch()

    def _withdraw(self, client: str, waiter: _Waiter) -> None:
        """A waiter that gave up: out of the queue, or, if a slot reached it meanwhile, the slot back."""
        if waiter.future.done():
            self.release(client)
        else:
            waiter.future.cancel()
            self._queues[client].remove(waiter)
            if not self._queues[client]:
                del self._queues[client]

    def _dispatch(self) -> None:
        """Hand free slots to waiters: fewest held first, then longest waiting."""
        while self._free:
            eligible = [c for c, q in self._queues.items() if self._held[c] < self.per_client]
            if not eligible:
                return
            client = min(eligible, key=lambda c: (self._held[c], self._queues[c][0]))
            waiter = self._queues[client].popleft()
            if not self._queues[client]:
                del self._queues[client]
            self._held[client] += 1
            self._free -= 1
            waiter.future.set_result(None)
