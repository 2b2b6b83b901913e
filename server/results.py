"""Answers fixed by their request, computed once: 60 students opening the same permalink cost one run.

A request whose answer its body fully determines (a seed given, or no randomness at all) is looked up
here by model, path and canonical body before it takes a slot. A stored answer is sent again byte for
byte; an identical request that arrives while the first is still computing waits for that computation
instead of starting its own (single flight). Answers are kept in memory, least recently used dropped
first, up to a byte budget (GENLAB_RESULT_CACHE_MB; 0 turns it off). Only answers that were computed in
full are kept: a refusal or a stopped run is never stored, and the requests that waited for it try
again, one of them computing. Every such answer carries an ETag (a hash of its bytes), the same on every
replica, since the bytes are fixed by the seed.

The store is per replica and that is correct: an answer is a pure function of the request and the
weights, so replicas behind a load balancer can only differ in what they have already computed.
"""

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi.responses import Response

CACHE_HEADER = "X-Genlab-Cache"  # miss: computed now; hit: stored; shared: computed once for several requests


class NotShared(Exception):
    """The computation other requests waited for ended without an answer to share."""


@dataclass(frozen=True)
class StoredAnswer:
    body: bytes
    media_type: str
    etag: str

    def response(self, how: str) -> Response:
        return Response(self.body, media_type=self.media_type, headers={"ETag": self.etag, CACHE_HEADER: how})


class ResultCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.size = 0
        self.counts = {"miss": 0, "hit": 0, "shared": 0}
        self._answers: OrderedDict[tuple, StoredAnswer] = OrderedDict()
        self._computing: dict[tuple, asyncio.Future] = {}

    async def answer(self, key: tuple, compute: Callable[[], Awaitable[Response]]) -> Response:
        """The stored answer for `key`, the one being computed for it, or `compute()`'s (then stored)."""
        if not self.max_bytes:
            return await compute()
        if (stored := self._answers.get(key)) is not None:
            self._answers.move_to_end(key)
            self.counts["hit"] += 1
            return stored.response("hit")
        if (computing := self._computing.get(key)) is not None:
            try:
                stored = await asyncio.shield(computing)
            except NotShared:  # the first one was refused or stopped: this one tries again (one may lead)
                return await self.answer(key, compute)
            self.counts["shared"] += 1
            return stored.response("shared")
        return await self._compute(key, compute)

    async def _compute(self, key: tuple, compute: Callable[[], Awaitable[Response]]) -> Response:
        future = asyncio.get_running_loop().create_future()
        self._computing[key] = future
        try:
            response = await compute()
        except BaseException:
            self._fail(future, "the first identical request did not finish")
            raise
        finally:
            del self._computing[key]
        if response.status_code != 200:
            self._fail(future, f"the first identical request was answered {response.status_code}")
            return response
        stored = StoredAnswer(bytes(response.body), response.media_type or "application/json",
                              f'"{hashlib.sha256(response.body).hexdigest()[:32]}"')
        future.set_result(stored)
        self._keep(key, stored)
        self.counts["miss"] += 1
        return stored.response("miss")

    @staticmethod
    def _fail(future: asyncio.Future, why: str) -> None:
        """Tell the waiters to compute on their own (marked retrieved: no warning when nobody waited)."""
        future.set_exception(NotShared(why))
        future.exception()

    def _keep(self, key: tuple, stored: StoredAnswer) -> None:
        if len(stored.body) > self.max_bytes:
            return
        self._answers[key] = stored
        self.size += len(stored.body)
        while self.size > self.max_bytes:
            _, dropped = self._answers.popitem(last=False)
            self.size -= len(dropped.body)

    def forget(self, model_id: str) -> None:
        """A model was (re)loaded while serving: its stored answers may no longer be its answers."""
        for key in [k for k in self._answers if k[0] == model_id]:
            self.size -= len(self._answers.pop(key).body)

    def stats(self) -> dict:
        return {"entries": len(self._answers), "bytes": self.size, "max_bytes": self.max_bytes, **self.counts}
