"""NCSN routes on a tiny seeded class-conditional score network: its score beside a tiny DDPM's on one noisy
digit, and the Langevin stream, which must agree with /sample."""

import pytest

from tests.server.test_api import STROKE, png_size
from tests.server.test_pixelcnn_api import read_stream

STREAM = "/api/ncsn/tiny-ncsn-mnist/langevin/stream"


def same_object(client, **body):
    return client.post("/api/ncsn/tiny-ncsn-mnist/same-object", json={"image": STROKE, "diffusion": "tiny-ddpm", **body})


def test_same_object_noises_one_digit_and_asks_both_models_at_matching_levels(client):
    out = same_object(client, levels=3, seed=4, label=2).json()
    assert out["model"] == "tiny-ncsn-mnist" and out["diffusion"] == "tiny-ddpm" and out["seed"] == 4
    rows = out["rows"]
    assert [r["level"] for r in rows] == [0, 2, 5]  # spread over the 6 levels (2.5 rounds to even), noisiest first
    sigmas = [r["sigma"] for r in rows]
    assert sigmas == sorted(sigmas, reverse=True) and sigmas[0] == pytest.approx(10) and sigmas[-1] == pytest.approx(0.05)
    for r in rows:
        for key in ("noisy", "ncsn_score", "ddpm_score", "ncsn_denoised", "ddpm_denoised"):
            assert png_size(r[key]) == (28, 28)
        assert -1 <= r["cosine"] <= 1 and -1 <= r["cosine_to_noise"] <= 1
        assert r["step_sigma"] / r["sigma"] == pytest.approx(1, rel=0.5)  # the DDPM step nearest that level (T = 50)
    assert same_object(client, levels=3, seed=4, label=2).json() == out
    assert same_object(client, levels=3, seed=5, label=2).json()["rows"][0]["noisy"] != rows[0]["noisy"]


@pytest.mark.parametrize(("body", "status"), [
    ({"levels": 0}, 422), ({"levels": 11}, 422), ({"levels": 7}, 422), ({"label": 10}, 422), ({"diffusion": "Bad Id"}, 422),
    ({"diffusion": "nope"}, 404), ({"diffusion": "tiny-ldm"}, 409), ({"diffusion": "tiny-vae"}, 409), ({"extra": 1}, 422),
])
def test_same_object_checks_its_request(client, body, status):
    assert same_object(client, **body).status_code == status


def test_stream_moves_the_particles_level_by_level_and_ends_as_sample_does(client):
    events = read_stream(client, "?n=2&seed=3&label=4&every=4", STREAM)
    names = [name for name, _ in events]
    start = events[0][1]
    assert start["steps"] == 6 * 2 + 1 and start["steps_per_level"] == 2
    assert start["labels"] == [4, 4] and len(start["levels"]) == 6
    assert names == ["start"] + ["step"] * 4 + ["done"]  # steps 4, 8, 12 and the last (13)
    steps = [data for _, data in events[1:-1]]
    assert [s["step"] for s in steps] == [4, 8, 12, 13]
    assert [s["level"] for s in steps] == [1, 3, 5, 6]  # 6: the final denoising step
    assert all(len(s["images"]) == 2 for s in steps)
    sample = client.post("/api/models/tiny-ncsn-mnist/sample", json={"n": 2, "seed": 3, "label": 4}).json()
    assert sample["images"] == events[-1][1]["images"]


def test_stream_draws_labels_from_the_seed_like_sample(client):
    events = read_stream(client, "?n=3&seed=9", STREAM)
    sample = client.post("/api/models/tiny-ncsn-mnist/sample", json={"n": 3, "seed": 9}).json()
    assert sample["labels"] == events[0][1]["labels"] and sample["images"] == events[-1][1]["images"]


@pytest.mark.parametrize("query", ["?n=0", "?n=17", "?every=0", "?label=10", "?seed=-1", "?steps=3"])
def test_stream_validates_its_query(client, query):
    assert client.get(f"{STREAM}{query}").status_code == 422


def test_routes_need_a_score_network(client):
    assert client.get("/api/ncsn/tiny-ddpm/langevin/stream").status_code == 409
    assert client.post("/api/ncsn/tiny-ddpm/same-object", json={"image": STROKE}).status_code == 409
    assert client.get("/api/ncsn/nope/langevin/stream").status_code == 404
