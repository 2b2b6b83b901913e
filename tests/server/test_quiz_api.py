"""The quiz routes on tiny seeded models: a round is the model's own samples mixed with held-out digits, the
same for the same seed, and never says which is which; the answers are scored from the seed alone."""

import base64
import io

import numpy as np
import pytest
from PIL import Image

from models.data import load_digits
from models.evaluation.quiz import layout


def pixels(data_url: str) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1]))))


def test_a_round_is_the_same_for_the_same_seed_and_hides_the_fakes(client):
    first = client.get("/api/quiz/tiny-gan?seed=5&n=16").json()
    assert set(first) == {"model", "seed", "n", "images"}  # nothing says which cells are fake
    assert (first["model"], first["seed"], first["n"], len(first["images"])) == ("tiny-gan", 5, 16, 16)
    assert client.get("/api/quiz/tiny-gan?seed=5&n=16").json() == first
    assert client.get("/api/quiz/tiny-gan?seed=6&n=16").json()["images"] != first["images"]
    drawn = client.get("/api/quiz/tiny-gan?n=9").json()  # no seed: one is drawn and echoed
    assert len(drawn["images"]) == 9 and client.get(f"/api/quiz/tiny-gan?n=9&seed={drawn['seed']}").json() == drawn


def test_fake_cells_are_the_models_samples_and_real_cells_held_out_digits(client):
    cells = layout(5, 16)
    shown = [pixels(url) for url in client.get("/api/quiz/tiny-gan?seed=5").json()["images"]]
    samples = client.post("/api/models/tiny-gan/sample", json={"n": cells.fakes, "seed": 5}).json()["images"]
    fakes = [i for i in range(16) if cells.fake[i]]
    assert all(np.array_equal(shown[i], pixels(url)) for i, url in zip(fakes, samples))
    heldout = (load_digits("heldout").images[cells.real_index, 0] * 255).round().byte().numpy()
    reals = [i for i in range(16) if not cells.fake[i]]
    assert all(np.array_equal(shown[i], digit) for i, digit in zip(reals, heldout))


def test_a_conditional_model_draws_its_classes_from_the_seed(client):
    first = client.get("/api/quiz/tiny-cvae?seed=2&n=25").json()
    assert len(first["images"]) == 25 and "labels" not in first
    assert client.get("/api/quiz/tiny-cvae?seed=2&n=25").json() == first


def test_answers_are_scored_from_the_layout(client):
    cells = layout(5, 16)
    fakes = [i for i in range(16) if cells.fake[i]]
    reals = [i for i in range(16) if not cells.fake[i]]
    perfect = client.post("/api/quiz/tiny-gan/answers", json={"seed": 5, "n": 16, "picks": fakes[::-1]}).json()
    assert perfect == {"model": "tiny-gan", "seed": 5, "n": 16, "picks": fakes, "fakes": fakes, "hits": len(fakes),
                       "misses": 0, "false_alarms": 0, "correct": 16, "score": 1.0, "fool_rate": 0.0}
    none = client.post("/api/quiz/tiny-gan/answers", json={"seed": 5}).json()  # n = 16, no picks
    assert (none["hits"], none["misses"], none["false_alarms"], none["correct"]) == (0, len(fakes), 0, len(reals))
    assert none["score"] == pytest.approx(len(reals) / 16, abs=1e-4) and none["fool_rate"] == 1.0
    mixed = client.post("/api/quiz/tiny-gan/answers", json={"seed": 5, "picks": [fakes[0], reals[0]]}).json()
    assert (mixed["hits"], mixed["misses"], mixed["false_alarms"], mixed["correct"]) == (1, len(fakes) - 1, 1, 16 - len(fakes))


@pytest.mark.parametrize("body", [
    {"seed": 5, "picks": [1, 1]},  # a cell twice
    {"seed": 5, "n": 9, "picks": [9]},  # past the round
    {"seed": 5, "picks": [-1]},
    {"seed": 5, "picks": ["3"]},  # strict: "3" is no integer
    {"seed": 5, "n": 10},  # not a square grid
    {"n": 16, "picks": []},  # the seed is the round: required
    {"seed": 5, "picks": [], "fakes": [1]},  # unknown field
])
def test_bad_answers_are_422(client, body):
    assert client.post("/api/quiz/tiny-gan/answers", json=body).status_code == 422


@pytest.mark.parametrize("query", ["n=10", "n=64", "seed=-1", "seed=4294967296", "n=16&label=3"])
def test_bad_round_queries_are_422(client, query):
    assert client.get(f"/api/quiz/tiny-gan?{query}").status_code == 422


@pytest.mark.parametrize("model", ["digit-classifier", "tiny-ncsn"])
def test_models_that_draw_no_digits_are_409(client, model):
    assert client.get(f"/api/quiz/{model}?seed=1").status_code == 409
    refused = client.post(f"/api/quiz/{model}/answers", json={"seed": 1})
    assert refused.status_code == 409 and "sample" in refused.json()["detail"]


def test_unknown_models_are_404(client):
    assert client.get("/api/quiz/no-such-model?seed=1").status_code == 404
    assert client.post("/api/quiz/no-such-model/answers", json={"seed": 1}).status_code == 404
