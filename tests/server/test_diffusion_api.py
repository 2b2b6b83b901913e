"""Diffusion routes on a tiny seeded DDPM (T = 50): frames, determinism, SSE, bounds."""

import json
import time
from typing import get_args

import pytest

from models.diffusion.sampling import SAMPLERS
from server.schemas import SamplerName
from tests.server.test_api import STROKE, png_size

MASK = {"pixels": [1.0 if i // 28 < 14 else 0.0 for i in range(784)]}


def test_trajectory_keeps_frames_and_is_deterministic(client):
    body = {"n": 3, "seed": 4, "label": 2, "steps": 10, "every": 3, "guidance": 2.0}
    unconditional = client.post("/api/models/tiny-ddpm/trajectory", json={**body, "label": None}).json()
    a = client.post("/api/models/tiny-ddpm/trajectory", json=body).json()
    b = client.post("/api/models/tiny-ddpm/trajectory", json=body).json()
    assert [f["i"] for f in a["frames"]] == [0, 3, 6, 9]
    assert a["frames"][0]["t"] == 49 and a["frames"][-1]["t"] == 0
    assert a["images"] == b["images"] and len(a["images"]) == 3 and a["seed"] == 4
    assert unconditional["label"] is None and len(unconditional["images"]) == 3  # no label: the null class
    assert a["frames"][0]["x_t"] != a["frames"][-1]["x_t"]
    assert png_size(a["frames"][0]["x0_pred"]) == (3 * 30 - 2, 28)


def test_ddpm_sampler_and_eta_change_the_result(client):
    base = {"n": 2, "seed": 4, "steps": 8, "every": 8}
    ddim = client.post("/api/models/tiny-ddpm/trajectory", json=base).json()["images"]
    ddpm = client.post("/api/models/tiny-ddpm/trajectory", json={**base, "sampler": "ddpm"}).json()["images"]
    noisy = client.post("/api/models/tiny-ddpm/trajectory", json={**base, "eta": 1.0}).json()["images"]
    assert ddim != ddpm and ddim != noisy


def test_sde_and_ode_samplers_on_the_trajectory_sample_and_invert_routes(client):
    base = {"n": 2, "seed": 4, "steps": 8, "every": 4}
    runs = {name: client.post("/api/models/tiny-ddpm/trajectory", json={**base, "sampler": name}).json()
            for name in ("ddim", "sde", "ode")}
    assert runs["sde"]["sampler"] == "sde" and [f["i"] for f in runs["ode"]["frames"]] == [0, 4, 7]
    assert len({tuple(r["images"]) for r in runs.values()}) == 3  # three different reverse processes
    again = client.post("/api/models/tiny-ddpm/trajectory", json={**base, "sampler": "ode"}).json()
    assert again["images"] == runs["ode"]["images"]
    # /sample takes them too, for diffusion models only; the answer says which ran
    sampled = client.post("/api/models/tiny-ddpm/sample", json={"n": 2, "seed": 4, "sampler": "ode", "steps": 8}).json()
    assert sampled["sampler"] == "ode" and sampled["steps"] == 8 and len(sampled["images"]) == 2
    default = client.post("/api/models/tiny-ddpm/sample", json={"n": 2, "seed": 4}).json()
    assert "sampler" not in default and default["images"] != sampled["images"]
    assert client.post("/api/models/tiny-vae/sample", json={"sampler": "ode"}).status_code == 409
    assert client.post("/api/models/tiny-ddpm/sample", json={"steps": 51}).status_code == 422  # T = 50
    assert client.post("/api/models/tiny-ddpm/sample", json={"sampler": "euler"}).status_code == 422
    # the probability-flow ODE inverts too, and closer than DDIM's Euler steps
    inverted = {name: client.post("/api/models/tiny-ddpm/invert", json={"image": STROKE, "steps": 20, "sampler": name}).json()
                for name in ("ddim", "ode")}
    assert inverted["ode"]["sampler"] == "ode" and inverted["ode"]["noise"] != inverted["ddim"]["noise"]
    assert client.post("/api/models/tiny-ddpm/invert", json={"image": STROKE, "sampler": "sde"}).status_code == 422


def test_a_latent_diffusion_model_samples_through_the_same_route_and_samplers(client):
    """Its reverse process runs over the 4 x 7 x 7 latent and the answer is images, as any model's; its
    trajectory's frames are the latents decoded."""
    out = client.post("/api/models/tiny-ldm/sample", json={"n": 2, "seed": 1, "label": 3, "sampler": "ddim", "steps": 5}).json()
    assert out["sampler"] == "ddim" and out["steps"] == 5 and len(out["images"]) == 2
    again = client.post("/api/models/tiny-ldm/sample", json={"n": 2, "seed": 1, "label": 3, "sampler": "ddim", "steps": 5}).json()
    assert again["images"] == out["images"]
    assert client.post("/api/models/tiny-ldm/sample", json={"steps": 21}).status_code == 422  # T = 20
    trajectory = client.post("/api/models/tiny-ldm/trajectory", json={"n": 2, "seed": 1, "steps": 4, "every": 1}).json()
    assert len(trajectory["frames"]) == 4 and png_size(trajectory["frames"][0]["x_t"]) == (2 * 30 - 2, 28)  # decoded
    assert client.post("/api/models/tiny-ldm/inpaint", json={"image": STROKE, "mask": MASK}).status_code == 409


def test_annealed_langevin_runs_one_frame_per_noise_level_with_its_own_controls(client):
    body = {"n": 2, "seed": 4, "steps": 6, "every": 1, "sampler": "langevin", "steps_per_level": 3, "step_size": 2e-4}
    out = client.post("/api/models/tiny-ddpm/trajectory", json=body).json()
    assert out["sampler"] == "langevin" and out["steps_per_level"] == 3 and len(out["frames"]) == 6
    assert out["frames"][0]["t"] == 49 and out["frames"][-1]["t"] == 0  # from the noisiest level to the cleanest
    assert out == client.post("/api/models/tiny-ddpm/trajectory", json=body).json()
    other = client.post("/api/models/tiny-ddpm/trajectory", json={**body, "step_size": 1e-3}).json()
    assert other["images"] != out["images"]
    for bad in ({"step_size": 0}, {"step_size": 0.1}, {"steps_per_level": 11}, {"step_size": "nan"}):
        assert client.post("/api/models/tiny-ddpm/trajectory", json={**body, **bad}).status_code == 422, bad


def test_langevin_takes_a_noise_range_and_may_skip_the_final_denoising_step(client):
    """sigma_max / sigma_min choose the levels (the tiny model's linear T = 50 spans sigma 0.01 to ~4), echoed in
    the answer; a range the model lacks is a 422 naming the bound, and so is a stream asking for it."""
    body = {"n": 2, "seed": 4, "steps": 5, "every": 1, "sampler": "langevin", "sigma_max": 1.0, "sigma_min": 0.1}
    out = client.post("/api/models/tiny-ddpm/trajectory", json=body).json()
    full = client.post("/api/models/tiny-ddpm/trajectory", json={**body, "sigma_max": None, "sigma_min": None}).json()
    assert out["sigma_max"] == 1.0 and out["final_denoise"] is True and len(out["frames"]) == 5
    assert out["frames"][0]["t"] < full["frames"][0]["t"] and out["frames"][-1]["t"] > full["frames"][-1]["t"]
    raw = client.post("/api/models/tiny-ddpm/trajectory", json={**body, "final_denoise": False}).json()
    assert raw["final_denoise"] is False and raw["images"] != out["images"]
    for bad, named in (({"sigma_max": 900.0}, "sigma_max = 900"), ({"sigma_min": 2.0}, "must be below"),
                       ({"sigma_min": 0.0}, "sigma_min"), ({"steps": 40, "sigma_min": 0.9}, "exceeds")):
        answer = client.post("/api/models/tiny-ddpm/trajectory", json={**body, **bad})
        assert answer.status_code == 422 and named in answer.text, (bad, answer.text)
    assert client.get("/api/models/tiny-ddpm/trajectory/stream?sampler=langevin&steps=5&sigma_max=900").status_code == 422


def test_stream_sends_a_step_event_per_kept_step_then_done(client):
    with client.stream("GET", "/api/models/tiny-ddpm/trajectory/stream?n=2&seed=1&steps=6&every=2") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        events = [line.split(": ", 1)[1] for line in r.iter_lines() if line.startswith("event: ")]
    assert events == ["start"] + ["step"] * 4 + ["done"]  # steps 0, 2, 4 and always the last (5)
    json_body = client.post("/api/models/tiny-ddpm/trajectory", json={"n": 2, "seed": 1, "steps": 6, "every": 2}).json()
    with client.stream("GET", "/api/models/tiny-ddpm/trajectory/stream?n=2&seed=1&steps=6&every=2") as r:
        data = [json.loads(line[6:]) for line in r.iter_lines() if line.startswith("data: ")]
    assert data[-1]["images"] == json_body["images"]  # stream and JSON give the same pixels


def test_stream_stops_when_the_client_leaves_and_frees_its_slot(client):
    with client.stream("GET", "/api/models/tiny-ddpm/trajectory/stream?n=8&seed=1&steps=50&every=1") as r:
        for line in r.iter_lines():
            if line.startswith("event: step"):
                assert client.get("/readyz").json()["slots"]["busy"] == 1
                break  # leave after the first frame
    deadline = time.monotonic() + 5
    while client.get("/readyz").json()["slots"]["busy"] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert client.get("/readyz").json()["slots"]["busy"] == 0


def test_stream_validates_its_query(client):
    assert client.get("/api/models/tiny-ddpm/trajectory/stream?steps=1001").status_code == 422
    assert client.get("/api/models/tiny-ddpm/trajectory/stream?steps=1000&every=1").status_code == 422
    assert client.get("/api/models/tiny-vae/trajectory/stream").status_code == 409


def test_noise_route_reports_alpha_bar_and_snr(client):
    early = client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 1, "seed": 3}).json()
    late = client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 49, "seed": 3}).json()
    assert 1 > early["alpha_bar"] > late["alpha_bar"] > 0 and early["snr"] > late["snr"]
    assert early["x_0"].startswith("data:image/png")
    cosine = client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 25, "schedule": "cosine"}).json()
    assert cosine["schedule"] == "cosine"
    assert client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 50}).status_code == 422
    assert client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 5, "seed": 3}).json()["x_t"] == \
        client.post("/api/models/tiny-ddpm/noise", json={"image": STROKE, "t": 5, "seed": 3}).json()["x_t"]


def test_inpaint_and_invert(client):
    out = client.post("/api/models/tiny-ddpm/inpaint",
                      json={"image": STROKE, "mask": MASK, "n": 2, "seed": 1, "steps": 5, "label": 1}).json()
    assert len(out["images"]) == 2 and len(out["frames"]) == 5
    inv = client.post("/api/models/tiny-ddpm/invert", json={"image": STROKE, "steps": 20}).json()
    assert inv["noise_std"] > 0.3 and 0 <= inv["max_abs_error"] <= 1


def test_schedules(client):
    out = client.get("/api/diffusion/schedules?points=11").json()["schedules"]
    assert set(out) == {"linear", "cosine"} and len(out["linear"]["t"]) == 11
    assert out["cosine"]["alpha_bar"][0] > out["cosine"]["alpha_bar"][-1]


@pytest.mark.parametrize("body", [
    {"steps": 0}, {"steps": 1001}, {"guidance": 21}, {"guidance": -1}, {"eta": 1.5}, {"n": 65},
    {"sampler": "euler"}, {"steps": 1000, "every": 4}, {"label": 11},
])
def test_trajectory_bounds(client, body):
    assert client.post("/api/models/tiny-ddpm/trajectory", json=body).status_code == 422


def test_more_steps_than_the_model_has_are_refused(client):
    r = client.post("/api/models/tiny-ddpm/trajectory", json={"n": 1, "steps": 51})  # T = 50
    assert r.status_code == 422 and "T = 50" in r.json()["detail"]
    assert client.post("/api/models/tiny-ddpm/invert", json={"image": STROKE, "steps": 60}).status_code == 422
    assert client.get("/api/models/tiny-ddpm/trajectory/stream?steps=51").status_code == 422


def test_vae_has_no_trajectory_and_ddpm_no_encode(client):
    assert client.post("/api/models/tiny-vae/trajectory", json={}).status_code == 409
    assert client.post("/api/models/tiny-ddpm/encode", json={"image": STROKE}).status_code == 409


def test_log_prob_is_the_seeded_variational_bound(client):
    body = {"image": STROKE, "seed": 4, "label": 3}
    a = client.post("/api/models/tiny-ddpm/log-prob", json=body).json()
    assert a == client.post("/api/models/tiny-ddpm/log-prob", json=body).json()
    assert a["exact"] is False and "variational bound" in a["method"] and a["nats"] > 0 and a["label"] == 3
    unconditional = client.post("/api/models/tiny-ddpm/log-prob", json={"image": STROKE, "seed": 4}).json()
    assert unconditional["label"] is None and unconditional["nats"] > 0  # the null-class model's bound



def test_exact_log_prob_of_a_diffusion_model_is_its_probability_flow_odes(client):
    body = {"image": STROKE, "seed": 4, "label": 3}
    bound = client.post("/api/models/tiny-ddpm/log-prob", json=body).json()
    exact = client.post("/api/models/tiny-ddpm/log-prob", json={**body, "exact": True}).json()
    assert exact["exact"] is True and "probability-flow ODE" in exact["method"] and exact["label"] == 3
    assert exact["nats"] != bound["nats"] and exact["stderr_nats"] >= 0 and exact["data"] == "8-bit"
    assert exact == client.post("/api/models/tiny-ddpm/log-prob", json={**body, "exact": True}).json()  # seeded
    # a flow's own figure is exact already; a VAE has no exact likelihood to give
    flow = client.post("/api/models/tiny-flow/log-prob", json={"image": STROKE, "seed": 1, "exact": True}).json()
    assert flow == client.post("/api/models/tiny-flow/log-prob", json={"image": STROKE, "seed": 1}).json()
    assert client.post("/api/models/tiny-vae/log-prob", json={"image": STROKE, "exact": True}).status_code == 409
    assert client.post("/api/models/tiny-ddpm/log-prob", json={"image": STROKE, "exact": "yes"}).status_code == 422


def test_the_api_offers_exactly_the_samplers_the_models_have():
    assert set(get_args(SamplerName)) == set(SAMPLERS)
