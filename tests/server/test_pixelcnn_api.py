"""PixelCNN routes on a tiny seeded class-conditional Gated PixelCNN: the pixel stream, completion,
the surprise heat map with its class posterior."""

import itertools
import json
import math

import numpy as np
import pytest

from tests.server.test_api import STROKE, png_size
from tests.server.test_flow_api import GREYS, levels


def read_stream(client, query: str, route: str = "/api/pixelcnn/tiny-pixelcnn/stream") -> list[tuple[str, dict]]:
    """The events of one stream (by default the tiny PixelCNN's pixels) as (name, data), parsed from the SSE text."""
    with client.stream("GET", f"{route}{query}") as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        text = r.read().decode()
    events = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.split("\n") if not line.startswith(":"))
        events.append((fields["event"], json.loads(fields["data"])))
    return events


def test_stream_draws_every_pixel_in_raster_order(client):
    events = read_stream(client, "?seed=3&label=4")
    assert [name for name, _ in events] == ["start"] + ["pixel"] * 784 + ["done"]
    assert events[0][1] == {"model": "tiny-pixelcnn", "seed": 3, "label": 4}
    pixels = [data for _, data in events[1:-1]]
    assert [(p["row"], p["col"]) for p in pixels] == [(r, c) for r in range(28) for c in range(28)]
    for p in pixels[:: 97]:
        assert set(p) == {"row", "col", "value", "probs", "canvas"} and png_size(p["canvas"]) == (28, 28)
        assert len(p["probs"]) == 256 and sum(p["probs"]) == pytest.approx(1, abs=1e-3)
        assert all(round(v, 5) == v for v in p["probs"]) and 0 <= p["value"] <= 255
        canvas = levels(p["canvas"]).flatten()
        drawn = p["row"] * 28 + p["col"]
        assert canvas[drawn] == p["value"] and (canvas[drawn + 1:] == 128).all()  # not yet drawn: mid-grey
    done = events[-1][1]
    assert done["seed"] == 3 and done["label"] == 4 and done["image"] == pixels[-1]["canvas"]
    image = levels(done["image"]).flatten()
    assert [p["value"] for p in pixels] == image.tolist()


def test_stream_is_deterministic_and_matches_sample(client):
    a = read_stream(client, "?seed=5")
    assert a == read_stream(client, "?seed=5")
    label = a[0][1]["label"]
    assert label in range(10)  # drawn from the seed and echoed
    # the same seed's draw as the sample route's: the same label, the same pixels
    sample = client.post("/api/models/tiny-pixelcnn/sample", json={"n": 1, "seed": 5}).json()
    assert sample["labels"] == [label] and sample["images"][0] == a[-1][1]["image"]
    assert read_stream(client, "?seed=6")[-1][1]["image"] != a[-1][1]["image"]


@pytest.mark.parametrize("query, status", [
    ("?label=10", 422), ("?label=-1", 422), ("?seed=-1", 422), ("?seed=4294967296", 422), ("?seed=x", 422),
    ("?steps=3", 422),
])
def test_stream_validates_its_query(client, query, status):
    assert client.get(f"/api/pixelcnn/tiny-pixelcnn/stream{query}").status_code == status


def test_stream_needs_a_pixelcnn(client):
    assert client.get("/api/pixelcnn/tiny-flow/stream").status_code == 409
    assert client.get("/api/pixelcnn/tiny-ddpm/stream").status_code == 409
    assert client.get("/api/pixelcnn/nope/stream").status_code == 404


def test_completions_keep_the_given_rows(client):
    body = {"image": GREYS, "keep_rows": 10, "n": 3, "seed": 2, "label": 7}
    out = client.post("/api/pixelcnn/tiny-pixelcnn/complete", json=body).json()
    assert (out["model"], out["seed"], out["keep_rows"], out["label"]) == ("tiny-pixelcnn", 2, 10, 7)
    assert len(out["images"]) == 3 and png_size(out["grid"]) == (3 * 30 - 2, 28)
    given = np.round(np.array(GREYS["pixels"]).reshape(28, 28) * 255)
    shown = levels(out["given"])
    assert (shown[:10] == given[:10]).all() and (shown[10:] == 0).all()
    completions = [levels(image) for image in out["images"]]
    for image in completions:
        assert (image[:10] == given[:10]).all()
    assert any((a[10:] != b[10:]).any() for a, b in itertools.pairwise(completions))  # drawn, not copied
    assert out == client.post("/api/pixelcnn/tiny-pixelcnn/complete", json=body).json()
    other = client.post("/api/pixelcnn/tiny-pixelcnn/complete", json={**body, "seed": 3}).json()
    assert other["images"] != out["images"]


def test_completion_without_a_label_draws_one(client):
    out = client.post("/api/pixelcnn/tiny-pixelcnn/complete", json={"image": STROKE, "n": 1, "seed": 4}).json()
    assert out["label"] in range(10) and out["keep_rows"] == 14 and len(out["images"]) == 1
    r = client.post("/api/pixelcnn/tiny-pixelcnn/complete?format=png", json={"image": STROKE, "n": 2, "seed": 4})
    assert r.headers["content-type"] == "image/png"


def test_heatmap_gives_bits_per_pixel_and_the_class_posterior(client):
    out = client.post("/api/pixelcnn/tiny-pixelcnn/heatmap", json={"image": STROKE}).json()
    posterior = out["class_posterior"]
    assert len(posterior) == 10 and sum(posterior) == pytest.approx(1, abs=1e-4) and min(posterior) >= 0
    assert out["label"] == int(np.argmax(posterior))  # no label given: the most probable class
    assert len(out["pixel_bits"]) == 784 and min(out["pixel_bits"]) >= 0
    assert all(round(v, 3) == v for v in out["pixel_bits"])
    assert out["bits_per_dim"] == pytest.approx(np.mean(out["pixel_bits"]), abs=1e-3)
    assert out["heatmap_max_bits"] == pytest.approx(max(out["pixel_bits"]), abs=1e-3)
    heat = levels(out["heatmap"]).flatten()
    expected = np.round(np.array(out["pixel_bits"]) / out["heatmap_max_bits"] * 255)
    assert np.abs(heat - expected).max() <= 1 and heat.max() == 255  # brighter = more surprising
    # the per-pixel bits sum to the image's -log2 p(x | label), as the log-prob route says
    log_prob = client.post("/api/models/tiny-pixelcnn/log-prob", json={"image": STROKE, "label": out["label"]}).json()
    assert log_prob["bits_per_dim"] == pytest.approx(out["bits_per_dim"], rel=1e-5) and log_prob["data"] == "8-bit"


def test_heatmap_takes_a_given_label(client):
    free = client.post("/api/pixelcnn/tiny-pixelcnn/heatmap", json={"image": STROKE}).json()
    other = int(np.argsort(free["class_posterior"])[-2])  # the runner-up: a posterior not rounded to 0
    out = client.post("/api/pixelcnn/tiny-pixelcnn/heatmap", json={"image": STROKE, "label": other}).json()
    assert out["label"] == other and out["class_posterior"] == free["class_posterior"]
    # Bayes' rule with a uniform prior: the bits/dim gap of two labels is their posterior log ratio
    ratio = math.log2(free["class_posterior"][free["label"]] / out["class_posterior"][other])
    assert (out["bits_per_dim"] - free["bits_per_dim"]) * 784 == pytest.approx(ratio, rel=1e-2, abs=0.05)


@pytest.mark.parametrize("path, body", [
    ("complete", {"image": STROKE, "keep_rows": 0}),
    ("complete", {"image": STROKE, "keep_rows": 28}),
    ("complete", {"image": STROKE, "n": 0}),
    ("complete", {"image": STROKE, "n": 17}),
    ("complete", {"image": STROKE, "label": 10}),
    ("complete", {"image": STROKE, "seed": 2**32}),
    ("complete", {"image": STROKE, "keep_rows": 1.5}),
    ("heatmap", {"image": STROKE, "label": -1}),
    ("heatmap", {"image": STROKE, "seed": 1}),
    ("heatmap", {"image": {"pixels": [0.5] * 783}}),
])
def test_out_of_range_or_malformed_requests_are_422(client, path, body):
    assert client.post(f"/api/pixelcnn/tiny-pixelcnn/{path}", json=body).status_code == 422


@pytest.mark.parametrize("path", ["complete", "heatmap"])
def test_other_models_are_409_and_unknown_ones_404(client, path):
    for model in ("tiny-flow", "tiny-vae"):
        r = client.post(f"/api/pixelcnn/{model}/{path}", json={"image": STROKE})
        assert r.status_code == 409 and "capabilities" in r.json()["detail"]
    assert client.post(f"/api/pixelcnn/nope/{path}", json={"image": STROKE}).status_code == 404


def test_log_prob_without_a_label_needs_a_model_that_can_marginalise(client):
    assert client.post("/api/models/tiny-cvae/log-prob", json={"image": STROKE}).status_code == 422  # which class?
    pixelcnn = client.post("/api/models/tiny-pixelcnn/log-prob", json={"image": STROKE}).json()
    per_class = [client.post("/api/models/tiny-pixelcnn/log-prob", json={"image": STROKE, "label": y}).json()["nats"]
                 for y in range(10)]
    # -log p(x) = -log (sum_y p(x | y) / 10): between the best class's figure and that figure + log 10
    assert min(per_class) - 1e-3 <= pixelcnn["nats"] <= min(per_class) + math.log(10) + 1e-3
    assert pixelcnn["label"] is None and pixelcnn["exact"] is True
