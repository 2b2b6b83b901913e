"""The execution path in-process: pricing, the budget, deadlines and keep-alives (tiny models)."""

import pytest
from fastapi.testclient import TestClient

from models.cost import EvaluationCost
from server.app import create_app
from server.config import Settings


def app_client(tiny_dir, **settings) -> TestClient:
    return TestClient(create_app(Settings(checkpoint_dir=tiny_dir, torch_threads=1, **settings)))


def test_every_loaded_model_is_priced_at_start_up(client):
    executor = client.app.state.executor
    store = client.app.state.store
    assert set(executor.evaluation_costs) == set(store.models)
    ddpm = store.models["tiny-ddpm"]
    cost = executor.price(ddpm, "trajectory", batch=4, evaluations=100)
    assert cost.seconds == pytest.approx(100 * executor.evaluation_costs["tiny-ddpm"].seconds(4))
    assert executor.price(ddpm, "log_prob", 1).evaluations == 50  # one pass per timestep (T = 50)


def test_cost_grows_with_batch_and_steps():
    cost = EvaluationCost(overhead_seconds=0.002, per_image_seconds=0.001)
    assert cost.seconds(16) == pytest.approx(0.018) and cost.seconds(1) < cost.seconds(2)


def test_over_budget_is_422_naming_limit_and_cost(tiny_dir):
    with app_client(tiny_dir, max_request_seconds=1e-9) as c:
        r = c.post("/api/models/tiny-ddpm/trajectory", json={"n": 2, "steps": 10})
    assert r.status_code == 422
    assert "GENLAB_MAX_REQUEST_SECONDS" in r.json()["detail"] and "10 network evaluations x batch 2" in r.json()["detail"]


def test_work_past_its_deadline_stops_with_503(tiny_dir):
    with app_client(tiny_dir, deadline_seconds=1e-6) as c:
        r = c.post("/api/models/tiny-ddpm/trajectory", json={"n": 2, "steps": 50, "seed": 1})
        assert r.status_code == 503 and "deadline" in r.json()["detail"] and int(r.headers["retry-after"]) > 0
        stream = c.get("/api/models/tiny-ddpm/trajectory/stream?n=2&steps=50&seed=1").text
        assert "event: start" in stream and "event: error" in stream and "event: done" not in stream
        assert c.get("/readyz").json()["slots"]["busy"] == 0


def test_a_stream_sends_keepalive_comments_while_steps_run(tiny_dir):
    with app_client(tiny_dir, stream_keepalive_seconds=1e-4) as c:
        text = c.get("/api/models/tiny-ddpm/trajectory/stream?n=8&steps=50&every=1&seed=1").text
    events = [block for block in text.split("\n\n") if block.startswith("event:")]
    assert ": keep-alive" in text and events[-1].startswith("event: done")


def test_cheap_work_takes_the_light_lane_and_dear_work_the_heavy_one(client):
    executor, ddpm = client.app.state.executor, client.app.state.store.models["tiny-ddpm"]
    assert executor.lane_for(executor.price(ddpm, "noise", 1, evaluations=0)).name == "light"
    dear = executor.settings.light_request_seconds / executor.evaluation_costs["tiny-ddpm"].seconds(64)
    assert executor.lane_for(executor.price(ddpm, "trajectory", 64, evaluations=int(dear) + 1)).name == "heavy"


def test_a_stream_takes_the_heavy_lane_however_cheap_its_compute(client):
    """A stream holds its slot while its reader reads: in the light lane, cheap streams made the light routes wait
    (genlab bench lecture: p99 300 ms against 80 ms)."""
    executor, ddpm = client.app.state.executor, client.app.state.store.models["tiny-ddpm"]
    cheap = executor.price(ddpm, "trajectory", 1, evaluations=1)
    assert executor.lane_for(cheap).name == "light" and executor.lane_for(cheap, stream=True).name == "heavy"
    with client.stream("GET", "/api/models/tiny-ddpm/trajectory/stream?n=1&steps=2&every=1&seed=1") as response:
        next(response.iter_lines())
        lanes = client.get("/readyz").json()["slots"]["lanes"]
        assert lanes["heavy"]["busy"] == 1 and lanes["light"]["busy"] == 0


def test_measuring_a_cost_leaves_torchs_threads_as_they_were():
    import torch

    from models.cost import measure_evaluation_cost

    before = torch.get_num_threads()
    cost = measure_evaluation_cost(lambda n: torch.ones(n, 64) @ torch.ones(64, 64), repeats=2)
    assert torch.get_num_threads() == before and cost.seconds(16) > cost.seconds(1) > 0


def test_model_work_runs_below_the_event_loops_priority():
    import os
    import threading

    from server.tickets import WORKER_NICENESS, Ticket

    seen = []
    worker = threading.Thread(target=lambda: seen.append(Ticket(60).run(
        lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))))
    worker.start()
    worker.join()
    assert seen == [WORKER_NICENESS] and os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < WORKER_NICENESS
