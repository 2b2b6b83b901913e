"""Issue 12, points 8-10, over real HTTP: one bad file never breaks serving.

A card without a title or training record, a duplicated id, truncated weights, a truncated film and a
film of random bytes: the server starts, lists each failure, and answers 503 for a broken film alone."""

import json
import random
import shutil

import httpx
import pytest

from models.checkpoint import film_path
from server.spawn import uvicorn_server
from tests.conftest import TINY_MODELS, write_tiny_checkpoints
from tests.server.test_cards import write_broken_checkpoints

GOOD = TINY_MODELS | {"tiny-gan-noise", "tiny-gan-unfilmed"}


def _copy_gan(directory, model_id: str) -> None:
    card = json.loads((directory / "tiny-gan.json").read_text())
    (directory / f"{model_id}.json").write_text(json.dumps({**card, "id": model_id}))
    shutil.copy(directory / "tiny-gan.safetensors", directory / f"{model_id}.safetensors")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("bad-files")
    write_tiny_checkpoints(directory)
    reasons = write_broken_checkpoints(directory)
    film = film_path(directory, "tiny-gan")
    film.write_bytes(film.read_bytes()[:len(film.read_bytes()) // 2])  # a training run killed mid-write
    _copy_gan(directory, "tiny-gan-noise")
    film_path(directory, "tiny-gan-noise").write_bytes(random.Random(12).randbytes(5000))
    _copy_gan(directory, "tiny-gan-unfilmed")
    with uvicorn_server(directory, env={"GENLAB_TORCH_THREADS": "1"}) as (url, _):
        yield url, reasons


def test_the_model_list_answers_200_with_the_good_models_and_each_failure(server):
    url, reasons = server
    listing = httpx.get(f"{url}/api/models", timeout=10)
    assert listing.status_code == 200
    assert {m["id"] for m in listing.json()["models"]} == GOOD
    failed = {f["id"]: f["error"] for f in listing.json()["failed"]}
    assert sorted(failed) == sorted(reasons)
    assert all(reasons[stem] in failed[stem] for stem in reasons), failed


def test_readyz_answers_200_and_lists_the_failures(server):
    url, reasons = server
    ready = httpx.get(f"{url}/readyz", timeout=10)
    assert ready.status_code == 200
    assert ready.json()["models"] == len(GOOD) and sorted(f["id"] for f in ready.json()["failed"]) == sorted(reasons)


@pytest.mark.parametrize(("model_id", "reason"), [
    ("tiny-gan", "incomplete metadata, file not fully covered"),
    ("tiny-gan-noise", "header"),
])
def test_a_corrupt_film_answers_503_with_the_reason_and_the_model_keeps_serving(server, model_id, reason):
    url, _ = server
    film = httpx.get(f"{url}/api/models/{model_id}/film", timeout=10)
    assert film.status_code == 503
    assert film.json()["detail"].startswith(f"film of '{model_id}' is unreadable: ") and reason in film.json()["detail"]
    assert httpx.get(f"{url}/api/models/{model_id}", timeout=10).status_code == 200
    sample = httpx.post(f"{url}/api/models/{model_id}/sample", json={"n": 2, "seed": 1}, timeout=30)
    assert sample.status_code == 200 and len(sample.json()["images"]) == 2
    assert httpx.get(f"{url}/api/models/tiny-gan-unfilmed/film", timeout=10).status_code == 404  # no film: not 503
