"""THE path for all model work: cost -> budget -> fair slot -> worker thread -> deadline / cancel.

Every route that runs a network goes through `Executor.run` (one answer) or `Executor.stream`
(Server-Sent Events). Before any work, the request is priced: network evaluations per image x the
model's measured time of one evaluation at that batch size (models.cost, timed at start-up). A
request over the budget is refused with 422 naming the limit; a cheap one goes to the light lane
and an expensive one to the heavy lane, so no amount of expensive work can delay a cheap request
behind it. Inside a lane, slots are shared fairly between clients (server.fairness). The work then
runs in one of the lane's own worker threads (server.workers: each owns its torch threads, so
concurrent requests share the cores instead of oversubscribing them) under a ticket that stops it
between sampler steps when its deadline passes or its client disconnects (models.interrupt), and
the slot is freed at once. A request whose body fixes its answer is computed once (server.results).
"""

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import torch
from fastapi import Request
from fastapi.responses import JSONResponse, Response

from models.compiled import (
    attach_compiled_twin,
    compiled_networks,
    has_compiled_twin,
    remove_compiled_twin,
    seal_compiled_twin,
)
from models.cost import EvaluationCost, measure_evaluation_cost
from models.precision import PICTURE_OPERATIONS, autocast, bf16_speed
from models.registry import LoadedModel
from server.config import Settings
from server.fairness import FairSlots
from server.results import ResultCache
from server.streams import EventStreamResponse
from server.tickets import Ticket
from server.workers import WorkerPool

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
    precision: str = "fp32"  # what the work runs in: bf16 only for a checked model's pictures (models.precision)
    compiled: bool = False  # drawn by a compiled network: a checked diffusion model's pictures (models.compiled)

    def describe(self) -> str:
        return (f"{self.operation} on {self.model!r}: {self.evaluations} network evaluations x batch {self.batch}"
                f" = about {self.seconds:.1f} s of one core's compute on this server")


def client_address(request: Request) -> str:
    """Fair shares are per client address (uvicorn's --proxy-headers makes it the real one behind a proxy)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class PictureRun:
    """How a model's pictures (PICTURE_OPERATIONS) are drawn on this server where not eager float32, and what one
    network evaluation costs that way."""

    precision: str
    compiled: bool
    cost: EvaluationCost


# the batch sizes a compiled network is warmed up at: 1 and 2 first (their graphs cover the most), then sizes a
# graph's guards may still exclude (a size equal to one of the network's widths), up to EVAL_CHUNK
WARM_UP_BATCHES = (1, 2, 3, 16, 32)


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
        threads = settings.worker_torch_threads
        self.workers = {"light": WorkerPool("light", light, threads), "heavy": WorkerPool("heavy", heavy, threads)}
        self._uploads = anyio.CapacityLimiter(settings.upload_decoders)
        self.results = ResultCache(settings.result_cache_mb * 2**20)
        self.evaluation_costs: dict[str, EvaluationCost] = {}
        self.picture_runs: dict[str, PictureRun] = {}  # the models whose pictures are drawn in bf16 or compiled
        self._bf16_speed: tuple[bool, str] | None = None  # measured once, when a model first could use it

    def measure(self, models: dict[str, LoadedModel]) -> None:
        """Time one network evaluation of every loaded model (at start-up, before serving)."""
        for model in models.values():
            self.measure_one(model)

    def measure_one(self, model: LoadedModel) -> None:
        """Time one network evaluation of a model (at start-up, or added while serving: a lab export), and the way
        its pictures are drawn where that is not eager float32 (bf16, a compiled network: compiled and warmed
        here); answers stored for an earlier model of that id are dropped."""
        self.evaluation_costs[model.id] = measure_evaluation_cost(model.probe)
        precision = "bf16" if self._may_use_bf16(model) else "fp32"
        compiled = self._may_compile(model) and self._compile(model, precision)
        if precision != "fp32" or compiled:
            with autocast(precision), compiled_networks(compiled):
                self.picture_runs[model.id] = PictureRun(precision, compiled, measure_evaluation_cost(model.probe))
        else:
            self.picture_runs.pop(model.id, None)
        self.results.forget(model.id)

    def _compile(self, model: LoadedModel, precision: str) -> bool:
        """Compile the model's picture network, warm it up and seal it. The warm-up runs in a worker thread as a
        request would (its torch thread count, inference mode, the pictures' precision): a graph compiled for
        other conditions fails its guards and runs eager. Batch 1 compiles a graph of its own, batch 2 one for
        every size dynamo then proves it fits (2-32 for ddpm-mnist in bf16; EVAL_CHUNK = 32 is the most a
        sampler sends at once); the other sizes compile whatever graphs they still need (16-32 in fp32). A model
        that fails to compile (no C++ compiler) stays eager, and the others are unaffected."""
        network = model.picture_network()
        if has_compiled_twin(network):
            return True
        attach_compiled_twin(network, self.settings.worker_torch_threads)

        def warm_up() -> None:
            with torch.inference_mode(), autocast(precision), compiled_networks():
                for batch in WARM_UP_BATCHES:
                    model.probe(batch)

        try:
            self.workers["heavy"].run_at_start_up(warm_up)
        except RuntimeError as exc:  # torch's compile errors (dynamo, inductor, a missing C++ compiler) are all one
            remove_compiled_twin(network)
            log.warning("%s stays eager: compiling its network failed (%s)", model.id, str(exc).splitlines()[0][:300])
            return False
        seal_compiled_twin(network)
        return True

    def _may_compile(self, model: LoadedModel) -> bool:
        """GENLAB_COMPILE=checked, a family whose sampler network can be compiled, and a passed check in its card."""
        check = (model.card.get("inference") or {}).get("compiled") or {}
        return (self.settings.compile == "checked" and check.get("passed", False) and _on_cpu(model)
                and model.picture_network() is not None)

    def _may_use_bf16(self, model: LoadedModel) -> bool:
        """Its card records a passed check (models/precision_check.py) and bf16 is measured faster here. On a GPU
        the model stays float32: the check and the speed measurement are the CPU's (no GPU has been lent to
        measure them on one)."""
        check = (model.card.get("inference") or {}).get("bf16") or {}
        if self.settings.inference_precision == "fp32" or not check.get("passed") or not _on_cpu(model):
            return False
        if self._bf16_speed is None:
            self._bf16_speed = bf16_speed(size=512, repeats=3)  # small: ~1 s where bf16 is 50x slower
            log.info("bf16 %s here (%s)", "faster" if self._bf16_speed[0] else "not faster", self._bf16_speed[1])
        return self._bf16_speed[0]

    def picture_run(self, model_id: str, operation: str) -> PictureRun | None:
        """How this operation's pictures are drawn where not eager float32; None for eager float32 (every
        likelihood, score and latent, and the pictures of a model with no checked faster way)."""
        return self.picture_runs.get(model_id) if operation in PICTURE_OPERATIONS else None

    def precision(self, model_id: str, operation: str) -> str:
        run = self.picture_run(model_id, operation)
        return "fp32" if run is None else run.precision

    def compiled(self, model_id: str, operation: str) -> bool:
        run = self.picture_run(model_id, operation)
        return run is not None and run.compiled

    def precisions(self) -> dict:
        """For /readyz: whether bf16 was measured faster here, which models draw in it, which compiled."""
        faster = None if self._bf16_speed is None else self._bf16_speed[0]
        runs = self.picture_runs.items()
        return {"bf16_faster": faster, "bf16_models": sorted(i for i, run in runs if run.precision == "bf16"),
                "setting": self.settings.inference_precision,
                "compiled_models": sorted(i for i, run in runs if run.compiled), "compile": self.settings.compile}

    def price(self, model: LoadedModel, operation: str, batch: int, evaluations: int | None = None) -> Cost:
        """The cost of `operation` on `batch` images; `evaluations` per image overrides the model's own
        count (samplers whose step count the request chooses)."""
        evaluations = model.network_evaluations(operation) if evaluations is None else evaluations
        run = self.picture_run(model.id, operation) or PictureRun("fp32", False, self.evaluation_costs[model.id])
        return Cost(model.id, operation, evaluations, batch, evaluations * run.cost.seconds(batch), run.precision,
                    run.compiled)

    def lane_for(self, cost: Cost, stream: bool = False) -> FairSlots:
        """The heavy lane for expensive work and for every stream: a stream holds its slot for as long as its
        reader takes, however cheap its compute (cheap bf16 streams in the light lane gave the light routes a
        300 ms p99 in `genlab bench lecture`)."""
        if cost.seconds > self.settings.max_request_seconds:
            raise OverBudget(f"{cost.describe()}, over the limit of {self.settings.max_request_seconds:g} s per "
                             "request (GENLAB_MAX_REQUEST_SECONDS): ask for fewer images or steps")
        light = cost.seconds <= self.settings.light_request_seconds and not stream
        return self.lanes["light" if light else "heavy"]

    def slots(self) -> dict:
        """Slot use per lane and in total, for /readyz and the abuse bench."""
        lanes = {name: {"total": lane.total, "busy": lane.busy, "waiting": lane.waiting} for name, lane in self.lanes.items()}
        return {key: sum(lane[key] for lane in lanes.values()) for key in ("total", "busy", "waiting")} | {"lanes": lanes}

    def shutdown(self) -> None:
        for pool in self.workers.values():
            pool.shutdown()

    async def decode(self, decode: Callable[[], Any]) -> Any:
        """Decode an upload in the bounded upload pool, so concurrent uploads cannot exceed a memory bound."""
        return await anyio.to_thread.run_sync(decode, limiter=self._uploads)

    async def run(self, request: Request, cost: Cost, work: Callable[[], Any], same_for: str | None = None) -> Response:
        """Run `work` (returning a JSON-able dict or a Response) through a fair slot; it stops at its
        deadline or when the client disconnects. The JSON is rendered in the worker thread too.
        `same_for`: the canonical request body when it alone fixes the answer (a seed given); identical
        requests then share one computation and its stored bytes (server.results)."""
        lane = self.lane_for(cost)
        if same_for is None:
            return await self._run_in(lane, request, cost, work)
        # hashed: a body may carry a 2 MB upload, and the store's budget counts answers, not keys
        fixed_by = hashlib.sha256(f"{request.url.path}?{request.url.query}\n{same_for}".encode()).hexdigest()
        key = (cost.model, fixed_by)
        return await self.results.answer(key, lambda: self._run_in(lane, request, cost, work))

    async def _run_in(self, lane: FairSlots, request: Request, cost: Cost, work: Callable[[], Any]) -> Response:
        client = client_address(request)
        await lane.acquire(client)
        ticket = Ticket(self.settings.deadline_seconds, cost.precision, cost.compiled)
        watcher = asyncio.create_task(_cancel_on_disconnect(request, ticket))
        try:
            return await self.workers[lane.name].run(lambda: ticket.run(lambda: _as_response(work())))
        finally:
            watcher.cancel()
            lane.release(client)

    async def stream(self, request: Request, cost: Cost, events: Iterator[tuple[str, dict]]) -> Response:
        """Server-Sent Events from `events` (each item computed in a worker thread under a ticket); the
        slot is taken now, so a busy server still answers 429/503 before the stream starts."""
        lane = self.lane_for(cost, stream=True)
        client = client_address(request)
        await lane.acquire(client)
        ticket = Ticket(self.settings.deadline_seconds, cost.precision, cost.compiled)
        return EventStreamResponse(events, ticket.run, ticket.cancel, release=lambda: lane.release(client),
                                   submit=self.workers[lane.name].run, keepalive_seconds=self.settings.stream_keepalive_seconds,
                                   write_timeout_seconds=self.settings.stream_write_timeout_seconds)


def _on_cpu(model: LoadedModel) -> bool:
    """The faster ways (bf16, compiling) are checked and measured on the CPU only: no GPU has been lent."""
    return all(p.device.type == "cpu" for p in model.module.parameters())


def _as_response(result: Any) -> Response:
    return result if isinstance(result, Response) else JSONResponse(result)


async def _cancel_on_disconnect(request: Request, ticket: Ticket) -> None:
    """The body is already read: the next message the server can receive is the client's disconnect."""
    while (await request.receive())["type"] != "http.disconnect":
        pass
    log.info("client %s left during %s; stopping its work", client_address(request), request.url.path)
    ticket.cancel()
