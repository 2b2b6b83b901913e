"""Real HTTP through a uvicorn process serving the shipped checkpoints."""

import httpx

SHIPPED = {"digit-classifier", "vae-mnist", "cvae-mnist", "vae2d-mnist", "betavae-mnist"}


def test_every_shipped_checkpoint_loads(live_server):
    ready = httpx.get(f"{live_server}/readyz").json()
    assert ready["failed"] == [] and ready["models"] >= len(SHIPPED)
    ids = {m["id"] for m in httpx.get(f"{live_server}/api/models").json()["models"]}
    assert SHIPPED <= ids


def test_a_64_digit_grid_is_the_same_for_the_same_seed(live_server):
    body = {"n": 64, "seed": 2026, "temperature": 0.8}
    a = httpx.post(f"{live_server}/api/models/vae-mnist/sample", json=body, timeout=30).json()
    b = httpx.post(f"{live_server}/api/models/vae-mnist/sample", json=body, timeout=30).json()
    assert len(a["images"]) == 64 and a["grid"] == b["grid"] and a["seed"] == 2026
    png = httpx.post(f"{live_server}/api/models/vae-mnist/sample?format=png", json=body, timeout=30)
    assert png.headers["content-type"] == "image/png" and png.content[:4] == b"\x89PNG"


def test_pages_docs_and_static_are_served(live_server):
    for path in ("/", "/vae", "/docs", "/openapi.json", "/static/css/genlab.css"):
        assert httpx.get(f"{live_server}{path}").status_code == 200, path
    assert httpx.post(f"{live_server}/api/models/nope/sample", json={}).status_code == 404


def test_a_vae_with_a_fitted_prior_samples_from_either_prior(live_server):
    body = {"n": 8, "seed": 5}
    fitted = httpx.post(f"{live_server}/api/models/vae-mnist/sample", json=body, timeout=30).json()
    standard = httpx.post(f"{live_server}/api/models/vae-mnist/sample", json={**body, "prior": "standard"}, timeout=30).json()
    assert fitted["prior"] == "fitted" and standard["prior"] == "standard" and fitted["grid"] != standard["grid"]
    refused = httpx.post(f"{live_server}/api/models/cvae-mnist/sample", json={**body, "prior": "standard"}, timeout=30)
    assert refused.status_code == 409 and "fitted_prior" in refused.json()["detail"]
