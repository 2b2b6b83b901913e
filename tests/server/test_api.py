"""Every route through the ASGI app on tiny seeded checkpoints: shapes, determinism, bad input."""

import base64
import io

import pytest
from PIL import Image

from tests.conftest import TINY_MODELS

ZERO = {"pixels": [0.0] * 784}
STROKE = {"pixels": [1.0 if 10 <= i % 28 <= 17 and 6 <= i // 28 <= 21 else 0.0 for i in range(784)]}


def png_size(data_url: str) -> tuple[int, int]:
    return Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))).size


def test_health_ready_and_docs(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz").json()
    assert ready["ready"] and ready["models"] == len(TINY_MODELS) and ready["failed"] == []
    assert "/api/models/{model_id}/sample" in client.get("/openapi.json").json()["paths"]
    assert client.get("/docs").status_code == 200


def test_models_list_and_detail(client):
    listed = {m["id"]: m for m in client.get("/api/models").json()["models"]}
    assert set(listed) == TINY_MODELS
    assert "conditional" in listed["tiny-cvae"]["capabilities"] and listed["tiny-cvae"]["num_classes"] == 10
    assert "latent_map" in listed["tiny-vae"]["capabilities"] and listed["tiny-vae"]["likelihood"] == "bound"
    assert "history" not in listed["tiny-vae"]["card"]["training"]
    detail = client.get("/api/models/tiny-vae").json()
    assert detail["card"]["config"]["latent_dim"] == 2 and "history" in detail["card"]["training"]
    assert client.get("/api/models/nope").status_code == 404


def test_sample_echoes_seed_and_is_deterministic(client):
    a = client.post("/api/models/tiny-vae/sample", json={"n": 10, "seed": 7}).json()
    b = client.post("/api/models/tiny-vae/sample", json={"n": 10, "seed": 7}).json()
    c = client.post("/api/models/tiny-vae/sample", json={"n": 10, "seed": 8}).json()
    assert a["seed"] == 7 and a["model"] == "tiny-vae" and len(a["images"]) == 10
    assert a["images"] == b["images"] and a["grid"] == b["grid"] and a["images"] != c["images"]
    assert png_size(a["images"][0]) == (28, 28)
    assert png_size(a["grid"]) == (8 * 30 - 2, 2 * 30 - 2)
    drawn = client.post("/api/models/tiny-vae/sample", json={"n": 1}).json()
    assert 0 <= drawn["seed"] < 2**32  # a fresh seed is drawn and returned


def test_conditional_sample_uses_the_label(client):
    out = client.post("/api/models/tiny-cvae/sample", json={"n": 4, "seed": 1, "label": 3}).json()
    assert out["labels"] == [3, 3, 3, 3]
    free = client.post("/api/models/tiny-cvae/sample", json={"n": 4, "seed": 1}).json()
    assert len(free["labels"]) == 4


def test_format_png_in_query_or_body(client):
    for r in (client.post("/api/models/tiny-vae/sample?format=png", json={"n": 3, "seed": 1}),
              client.post("/api/models/tiny-vae/sample", json={"n": 3, "seed": 1, "format": "png"})):
        assert r.headers["content-type"] == "image/png" and Image.open(io.BytesIO(r.content)).size == (88, 28)


def test_encode_decode_reconstruct_log_prob(client):
    enc = client.post("/api/models/tiny-vae/encode", json={"image": STROKE}).json()
    assert len(enc["latent_mean"]) == len(enc["latent_logvar"]) == 2
    dec = client.post("/api/models/tiny-vae/decode", json={"latents": [enc["latent_mean"], [0.0, 0.0]]}).json()
    assert len(dec["images"]) == 2
    rec = client.post("/api/models/tiny-vae/reconstruct", json={"image": STROKE, "seed": 1}).json()
    elbo = rec["elbo"]
    assert elbo["elbo_nats"] == pytest.approx(-(elbo["recon_nats"] + elbo["kl_nats"]), rel=1e-5)
    assert png_size(rec["input"]) == png_size(rec["reconstruction"]) == (28, 28)
    lp = client.post("/api/models/tiny-vae/log-prob", json={"image": STROKE, "seed": 1}).json()
    assert lp["exact"] is False and lp["nats"] > 0 and lp["bits_per_dim"] == pytest.approx(lp["nats"] / (784 * 0.6931), rel=1e-3)
    assert lp["data"] == "bernoulli"  # not comparable with the 8-bit figures of flows, PixelCNNs and diffusion


def test_interpolate_traverse_and_latent_map(client):
    body = {"start": {"seed": 1}, "end": {"image": STROKE}, "steps": 5, "method": "slerp"}
    out = client.post("/api/models/tiny-vae/interpolate", json=body).json()
    assert len(out["frames"]) == 5 and len(out["latents"]) == 5
    lerp = client.post("/api/models/tiny-vae/interpolate", json={**body, "method": "lerp"}).json()
    assert lerp["latents"][0] == out["latents"][0] and lerp["latents"][2] != out["latents"][2]
    tr = client.post("/api/models/tiny-vae/traverse", json={"seed": 2, "dim": 1, "span": 2, "steps": 3}).json()
    assert [z[1] for z in tr["latents"]] == [-2.0, 0.0, 2.0]
    m = client.post("/api/models/tiny-vae/latent-map", json={"grid": 4, "extent": 2}).json()
    assert png_size(m["image"]) == (112, 112) and len(m["points"]) == 1000
    assert {p["label"] for p in m["points"]} == set(range(10))


def test_data_digits(client):
    out = client.get("/api/data/digits?split=train&n=3&seed=5&label=4").json()
    assert [d["label"] for d in out["digits"]] == [4, 4, 4] and len(out["digits"][0]["pixels"]) == 784
    again = client.get("/api/data/digits?split=train&n=3&seed=5&label=4").json()
    assert again == out
    idx = out["digits"][0]["index"]
    assert client.get("/api/data/digits?split=train&n=64&seed=5&label=4").json()["digits"][0]["index"] == idx


@pytest.mark.parametrize("path, body, status", [
    ("/api/models/tiny-vae/sample", {"n": 65}, 422),
    ("/api/models/tiny-vae/sample", {"n": 0}, 422),
    ("/api/models/tiny-vae/sample", {"seed": -1}, 422),
    ("/api/models/tiny-vae/sample", {"seed": 2**32}, 422),
    ("/api/models/tiny-vae/sample", {"temperature": 3.5}, 422),
    ("/api/models/tiny-vae/sample", {"nn": 3}, 422),
    ("/api/models/tiny-vae/sample", {"label": 3}, 409),
    ("/api/models/tiny-cvae/sample", {"label": 10}, 422),
    ("/api/models/missing/sample", {}, 404),
    ("/api/models/digit-classifier/sample", {}, 409),
    ("/api/models/tiny-vae/decode", {"latents": [[0.0, 0.0, 0.0]]}, 422),
    ("/api/models/tiny-vae/decode", {"latents": [[11.0, 0.0]]}, 422),
    ("/api/models/tiny-vae/decode", {"latents": [[0.0, 0.0]] * 65}, 422),
    ("/api/models/tiny-cvae/decode", {"latents": [[0.0] * 3]}, 422),
    ("/api/models/tiny-cvae/decode", {"latents": [[0.0] * 3], "labels": [1, 2]}, 422),
    ("/api/models/tiny-vae/interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "steps": 65}, 422),
    ("/api/models/tiny-vae/interpolate", {"start": {"seed": 1, "latent": [0, 0]}, "end": {"seed": 2}}, 422),
    ("/api/models/tiny-vae/interpolate", {"start": {}, "end": {"seed": 2}}, 422),
    ("/api/models/tiny-vae/interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "method": "cubic"}, 422),
    ("/api/models/tiny-vae/traverse", {"dim": 2}, 422),
    ("/api/models/tiny-vae/latent-map", {"grid": 33}, 422),
    ("/api/models/tiny-cvae/latent-map", {}, 409),
    ("/api/models/tiny-vae/reconstruct", {"image": {"pixels": [0.5] * 783}}, 422),
    ("/api/models/tiny-vae/reconstruct", {"image": {"pixels": [1.5] * 784}}, 422),
    ("/api/models/tiny-vae/reconstruct", {"image": "data:text/plain;base64,aGVsbG8="}, 422),
    ("/api/models/tiny-vae/reconstruct", {"image": "data:image/png;base64,aGVsbG8="}, 422),
    ("/api/models/tiny-vae/reconstruct", {"image": "data:image/png;base64,@@@"}, 422),
    ("/api/models/tiny-cvae/reconstruct", {"image": ZERO}, 422),
])
def test_bad_input_gets_a_clear_4xx(client, path, body, status):
    r = client.post(path, json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


@pytest.mark.parametrize("raw", [
    b'{"latents": [[NaN, 0.0]]}', b'{"latents": [[Infinity, 0.0]]}', b'{"n": 2, "temperature": NaN}',
])
def test_nan_and_inf_are_refused(client, raw):
    path = "/api/models/tiny-vae/" + ("decode" if b"latents" in raw else "sample")
    r = client.post(path, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text


def test_nan_pixels_are_refused(client):
    raw = b'{"image": {"pixels": [NaN' + b", 0.0" * 783 + b"]}}"
    r = client.post("/api/models/tiny-vae/reconstruct", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422


def test_oversized_body_and_oversized_image_are_413(client):
    r = client.post("/api/models/tiny-vae/reconstruct", content=b"x" * 2_100_000,
                    headers={"content-type": "application/json"})
    assert r.status_code == 413
    big = io.BytesIO()
    Image.new("L", (4100, 10)).save(big, format="PNG")
    url = "data:image/png;base64," + base64.b64encode(big.getvalue()).decode()
    r = client.post("/api/models/tiny-vae/reconstruct", json={"image": url})
    assert r.status_code == 413 and "4096" in r.json()["detail"]


def test_readyz_reports_a_corrupt_checkpoint_and_serves_the_rest(tmp_path):
    from fastapi.testclient import TestClient

    from server.app import create_app
    from server.config import Settings
    from tests.conftest import write_tiny_checkpoints

    write_tiny_checkpoints(tmp_path)
    (tmp_path / "tiny-cvae.safetensors").write_bytes(b"\x00garbage")
    with TestClient(create_app(Settings(checkpoint_dir=tmp_path))) as c:
        ready = c.get("/readyz").json()
        assert ready["models"] == len(TINY_MODELS) - 1 and [f["id"] for f in ready["failed"]] == ["tiny-cvae"]
        assert c.post("/api/models/tiny-vae/sample", json={"n": 2}).status_code == 200
        assert c.post("/api/models/tiny-cvae/sample", json={"n": 2}).status_code == 404
        assert c.get("/api/models").json()["failed"][0]["id"] == "tiny-cvae"
