"""THE path for all model work: cost -> budget -> fair slot -> worker thread -> deadline / cancel.

Every route that runs a network goes through `Executor.run` (one answer) or `Executor.stream`
(Server-Sent Events). Before any work, the request is priced: network evaluations per image x the
model's measured time of one evaluation at that batch size (models.cost, timed at start-up). A
request over the budget is refused with 422 naming the limit; a cheap one goes to the light lane
and an expensive one to the heavy lane, so no amount of expensive work can delay a cheap request
behind it. Inside a lane, slots are shared fairly between clients (server.fairness). The work then
runs in a worker thread under a ticket that stops it between sampler steps when its deadline
passes or its client disconnects (models.interrupt), and the slot is freed at once.
"""

import asyncio
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from models.cost import EvaluationCost, measure_evaluation_cost
from models.registry import LoadedModel
from server.config import Settings
from server.fairness import FairSlots
from server.streams import EventStreamResponse
from server.tickets import Ticket

log = logging.getLogger("genlab.execution")


class OverBudget(Exception):
    """The request's estimated cost exceeds the per-request budget; answered 422."""


@dataclass(frozen=True)
class Cost:
    """What a request will cost, known before it runs."""

    model: str
    operation: str
    evaluations: int  # network evaluations per image
    batch: int
    seconds: float  # estimated compute time on this machine, in seconds of one core

    def describe(self) -> str:
        return (f"{self.operation} on {self.model!r}: {self.evaluations} network evaluations x batch {self.batch}"
                f" = about {self.seconds:.1f} s of one core's compute on this server")


def client_address(request: Request) -> str:
    """Fair shares are per client address (uvicorn's --proxy-headers makes it the real one behind a proxy)."""
    return request.client.host if request.client else "unknown"


class Executor:
    def __init__(self, settings: Settings):
        self.settings = settings
        light, heavy = settings.light_slots, settings.inference_slots
        self.lanes = {
            "light": FairSlots("light", light, settings.client_slots or max(1, light // 2), settings.client_queue,
                               settings.slot_wait_seconds),
            "heavy": FairSlots("heavy", heavy, settings.client_slots or max(1, heavy // 2), settings.client_queue,
                               settings.slot_wait_seconds),
        }
        self._threads = anyio.CapacityLimiter(light + heavy)
        self._uploads = anyio.CapacityLimiter(settings.upload_decoders)
        self.evaluation_costs: dict[str, EvaluationCost] = {}

    def measure(self, models: dict[str, LoadedModel]) -> None:
        """Time one network evaluation of every loaded model (at start-up, before serving)."""
        for model in models.values():
            self.measure_one(model)

    def measure_one(self, model: LoadedModel) -> None:
        """Time one network evaluation of a model added while serving (a lab export)."""
        self.evaluation_costs[model.id] = measure_evaluation_cost(model.probe)

    def price(self, model: LoadedModel, operation: str, batch: int, evaluations: int | None = None) -> Cost:
        """The cost of `operation` on `batch` images; `evaluations` per image overrides the model's own
        count (samplers whose step count the request chooses)."""
        evaluations = model.network_evaluations(operation) if evaluations is None else evaluations
        seconds = evaluations * self.evaluation_costs[model.id].seconds(batch)
        return Cost(model.id, operation, evaluations, batch, seconds)

    def lane_for(self, cost: Cost) -> FairSlots:
        if cost.seconds > self.settings.max_request_seconds:
            raise OverBudget(f"{cost.describe()}, over the limit of {self.settings.max_request_seconds:g} s per "
                             "request (GENLAB_MAX_REQUEST_SECONDS): ask for fewer images or steps")
        return self.lanes["light" if cost.seconds <= self.settings.light_request_seconds else "heavy"]

    def slots(self) -> dict:
        """Slot use per lane and in total, for /readyz and the abuse bench."""
        lanes = {name: {"total": lane.total, "busy": lane.busy, "waiting": lane.waiting} for name, lane in self.lanes.items()}
        return {key: sum(lane[key] for lane in lanes.values()) for key in ("total", "busy", "waiting")} | {"lanes": lanes}

    async def decode(self, decode: Callable[[], Any]) -> Any:
        """Decode an upload in the bounded upload pool, so concurrent uploads cannot exceed a memory bound."""
        return await anyio.to_thread.run_sync(decode, limiter=self._uploads)

    async def run(self, request: Request, cost: Cost, work: Callable[[], Any]) -> Response:
        """Run `work` (returning a JSON-able dict or a Response) through a fair slot; it stops at its
        deadline or when the client disconnects. The JSON is rendered in the worker thread too."""
        lane = self.lane_for(cost)
        client = client_address(request)
        await lane.acquire(client)
        ticket = Ticket(self.settings.deadline_seconds)
        watcher = asyncio.create_task(_cancel_on_disconnect(request, ticket))
        try:
            return await anyio.to_thread.run_sync(ticket.run, lambda: _as_response(work()), limiter=self._threads)
        finally:
            watcher.cancel()
            lane.release(client)

    async def stream(self, request: Request, cost: Cost, events: Iterator[tuple[str, dict]]) -> Response:
        """Server-Sent Events from `events` (each item computed in a worker thread under a ticket); the
        slot is taken now, so a busy server still answers 429/503 before the stream starts."""
        lane = self.lane_for(cost)
        client = client_address(request)
        await lane.acquire(client)
        ticket = Ticket(self.settings.deadline_seconds)
        return EventStreamResponse(events, ticket.run, ticket.cancel, release=lambda: lane.release(client),
                                   threads=self._threads, keepalive_seconds=self.settings.stream_keepalive_seconds,
                                   write_timeout_seconds=self.settings.stream_write_timeout_seconds)


def _as_response(result: Any) -> Response:
    return result if isinstance(result, Response) else JSONResponse(result)


async def _cancel_on_disconnect(request: Request, ticket: Ticket) -> None:
    """The body is already read: the next message the server can receive is the client's disconnect."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
    log.info("client %s left during %s; stopping its work", client_address(request), request.url.path)
    ticket.cancel()
