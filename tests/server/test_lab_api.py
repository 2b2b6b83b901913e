"""The live lab over real HTTP: a uvicorn process, real worker processes, real SSE.

Each test gets a server with the limits it needs; sessions are 2-D GANs, whose steps take milliseconds."""

import contextlib
import json
import math
import os
import time
from pathlib import Path

import httpx
import pytest

from server.spawn import uvicorn_server
from tests.conftest import write_tiny_checkpoints

SLOW_START = {"GENLAB_LAB_START_SECONDS": "120"}  # a worker imports torch: slow on a busy 2-core machine
GAN = {"family": "gan", "data": "8gaussians", "seed": 3, "steps_per_frame": 5}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """One server for the lifecycle tests: generous limits, a short idle time."""
    env = {**SLOW_START, "GENLAB_LAB_CLIENT_SESSIONS": "4", "GENLAB_LAB_SESSIONS": "4"}
    with (uvicorn_server(tmp_path_factory.mktemp("checkpoints"), env) as (url, proc),  # 2-D toys need none
          httpx.Client(base_url=url, timeout=150) as client):
        yield client, proc


OPENED: list[tuple[httpx.Client, str]] = []  # sessions a test opened, ended after it (the lab holds only a few)


@pytest.fixture(autouse=True)
def _end_sessions():
    yield
    while OPENED:
        client, session_id = OPENED.pop()
        with contextlib.suppress(httpx.HTTPError, RuntimeError):  # a server of its own may be gone already
            client.delete(f"/api/lab/sessions/{session_id}")


def _create(client: httpx.Client, **overrides) -> dict:
    response = client.post("/api/lab/sessions", json={**GAN, **overrides})
    assert response.status_code == 201, response.text
    OPENED.append((client, response.json()["id"]))
    return response.json()


def _control(client: httpx.Client, session: dict, **message) -> httpx.Response:
    return client.post(f"/api/lab/sessions/{session['id']}/control", json=message)


def _frames(client: httpx.Client, session: dict, count: int, until=None) -> list[dict]:
    """Read `count` events (or until `until(frame)`) from the session's stream, then hang up."""
    frames = []
    with client.stream("GET", f"/api/lab/sessions/{session['id']}/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        event = None
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.split(":", 1)[1].strip()
            elif line.startswith("data:"):
                frames.append({"event": event, **json.loads(line[5:])})
                if len(frames) >= count or event == "end" or (until and until(frames[-1])):
                    return frames
    return frames


def _worker_pids(server_pid: int) -> set[int]:
    """The server's lab worker processes (multiprocessing spawn children)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(stat[1]) == server_pid and b"spawn_main" in cmdline:
                pids.add(int(entry.name))
    return pids


def test_a_session_plays_pauses_steps_changes_and_resets(lab):
    client, _ = lab
    session = _create(client)
    assert session["frame"]["step"] == 0 and session["state"] == "paused"
    assert len(session["frame"]["samples"]) == 256 and "decision" in session["frame"]

    assert _control(client, session, action="play").json()["state"] == "playing"
    frames = _frames(client, session, 50, until=lambda f: f["step"] >= 30)
    steps = [f["step"] for f in frames]
    assert steps == sorted(steps) and steps[-1] >= 30 and all(s % 5 == 0 for s in steps)

    paused_at = _control(client, session, action="pause").json()["step"]
    time.sleep(0.5)
    assert client.get(f"/api/lab/sessions/{session['id']}").json()["step"] == paused_at

    assert _control(client, session, action="step", n=7).status_code == 200
    after = _frames(client, session, 3, until=lambda f: f["step"] == paused_at + 7)
    assert after[-1]["step"] == paused_at + 7 and after[-1]["state"] == "paused"

    changed = _control(client, session, action="change", hp={"lr_g": 0.01, "loss": "hinge"}).json()
    assert changed["hp"]["lr_g"] == 0.01 and changed["hp"]["loss"] == "hinge"
    preset = _control(client, session, action="preset", preset="fix-mode-collapse").json()
    assert preset["hp"]["loss"] == "wgan-gp" and preset["hp"]["d_steps"] == 5

    assert _control(client, session, action="reset").json()["step"] == 0
    assert _frames(client, session, 3, until=lambda f: f["step"] == 0)[-1]["hp"]["loss"] == "nonsaturating"


@pytest.mark.parametrize("message, field", [
    ({"action": "dance"}, "action"),
    ({"action": "step", "n": 0}, "n"),
    ({"action": "step", "n": 5000}, "n"),
    ({"action": "step", "n": "3"}, "n"),
    ({"action": "change", "hp": {"lr_g": 5.0}}, "lr_g"),
    ({"action": "change", "hp": {"warp": 1}}, "warp"),
    ({"action": "change", "hp": {}}, "hp"),
    ({"action": "preset", "preset": "posterior-collapse"}, "preset"),
    ({"action": "speed", "steps_per_frame": 0}, "steps_per_frame"),
])
def test_a_bad_control_is_a_clear_422_and_the_session_goes_on(lab, message, field):
    client, _ = lab
    session = _create(client)
    response = _control(client, session, **message)
    assert response.status_code == 422 and field in response.text, response.text
    state = client.get(f"/api/lab/sessions/{session['id']}").json()
    assert state["hp"] == session["hp"] and state["ended"] is None
    assert _control(client, session, action="step", n=2).json()["state"] == "paused"
    client.delete(f"/api/lab/sessions/{session['id']}")


def test_non_finite_numbers_and_bad_specs_are_refused_before_any_worker(lab):
    client, _ = lab
    nan_body = b'{"family": "gan", "hp": {"lr_g": NaN}}'
    assert client.post("/api/lab/sessions", content=nan_body, headers={"content-type": "application/json"}).status_code == 422
    for bad in ({"family": "gan", "hp": {"lr_d": 1e9}}, {"family": "vae", "preset": "mode-collapse"},
                {"family": "gan", "data": "drawn"}, {"family": "gan", "data": "drawn", "points": [[0, 11]]},
                {"family": "gan", "data": "9gaussians"}, {"family": "gan", "seed": -1}):
        assert client.post("/api/lab/sessions", json=bad).status_code == 422, bad
    # a preset that needs a 2-D model's own switch is refused on MNIST by name, as the options say
    presets = client.get("/api/lab/options").json()["presets"]
    assert presets["fix-mode-collapse-minibatch"]["mnist_families"] == []
    assert presets["fix-mode-collapse"]["mnist_families"] == ["gan"]
    assert presets["lr-too-high"]["mnist_families"] == ["gan", "vae", "flow", "diffusion"]
    refused = client.post("/api/lab/sessions", json={"family": "gan", "data": "mnist", "preset": "fix-mode-collapse-unrolled"})
    assert refused.status_code == 422 and "fix-mode-collapse-unrolled" in refused.text


def test_a_drawn_distribution_trains(lab):
    client, _ = lab
    points = [[math.cos(a / 10), math.sin(a / 10)] for a in range(63)]
    session = _create(client, data="drawn", points=points, family="flow")
    assert session["frame"]["data"] == "drawn" and "density" in session["frame"]
    _control(client, session, action="step", n=20)
    assert _frames(client, session, 3, until=lambda f: f["step"] == 20)[-1]["losses"]


def test_same_seed_and_controls_give_the_same_frames(lab):
    client, _ = lab
    runs = []
    for _ in range(2):
        session = _create(client)
        _control(client, session, action="step", n=20)
        _control(client, session, action="change", hp={"lr_d": 0.003})
        _control(client, session, action="step", n=15)
        frame = _frames(client, session, 5, until=lambda f: f["step"] == 35)[-1]
        runs.append({k: v for k, v in frame.items() if k != "budget"})
        client.delete(f"/api/lab/sessions/{session['id']}")
    assert runs[0] == runs[1]


def test_delete_ends_the_stream_and_the_worker(lab):
    client, proc = lab
    session = _create(client)
    workers = _worker_pids(proc.pid)
    assert client.delete(f"/api/lab/sessions/{session['id']}").status_code == 204
    end = _frames(client, session, 5)[-1]
    assert end["event"] == "end" and end["reason"] == "closed"
    assert _control(client, session, action="play").status_code == 409
    deadline = time.monotonic() + 10
    while len(_worker_pids(proc.pid)) >= len(workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(_worker_pids(proc.pid)) < len(workers)


def test_a_session_nobody_watches_ends_by_itself(tmp_path):
    env = {**SLOW_START, "GENLAB_LAB_IDLE_SECONDS": "3"}
    with uvicorn_server(tmp_path, env) as (url, _), httpx.Client(base_url=url, timeout=150) as client:
        session = _create(client)
        _frames(client, session, 1)  # a reader comes and goes
        deadline = time.monotonic() + 30
        while client.get(f"/api/lab/sessions/{session['id']}").json()["ended"] is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert client.get(f"/api/lab/sessions/{session['id']}").json()["ended"]["reason"] == "idle"


def test_the_run_log_is_a_csv_of_every_frame(lab):
    client, _ = lab
    session = _create(client)
    _control(client, session, action="step", n=10)
    _frames(client, session, 3, until=lambda f: f["step"] == 10)
    response = client.get(f"/api/lab/sessions/{session['id']}/log.csv")
    assert response.headers["content-type"].startswith("text/csv")
    rows = response.text.strip().splitlines()
    header = rows[0].split(",")
    assert header[0] == "step" and {"diverged", "d_loss", "g_loss", "mode_coverage", "mmd"} <= set(header)
    assert [row.split(",")[0] for row in rows[1:]] == ["0", "10"]


def test_unknown_sessions_are_404(lab):
    client, _ = lab
    for method, path in (("GET", ""), ("GET", "/events"), ("GET", "/log.csv"), ("DELETE", "")):
        assert client.request(method, f"/api/lab/sessions/nope{path}").status_code == 404
    assert client.post("/api/lab/sessions/nope/control", json={"action": "play"}).status_code == 404


def test_sessions_end_at_their_step_budget(tmp_path):
    with (uvicorn_server(tmp_path, {**SLOW_START, "GENLAB_LAB_MAX_STEPS": "40"}) as (url, _),
          httpx.Client(base_url=url, timeout=150) as client):
        session = _create(client)
        _control(client, session, action="play")
        end = _frames(client, session, 100)[-1]
        assert end["event"] == "end" and end["reason"] == "budget" and "GENLAB_LAB_MAX_STEPS" in end["detail"]
        assert client.get(f"/api/lab/sessions/{session['id']}").json()["step"] == 40


def test_sessions_end_at_their_wall_clock(tmp_path):
    env = {**SLOW_START, "GENLAB_LAB_MAX_SECONDS": "3"}
    with uvicorn_server(tmp_path, env) as (url, _), httpx.Client(base_url=url, timeout=150) as client:
        session = _create(client)
        end = _frames(client, session, 100)[-1]  # paused: only the clock runs
        assert end["event"] == "end" and end["reason"] == "budget" and "GENLAB_LAB_MAX_SECONDS" in end["detail"]


def test_past_its_share_a_client_gets_429_and_a_full_lab_503(tmp_path):
    env = {**SLOW_START, "GENLAB_LAB_SESSIONS": "2", "GENLAB_LAB_CLIENT_SESSIONS": "1"}
    with uvicorn_server(tmp_path, env) as (url, proc):
        with httpx.Client(base_url=url, timeout=150) as client:
            first = _create(client)
            refused = client.post("/api/lab/sessions", json=GAN)
            assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
            client.delete(f"/api/lab/sessions/{first['id']}")
            _create(client)  # its share is free again
        workers = _worker_pids(proc.pid)
    assert workers, "a session runs in a worker process"
    deadline = time.monotonic() + 10
    while any(os.path.exists(f"/proc/{pid}") for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(os.path.exists(f"/proc/{pid}") for pid in workers), "the server's shutdown ends its workers"

    env = {**SLOW_START, "GENLAB_LAB_SESSIONS": "1", "GENLAB_LAB_CLIENT_SESSIONS": "2"}
    with uvicorn_server(tmp_path, env) as (url, _), httpx.Client(base_url=url, timeout=150) as client:
        _create(client)
        full = client.post("/api/lab/sessions", json=GAN)
        assert full.status_code == 503 and int(full.headers["retry-after"]) > 0 and "GENLAB_LAB_SESSIONS" in full.text


def test_a_2d_run_exports_as_a_download(lab):
    client, _ = lab
    session = _create(client)
    _control(client, session, action="step", n=5)
    exported = client.post(f"/api/lab/sessions/{session['id']}/export", json={"title": "my GAN"})
    assert exported.status_code == 201, exported.text
    body = exported.json()
    assert body["family"] == "lab" and body["page"] is None and body["title"] == "my GAN"
    card = client.get(body["files"]["json"]).json()
    assert card["id"] == body["model_id"] and card["training"]["steps"] == 5
    assert client.get(body["files"]["safetensors"]).content[:8]  # safetensors: an 8-byte header length first
    assert client.get("/api/lab/exports/lab-nothing-here.json").status_code == 404
    assert client.get("/api/lab/exports/..%2Fsecrets.json").status_code in (404, 422)


def test_a_lab_only_export_reopens_in_a_new_session_at_its_step_with_its_weights(lab):
    """Issue 15: a 2-D run exported as a download opens again (in the lab page): the same family, data, seed and
    hyper-parameters, its step, its trained samples, paused; it trains on, and reset returns to the export."""
    client, _ = lab
    session = _create(client, hp={"lr_g": 0.002})
    _control(client, session, action="step", n=300)
    trained = _frames(client, session, 10, until=lambda f: f.get("step") == 300)[-1]
    assert trained["step"] == 300
    body = client.post(f"/api/lab/sessions/{session['id']}/export", json={}).json()
    fresh = _create(client)

    reopened = client.post(f"/api/lab/exports/{body['model_id']}/session", json={"steps_per_frame": 7})
    assert reopened.status_code == 201, reopened.text
    OPENED.append((client, reopened.json()["id"]))
    again = reopened.json()
    assert (again["family"], again["data"], again["seed"], again["step"], again["export"]) == (
        "gan", "8gaussians", 3, 300, body["model_id"])
    assert again["hp"]["lr_g"] == 0.002 and again["state"] == "paused" and again["frame"]["step"] == 300

    def distance(a, b):  # mean distance between two frames' samples (the same fixed draws per step)
        return sum(math.dist(p, q) for p, q in zip(a["samples"], b["samples"], strict=True)) / len(a["samples"])

    assert distance(again["frame"], trained) < distance(fresh["frame"], trained) / 5  # its weights, not fresh ones
    assert _control(client, again, action="step", n=5).status_code == 200
    assert _frames(client, again, 10, until=lambda f: f.get("step") == 305)[-1]["step"] == 305  # it trains on
    assert _control(client, again, action="reset").json()["step"] == 300
    assert again["budget"]["steps_left"] == session["budget"]["steps_left"]  # counted from the export's step


def test_reopening_names_what_is_wrong(lab, tmp_path):
    client, _ = lab
    assert client.post("/api/lab/exports/lab-nothing-here/session", json={}).status_code == 404
    assert client.post("/api/lab/exports/vae-mnist/session", json={}).status_code == 422  # not a lab export id
    assert client.post("/api/lab/exports/lab-x/session", json={"steps_per_frame": 0}).status_code == 422


def test_an_mnist_run_exports_as_a_model_the_regular_pages_open(tmp_path):
    write_tiny_checkpoints(tmp_path)  # the lab judges MNIST samples with the (tiny) digit classifier
    with uvicorn_server(tmp_path, SLOW_START) as (url, _), httpx.Client(base_url=url, timeout=150) as client:
        session = _create(client, family="vae", data="mnist", hp={"grid_every": 10})
        assert session["frame"]["grid"].startswith("data:image/png;base64,")
        assert len(session["frame"]["metrics"]["class_histogram"]) == 10
        _control(client, session, action="step", n=10)
        body = client.post(f"/api/lab/sessions/{session['id']}/export", json={}).json()
        assert body["family"] == "vae" and body["page"] == f"/vae?model={body['model_id']}"
        assert body["model_id"] in {m["id"] for m in client.get("/api/models").json()["models"]}
        assert client.post(f"/api/models/{body['model_id']}/sample", json={"n": 4, "seed": 1}).status_code == 200
    with uvicorn_server(tmp_path, SLOW_START) as (url, _):  # exports outlive the server that made them
        assert body["model_id"] in {m["id"] for m in httpx.get(f"{url}/api/models").json()["models"]}
