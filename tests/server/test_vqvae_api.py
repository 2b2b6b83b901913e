"""VQ-VAE routes on a tiny seeded class-conditional model (8 codes): the codebook and its use, an image's
tokens and their surprise, and the prior's token stream, which must agree with /sample."""

import pytest

from tests.server.test_api import STROKE, png_size
from tests.server.test_pixelcnn_api import read_stream

STREAM = "/api/vqvae/tiny-vq/stream"


def test_codebook_decodes_every_code_and_counts_its_use(client):
    book = client.get("/api/vqvae/tiny-vq/codebook").json()
    assert book["codes"] == 8 and len(book["images"]) == 8 and len(book["usage"]) == 8
    assert all(png_size(image) == (28, 28) for image in book["images"])
    assert sum(book["usage"]) == book["images_counted"] * 49 == 1000 * 49
    assert book["dead"] == [k for k, n in enumerate(book["usage"]) if n == 0]
    assert 1 <= book["perplexity"] <= 8 - len(book["dead"]) + 1e-6


def test_tokens_reconstruct_and_measure_surprise_under_a_label(client):
    plain = client.post("/api/vqvae/tiny-vq/tokens", json={"image": STROKE}).json()
    grid = plain["tokens"]
    assert len(grid) == 7 and all(len(row) == 7 and all(0 <= t < 8 for t in row) for row in grid)
    assert plain["distinct"] == len({t for row in grid for t in row})
    assert png_size(plain["reconstruction"]) == (28, 28)
    assert plain["token_bits"] is None and plain["total_bits"] is None  # a conditional prior needs the class
    under = {d: client.post("/api/vqvae/tiny-vq/tokens", json={"image": STROKE, "label": d}).json() for d in (2, 7)}
    for out in under.values():
        assert out["tokens"] == grid
        bits = [b for row in out["token_bits"] for b in row]
        assert len(bits) == 49 and all(b >= 0 for b in bits)
        assert out["total_bits"] == pytest.approx(sum(bits), abs=0.05)
    assert under[2]["token_bits"] != under[7]["token_bits"]  # the class is the start token: it changes the prior


def test_stream_writes_every_token_in_raster_order(client):
    events = read_stream(client, "?seed=3&label=4&temperature=0.8", STREAM)
    assert [name for name, _ in events] == ["start"] + ["token"] * 49 + ["done"]
    assert events[0][1] == {"model": "tiny-vq", "seed": 3, "label": 4, "temperature": 0.8, "grid": 7, "codes": 8}
    tokens = [data for _, data in events[1:-1]]
    assert [(t["row"], t["col"]) for t in tokens] == [(r, c) for r in range(7) for c in range(7)]
    for t in tokens:
        codes = [code for code, _ in t["top"]]
        assert len(codes) == 8 and len(set(codes)) == 8 and t["token"] in codes
        assert sum(p for _, p in t["top"]) == pytest.approx(1, abs=1e-3)  # K = 8: the top 8 is everything
        assert 0 <= t["entropy_bits"] <= 3 + 1e-6
    done = events[-1][1]
    assert [t["token"] for t in tokens] == [t for row in done["tokens"] for t in row]
    assert done["image"] == tokens[-1]["image"] and png_size(done["image"]) == (28, 28)


def test_stream_is_deterministic_and_matches_sample(client):
    a = read_stream(client, "?seed=5", STREAM)
    assert a == read_stream(client, "?seed=5", STREAM)
    label = a[0][1]["label"]
    assert label in range(10)  # drawn from the seed and echoed
    sample = client.post("/api/models/tiny-vq/sample", json={"n": 1, "seed": 5}).json()
    assert sample["labels"] == [label] and sample["images"][0] == a[-1][1]["image"]
    assert read_stream(client, "?seed=6", STREAM)[-1][1]["tokens"] != a[-1][1]["tokens"]


@pytest.mark.parametrize("query", ["?temperature=0", "?temperature=nan", "?temperature=inf", "?temperature=3.5",
                                   "?label=10", "?seed=-1", "?steps=3"])
def test_stream_validates_its_query(client, query):
    assert client.get(f"{STREAM}{query}").status_code == 422


@pytest.mark.parametrize("body", [{}, {"image": STROKE, "label": 10}, {"image": STROKE, "extra": 1},
                                  {"image": {"pixels": [0.5] * 783}}])
def test_tokens_validates_its_body(client, body):
    assert client.post("/api/vqvae/tiny-vq/tokens", json=body).status_code == 422


def test_routes_need_a_vqvae(client):
    assert client.get("/api/vqvae/tiny-pixelcnn/codebook").status_code == 409
    assert client.get("/api/vqvae/tiny-ldm/stream").status_code == 409
    assert client.post("/api/vqvae/tiny-vae/tokens", json={"image": STROKE}).status_code == 409
    assert client.get("/api/vqvae/nope/codebook").status_code == 404
