"""POST /api/data/nearest on the tiny classifier: the answer's shape, its bounds, and a training digit found as itself."""

import io

import pytest
from PIL import Image

from models.data import load_digits
from server.images import to_data_url, to_png
from tests.server.test_api import STROKE

SPACE_KEYS = {"neighbours", "heldout_distance", "heldout_neighbour", "ratio", "near_copy"}


def test_the_answer_lists_k_neighbours_in_each_space_nearest_first(client):
    out = client.post("/api/data/nearest", json={"image": STROKE, "k": 4}).json()
    assert out["input"].startswith("data:image/png;base64,") and out["near_copy_ratio"] == 0.5
    for space in ("pixels", "features"):
        answer = out[space]
        assert set(answer) == SPACE_KEYS
        distances = [n["distance"] for n in answer["neighbours"]]
        assert len(distances) == 4 and distances == sorted(distances)
        assert all(0 <= n["index"] < 9000 and 0 <= n["label"] <= 9 and n["image"].startswith("data:image/png")
                   for n in answer["neighbours"])
        ratio = (distances[0] + 1e-12) / (answer["heldout_distance"] + 1e-12)  # 1 where both are 0
        assert answer["ratio"] == pytest.approx(ratio, rel=1e-3, abs=1e-3)
        assert answer["near_copy"] == (answer["ratio"] < 0.5) and 0 <= answer["heldout_neighbour"]["index"] < 1000
    assert len(client.post("/api/data/nearest", json={"image": STROKE}).json()["pixels"]["neighbours"]) == 3


def test_a_training_digit_sent_as_a_png_is_found_as_itself_and_called_a_copy(client):
    digits = load_digits("train")
    out = client.post("/api/data/nearest", json={"image": to_data_url(to_png(digits.images[4321]))}).json()
    first = out["pixels"]["neighbours"][0]
    assert (first["index"], first["label"], first["distance"]) == (4321, int(digits.labels[4321]), 0)
    assert out["pixels"]["near_copy"] and out["pixels"]["ratio"] < 1e-9
    assert out["features"]["neighbours"][0]["distance"] < 1e-5 and out["features"]["near_copy"]  # float32 batch 1 vs 500


def test_a_held_out_digit_is_no_copy(client):
    held = load_digits("heldout").images[17]
    out = client.post("/api/data/nearest", json={"image": {"pixels": held.flatten().tolist()}}).json()
    assert out["pixels"]["heldout_neighbour"]["index"] == 17 and out["pixels"]["heldout_distance"] == 0
    assert not out["pixels"]["near_copy"] and out["pixels"]["neighbours"][0]["distance"] > 0


def test_a_drawing_of_another_size_is_mnist_formatted(client):
    big = Image.new("L", (90, 60), 255)
    big.paste(0, (40, 10, 52, 50))  # a dark "1" on white paper
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    out = client.post("/api/data/nearest", json={"image": to_data_url(buffer.getvalue())})
    assert out.status_code == 200 and out.json()["pixels"]["neighbours"][0]["distance"] > 0


@pytest.mark.parametrize("body, status", [
    ({"image": STROKE, "k": 0}, 422),
    ({"image": STROKE, "k": 9}, 422),
    ({"image": STROKE, "k": "3"}, 422),
    ({"image": STROKE, "k": 3.0}, 422),
    ({"image": {"pixels": [0.5] * 783}}, 422),
    ({"image": STROKE, "label": 3}, 422),
    ({"image": "data:image/png;base64,bm90IGFuIGltYWdlIGF0IGFsbCwganVzdCB0ZXh0"}, 422),
    ({"image": "data:image/png;base64,!!!!not-base64!!!!!!!!!!!!!!!!!"}, 422),
    ({"image": "data:text/plain;base64,aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ="}, 422),
    ({}, 422),
])
def test_bad_requests_are_refused(client, body, status):
    assert client.post("/api/data/nearest", json=body).status_code == status


def test_nan_pixels_are_refused(client):
    body = '{"image": {"pixels": [NaN' + ", 0" * 783 + "]}}"
    response = client.post("/api/data/nearest", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422


def test_without_the_classifier_the_route_says_what_is_missing(client):
    client.app.state.store.models.pop("digit-classifier")
    response = client.post("/api/data/nearest", json={"image": STROKE})
    assert response.status_code == 409 and "digit-classifier" in response.json()["detail"]
