"""GET /api/evaluation and /api/models/{id}/evaluation: the comparison table as JSON and CSV; a missing or broken
table answers on these routes alone."""

import csv
import io

import pytest
from fastapi.testclient import TestClient

from models.evaluation.memorization import shipped_digits
from models.evaluation.table import CSV_KEYS, TABLE_FILE, evaluate_models, write_table
from models.registry import load_all
from server.app import create_app
from server.config import Settings
from tests.conftest import write_tiny_checkpoints


@pytest.fixture(scope="module")
def directory(tmp_path_factory):
    path = tmp_path_factory.mktemp("evaluated")
    write_tiny_checkpoints(path)
    models, _ = load_all(path)
    digits = shipped_digits(models["digit-classifier"].module)
    write_table(path, evaluate_models([models["tiny-vae"], models["tiny-gan"]], digits, n=30, seed=0, machine="test"))
    return path


@pytest.fixture(scope="module")
def api(directory):
    with TestClient(create_app(Settings(checkpoint_dir=directory, inference_slots=2, torch_threads=1))) as c:
        yield c


def test_the_table_lists_each_evaluated_model_with_the_columns_meaning(api):
    body = api.get("/api/evaluation").json()
    assert [row["model"] for row in body["models"]] == ["tiny-vae", "tiny-gan"]
    assert {"fd", "fd_floor", "precision", "recall", "class_entropy", "bits_per_dim", "nfe", "ms_per_image",
            "near_copy_share"} <= {c["key"] for c in body["columns"]}
    assert all(c["better"] in ("higher", "lower", "") and c["description"] for c in body["columns"])
    assert body["measured"]["n"] == 30


def test_one_model_has_its_row_alone(api):
    body = api.get("/api/models/tiny-gan/evaluation").json()
    assert [row["model"] for row in body["models"]] == ["tiny-gan"] and body["models"][0]["bits_per_dim"] is None


def test_csv_of_the_table_and_of_one_model(api):
    reply = api.get("/api/evaluation", params={"format": "csv"})
    assert reply.status_code == 200 and reply.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.text)))
    assert list(rows[0]) == list(CSV_KEYS) and [r["model"] for r in rows] == ["tiny-vae", "tiny-gan"]
    one = api.get("/api/models/tiny-vae/evaluation?format=csv").text.splitlines()
    assert len(one) == 2 and one[1].startswith("tiny-vae,")


def test_unknown_unevaluated_and_bad_format(api):
    assert api.get("/api/models/nope/evaluation").status_code == 404
    unevaluated = api.get("/api/models/tiny-flow/evaluation")
    assert unevaluated.status_code == 404 and "evaluate --all" in unevaluated.json()["detail"]
    assert api.get("/api/evaluation?format=xml").status_code == 422


def test_a_broken_table_is_a_503_here_and_nothing_else(api, directory):
    path = directory / TABLE_FILE
    kept = path.read_text()
    try:
        path.write_text('{"columns": [], "models": "oops"')
        reply = api.get("/api/evaluation")
        assert reply.status_code == 503 and "unreadable" in reply.json()["detail"]
        assert api.get("/api/models/tiny-vae").status_code == 200
        path.unlink()
        assert api.get("/api/evaluation").status_code == 404
    finally:
        path.write_text(kept)
