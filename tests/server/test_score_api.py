"""The 2-D score routes on tiny seeded models (an NCSN with 3 levels, an EBM): shapes, bounds, determinism, SSE."""

import json

import pytest


def test_the_field_holds_the_score_the_exact_one_and_their_error(client):
    out = client.post("/api/score2d/tiny-ncsn/field", json={"level": 1, "grid": 6}).json()
    assert out["kind"] == "ncsn" and out["levels"] == pytest.approx([2.0, 0.5, 0.1]) and out["sigma"] == pytest.approx(0.5)
    assert len(out["score"]) == len(out["reference"]) == len(out["error"]) == len(out["log_density"]) == 36
    assert all(len(v) == 2 for v in out["score"]) and out["energy"] is None and len(out["data"]) == 300
    assert set(out["error_by_density"]) == {"sigma", "high_density", "low_density"}
    default = client.post("/api/score2d/tiny-ncsn/field", json={}).json()
    assert default["level"] == 2 and len(default["score"]) == 400  # the last level, 20 x 20
    energy = client.post("/api/score2d/tiny-ebm/field", json={"grid": 4}).json()
    assert energy["kind"] == "ebm" and len(energy["energy"]) == 16


@pytest.mark.parametrize(("body", "named"), [
    ({"level": 3}, "has 3 noise level"), ({"grid": 49}, "grid"), ({"grid": 2.5}, "grid"), ({"level": -1}, "level"),
    ({"colour": 1}, "colour"),
])
def test_a_bad_field_request_is_a_422_naming_it(client, body, named):
    answer = client.post("/api/score2d/tiny-ncsn/field", json=body)
    assert answer.status_code == 422 and named in answer.text


def test_langevin_keeps_frames_is_deterministic_and_judges_its_samples(client):
    body = {"n": 50, "seed": 3, "steps_per_level": 4, "every": 2}
    out = client.post("/api/score2d/tiny-ncsn/langevin", json=body).json()
    assert out["steps"] == 13 and [f["step"] for f in out["frames"]] == [2, 4, 6, 8, 10, 12, 13]
    assert [f["level"] for f in out["frames"]][-1] == 3  # the denoising step comes after the three levels
    assert len(out["points"]) == 50 and set(out["quality"]) >= {"mmd", "mode_coverage", "mode_weight_tv"}
    assert out == client.post("/api/score2d/tiny-ncsn/langevin", json=body).json()
    plain = client.post("/api/score2d/tiny-ncsn/langevin", json={**body, "annealed": False}).json()
    assert plain["steps"] == 5 and all(f["sigma"] == pytest.approx(0.1) for f in plain["frames"])
    ranged = client.post("/api/score2d/tiny-ncsn/langevin", json={**body, "first_level": 1, "final_denoise": False}).json()
    assert ranged["steps"] == 8 and ranged["frames"][0]["sigma"] == pytest.approx(0.5)
    energy = client.post("/api/score2d/tiny-ebm/langevin", json={**body, "final_denoise": True}).json()
    assert energy["final_denoise"] is False and energy["steps"] == 4  # an EBM has one level and no denoising step


@pytest.mark.parametrize(("body", "named"), [
    ({"last_level": 5}, "has 3 noise level"), ({"first_level": 2, "last_level": 1}, "must not come after"),
    ({"steps_per_level": 2000}, "exceeds the limit of 5000"), ({"n": 2001}, "n"), ({"step_size": "nan"}, "step_size"),
    ({"steps_per_level": 1000, "every": 1}, "more than 200 frames"), ({"annealed": "yes"}, "annealed"),
])
def test_a_bad_langevin_request_is_a_422_naming_it(client, body, named):
    answer = client.post("/api/score2d/tiny-ncsn/langevin", json=body)
    assert answer.status_code == 422 and named in answer.text, answer.text


def test_langevin_streams_the_same_particles_as_the_json_answer(client):
    query = "n=20&seed=5&steps_per_level=3&every=3"
    with client.stream("GET", f"/api/score2d/tiny-ncsn/langevin/stream?{query}") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        lines = list(r.iter_lines())
    events = [line.split(": ", 1)[1] for line in lines if line.startswith("event: ")]
    data = [json.loads(line[6:]) for line in lines if line.startswith("data: ")]
    assert events == ["start", "step", "step", "step", "step", "done"]  # steps 3, 6, 9 and the denoising step 10
    body = client.post("/api/score2d/tiny-ncsn/langevin", json={"n": 20, "seed": 5, "steps_per_level": 3, "every": 3}).json()
    assert data[-1]["points"] == body["points"]
    assert client.get("/api/score2d/tiny-ncsn/langevin/stream?last_level=9").status_code == 422


def test_image_models_have_no_score_field_and_score_models_no_images(client):
    assert client.post("/api/score2d/tiny-vae/field", json={}).status_code == 409
    assert client.post("/api/models/tiny-ncsn/sample", json={"n": 1}).status_code == 409
    listed = {m["id"]: m for m in client.get("/api/models").json()["models"]}
    assert set(listed["tiny-ebm"]["capabilities"]) == {"score_field", "langevin_2d", "energy"}
