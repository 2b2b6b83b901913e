"""Flow routes on a tiny seeded normalizing flow: z and the round trip, interpolation, the layer view."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from tests.server.test_api import STROKE, png_size

# a digit with every grey level in it, so the round trip is tested off the 0/1 pixels too
GREYS = {"pixels": [(i % 97) / 96 if 5 <= i // 28 <= 22 else 0.0 for i in range(784)]}


def levels(data_url: str) -> np.ndarray:
    """A PNG data URL -> its 8-bit levels, (H, W)."""
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))), dtype=np.int64)


def test_encode_gives_z_the_likelihood_and_an_exact_round_trip(client):
    out = client.post("/api/flow/tiny-flow/encode", json={"image": GREYS, "seed": 3}).json()
    assert out["model"] == "tiny-flow" and out["seed"] == 3
    assert len(out["z"]) == 784 and all(round(v, 4) == v for v in out["z"])
    assert png_size(out["z_image"]) == (28, 28) and png_size(out["reconstruction"]) == (28, 28)
    assert out["nats"] > 0 and out["bits_per_dim"] == pytest.approx(out["nats"] / (784 * np.log(2)))
    assert out["round_trip"]["max_abs_error"] < 1e-4 and out["round_trip"]["pixels_changed"] == 0
    given = np.round(np.array(GREYS["pixels"]).reshape(28, 28) * 255)
    assert (levels(out["reconstruction"]) == given).all()


def test_z_image_shows_z_over_three_standard_deviations(client):
    out = client.post("/api/flow/tiny-flow/encode", json={"image": STROKE, "seed": 3}).json()
    expected = np.round(np.clip(np.array(out["z"]).reshape(28, 28) / 6 + 0.5, 0, 1) * 255)
    assert np.abs(levels(out["z_image"]) - expected).max() <= 1  # z itself is rounded to 4 decimals


def test_encode_is_deterministic_by_seed(client):
    a, b, c = (client.post("/api/flow/tiny-flow/encode", json={"image": STROKE, "seed": s}).json() for s in (1, 1, 2))
    assert a == b and a["z"] != c["z"]  # the seed draws the dequantization noise
    assert abs(a["bits_per_dim"] - c["bits_per_dim"]) < 0.01
    log_prob = client.post("/api/models/tiny-flow/log-prob", json={"image": STROKE, "seed": 1}).json()
    assert log_prob["nats"] == pytest.approx(a["nats"], rel=1e-5) and log_prob["data"] == "8-bit"
    assert 0 <= client.post("/api/flow/tiny-flow/encode", json={"image": STROKE}).json()["seed"] < 2**32


def test_interpolate_between_seeds_and_images(client):
    body = {"start": {"seed": 1}, "end": {"image": STROKE}, "steps": 5, "temperature": 0.5}
    out = client.post("/api/flow/tiny-flow/interpolate", json=body).json()
    assert set(out) == {"model", "images", "grid"} and len(out["images"]) == 5
    assert png_size(out["grid"]) == (5 * 30 - 2, 28)
    assert out == client.post("/api/flow/tiny-flow/interpolate", json=body).json()
    # the seed end is the noise the flow's own sampler decodes from that seed at that temperature
    sample = client.post("/api/models/tiny-flow/sample", json={"n": 1, "seed": 1, "temperature": 0.5}).json()
    assert out["images"][0] == sample["images"][0]
    encoded = client.post("/api/flow/tiny-flow/encode", json={"image": STROKE}).json()
    assert out["images"][-1] == encoded["reconstruction"]  # the image end: its z decodes back to it
    slerp = client.post("/api/flow/tiny-flow/interpolate", json={**body, "method": "slerp"}).json()
    assert slerp["images"][0] == out["images"][0] and slerp["images"][2] != out["images"][2]


def test_interpolate_answers_a_png_grid(client):
    r = client.post("/api/flow/tiny-flow/interpolate?format=png", json={"start": {"seed": 1}, "end": {"seed": 2}})
    assert r.headers["content-type"] == "image/png" and Image.open(io.BytesIO(r.content)).size == (8 * 30 - 2, 28)


def test_layers_show_every_layer_with_its_logdet(client):
    out = client.post("/api/flow/tiny-flow/layers", json={"image": STROKE, "seed": 2}).json()
    assert out["model"] == "tiny-flow" and out["seed"] == 2
    layers = out["layers"]
    assert layers[0]["name"].startswith("dequantized") and layers[-1]["name"].startswith("prior")
    assert len(layers) == 12  # dequantize, logit, 2 checkerboard, 3 + 3 Glow, split, prior
    for layer in layers:
        assert set(layer) == {"name", "logdet_nats", "image", "min", "max", "mean", "std"}
        assert png_size(layer["image"]) == (28, 28) and layer["min"] <= layer["mean"] <= layer["max"]
        shown = levels(layer["image"])
        assert shown.min() == 0 and shown.max() == 255  # min-max stretched for display
    # every log-det counted: their sum is log p(y), which the bits/dim is on the 256 levels
    log_py = sum(layer["logdet_nats"] for layer in layers)
    assert out["bits_per_dim"] == pytest.approx(-log_py / (784 * np.log(2)) + 8, abs=1e-3)
    encoded = client.post("/api/flow/tiny-flow/encode", json={"image": STROKE, "seed": 2}).json()
    assert out["bits_per_dim"] == pytest.approx(encoded["bits_per_dim"], rel=1e-5)


@pytest.mark.parametrize("path, body", [
    ("encode", {"image": STROKE, "seed": -1}),
    ("encode", {"image": STROKE, "seed": 2**32}),
    ("encode", {"image": STROKE, "label": 3}),  # a flow takes no label
    ("encode", {"image": {"pixels": [1.5] * 784}}),
    ("layers", {"image": STROKE, "extra": 1}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "steps": 33}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "steps": 1}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "temperature": 1.6}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "temperature": -0.1}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}, "method": "cubic"}),
    ("interpolate", {"start": {"seed": 1, "image": STROKE}, "end": {"seed": 2}}),
    ("interpolate", {"start": {}, "end": {"seed": 2}}),
    ("interpolate", {"start": {"latent": [0.0] * 10}, "end": {"seed": 2}}),
    ("interpolate", {"start": {"seed": 1}, "end": {"image": STROKE}, "method": "slerp", "temperature": 0}),
])
def test_out_of_range_or_malformed_requests_are_422(client, path, body):
    assert client.post(f"/api/flow/tiny-flow/{path}", json=body).status_code == 422


def test_temperature_zero_lerps_from_the_mode(client):
    body = {"start": {"seed": 1}, "end": {"seed": 2}, "temperature": 0, "steps": 3}
    out = client.post("/api/flow/tiny-flow/interpolate", json=body).json()
    assert len(set(out["images"])) == 1  # both ends are z = 0


@pytest.mark.parametrize("path, body", [
    ("encode", {"image": STROKE}), ("layers", {"image": STROKE}),
    ("interpolate", {"start": {"seed": 1}, "end": {"seed": 2}}),
])
def test_other_models_are_409_and_unknown_ones_404(client, path, body):
    for model in ("tiny-pixelcnn", "tiny-vae", "tiny-ddpm"):
        r = client.post(f"/api/flow/{model}/{path}", json=body)
        assert r.status_code == 409 and "capabilities" in r.json()["detail"]
    assert client.post(f"/api/flow/nope/{path}", json=body).status_code == 404
