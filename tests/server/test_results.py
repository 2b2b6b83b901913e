"""Answers fixed by their request are computed once (server.results): in memory, over the ASGI app, and over
real HTTP where 20 students open the same permalink at the same moment."""

import asyncio
import hashlib
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.responses import Response

from server.results import CACHE_HEADER, ResultCache
from tests.server.loop import run


class Computation:
    """A stand-in for model work: counts its runs, answers `body`, and can be held until released."""

    def __init__(self, body: bytes = b'{"x": 1}', status: int = 200):
        self.body, self.status, self.runs = body, status, 0
        self.release = asyncio.Event()

    async def __call__(self) -> Response:
        self.runs += 1
        await self.release.wait()
        return Response(self.body, status_code=self.status, media_type="application/json")


def test_identical_requests_in_flight_share_one_computation_then_hit_the_store():
    async def scenario():
        cache, work = ResultCache(2**20), Computation()
        waiting = [asyncio.create_task(cache.answer(("m", "/p", "", "{}"), work)) for _ in range(5)]
        await asyncio.sleep(0.01)
        work.release.set()
        answers = await asyncio.gather(*waiting)
        again = await cache.answer(("m", "/p", "", "{}"), work)
        return cache, work, answers, again

    cache, work, answers, again = run(scenario())
    assert work.runs == 1
    assert sorted(a.headers[CACHE_HEADER] for a in answers) == ["miss"] + ["shared"] * 4
    assert again.headers[CACHE_HEADER] == "hit" and again.body == b'{"x": 1}'
    digest = hashlib.sha256(b'{"x": 1}').hexdigest()[:32]
    assert {a.headers["etag"] for a in [*answers, again]} == {f'"{digest}"'}
    assert cache.stats() == {"entries": 1, "bytes": 8, "max_bytes": 2**20, "miss": 1, "hit": 1, "shared": 4}


def test_a_refused_first_request_is_not_stored_and_its_waiters_compute_on_their_own():
    async def scenario():
        cache, refused = ResultCache(2**20), Computation(b'{"detail": "busy"}', status=503)
        first = asyncio.create_task(cache.answer(("k",), refused))
        await asyncio.sleep(0.01)
        fallback = Computation()
        fallback.release.set()
        second = asyncio.create_task(cache.answer(("k",), fallback))
        await asyncio.sleep(0.01)
        refused.release.set()
        return cache, fallback, await first, await second

    cache, fallback, first, second = run(scenario())
    assert first.status_code == 503 and second.status_code == 200 and fallback.runs == 1
    assert cache.stats()["entries"] == 1  # the fallback's answer, not the refusal


def test_a_failed_first_request_lets_its_waiters_compute_on_their_own():
    async def scenario():
        cache = ResultCache(2**20)

        async def fails():
            await asyncio.sleep(0.01)
            raise RuntimeError("stopped at its deadline")

        first = asyncio.create_task(cache.answer(("k",), fails))
        await asyncio.sleep(0)
        fine = Computation()
        fine.release.set()
        second = await cache.answer(("k",), fine)
        with pytest.raises(RuntimeError):
            await first
        return second, fine

    second, fine = run(scenario())
    assert second.status_code == 200 and fine.runs == 1


def test_the_store_keeps_its_byte_budget_dropping_the_least_recently_used():
    async def scenario():
        cache = ResultCache(max_bytes=25)
        for key in ("a", "b", "c"):
            work = Computation(key.encode() * 10)
            work.release.set()
            await cache.answer((key,), work)
        return cache

    cache = run(scenario())
    assert cache.stats()["entries"] == 2 and cache.size == 20 and ("a",) not in cache._answers


def test_forget_drops_a_reloaded_models_answers_and_zero_bytes_turns_the_store_off():
    async def scenario():
        cache, off = ResultCache(2**20), ResultCache(0)
        for store, key in ((cache, ("m1", "/p")), (cache, ("m2", "/p")), (off, ("m1", "/p")), (off, ("m1", "/p"))):
            work = Computation()
            work.release.set()
            await store.answer(key, work)
        cache.forget("m1")
        return cache, off

    cache, off = run(scenario())
    assert list(cache._answers) == [("m2", "/p")] and cache.size == 8
    assert off.stats()["entries"] == 0 and off.stats()["miss"] == 0


def test_seeded_requests_are_cached_and_unseeded_ones_never(client):
    first = client.post("/api/models/tiny-vae/sample", json={"n": 4, "seed": 5})
    again = client.post("/api/models/tiny-vae/sample", json={"seed": 5, "n": 4})  # the same request, keys reordered
    assert first.headers[CACHE_HEADER] == "miss" and again.headers[CACHE_HEADER] == "hit"
    assert first.content == again.content and first.headers["etag"] == again.headers["etag"]
    other = client.post("/api/models/tiny-vae/sample", json={"n": 4, "seed": 6})
    assert other.headers[CACHE_HEADER] == "miss" and other.content != first.content
    png = client.post("/api/models/tiny-vae/sample?format=png", json={"n": 4, "seed": 5})
    assert png.headers[CACHE_HEADER] == "miss" and png.headers["content-type"] == "image/png"
    for _ in range(2):
        unseeded = client.post("/api/models/tiny-vae/sample", json={"n": 4})
        assert CACHE_HEADER not in unseeded.headers and "etag" not in unseeded.headers


def test_twenty_students_opening_one_permalink_cost_one_computation(live_server):
    """Over real HTTP, each student on its own address, all at once: one computation, 20 identical answers."""
    body = {"n": 64, "seed": 424242, "steps": 10, "sampler": "ddim"}

    def student(i: int) -> httpx.Response:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{30 + i}")
        with httpx.Client(transport=transport, timeout=120) as c:
            return c.post(f"{live_server}/api/models/ddpm-mnist/sample", json=body)

    before = httpx.get(f"{live_server}/readyz").json()["results"]
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(student, range(20)))
    after = httpx.get(f"{live_server}/readyz").json()["results"]
    assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
    assert len({a.content for a in answers}) == 1
    assert after["miss"] - before["miss"] == 1
    assert (after["shared"] + after["hit"]) - (before["shared"] + before["hit"]) == 19
