"""The comparison table (models/evaluation/table.py): one row per digit model, every axis its own column,
reproducible by seed, read back only when whole."""

import json

import pytest
import torch

from models.checkpoint import CheckpointError
from models.evaluation.memorization import shipped_digits
from models.evaluation.table import (
    COLUMNS,
    CSV_KEYS,
    TABLE_FILE,
    controls,
    evaluate_models,
    gpu_milliseconds,
    is_digit_model,
    read_table,
    to_csv,
    write_table,
)
from models.registry import load_all

COMPARED = ("tiny-vae", "tiny-cvae", "tiny-gan")  # fast to sample: a table in seconds


@pytest.fixture(scope="module")
def tiny_models(tiny_dir):
    models, failed = load_all(tiny_dir)
    assert not failed
    return models


@pytest.fixture(scope="module")
def table(tiny_models):
    digits = shipped_digits(tiny_models["digit-classifier"].module)
    return evaluate_models([tiny_models[m] for m in COMPARED], digits, n=40, seed=3, machine="test")


def test_every_row_has_every_column_each_on_one_axis(table):
    assert [c["key"] for c in table["columns"]] == [c.key for c in COLUMNS]
    assert {c["axis"] for c in table["columns"]} >= {"quality", "diversity", "likelihood", "cost", "memorization",
                                                      "control"}
    assert [row["model"] for row in table["models"]] == list(COMPARED)
    for row in table["models"]:
        assert set(row) == set(CSV_KEYS)
        assert row["fd"] >= 0 and row["fd_floor"] > 0 and row["fd_ratio"] == pytest.approx(row["fd"] / row["fd_floor"], rel=1e-2)
        low, high = row["fd_interval_90"]
        assert low <= high
        assert 0 <= row["precision"] <= 1 and 0 <= row["recall"] <= 1 and 0 <= row["near_copy_share"] <= 1
        assert row["ms_per_image"] > 0 and row["nfe"] == 1 and row["parameters"] > 0
        assert (row["gpu_ms_per_image"] is None) == (not torch.cuda.is_available())


def test_gpu_time_is_a_timing_on_the_device_and_empty_without_one(tiny_models, monkeypatch):
    """The GPU column's path, run on the CPU where no GPU is lent: it samples a copy on the device and times
    it; the served model stays where it was; without a device the figure is None, not a CPU time."""
    model = tiny_models["tiny-cvae"]
    assert gpu_milliseconds(model, seed=0, device="cpu") > 0
    assert next(model.module.parameters()).device.type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert gpu_milliseconds(model, seed=0) is None


def test_conditional_models_get_their_asked_class_accuracy_and_a_class_control(table):
    rows = {row["model"]: row for row in table["models"]}
    assert rows["tiny-cvae"]["conditional_accuracy"] is not None and "class" in rows["tiny-cvae"]["controls"]
    assert rows["tiny-vae"]["conditional_accuracy"] is None and "class" not in rows["tiny-vae"]["controls"]


def test_likelihood_only_where_the_family_has_one(table):
    rows = {row["model"]: row for row in table["models"]}
    assert rows["tiny-gan"]["bits_per_dim"] is None and rows["tiny-gan"]["likelihood"] is None
    assert rows["tiny-vae"]["likelihood"] in (None, "bound")  # a tiny card has no measured bound


def test_how_a_digit_reaches_each_latent_space(tiny_models):
    assert "latent (encoder)" in controls(tiny_models["tiny-vae"])
    assert "latent (projection)" in controls(tiny_models["tiny-gan"])
    assert "latent (exact inverse)" in controls(tiny_models["tiny-flow"])
    assert not is_digit_model(tiny_models["tiny-ncsn"]) and not is_digit_model(tiny_models["digit-classifier"])


def test_the_same_seed_gives_the_same_figures(tiny_models, table):
    digits = shipped_digits(tiny_models["digit-classifier"].module)
    again = evaluate_models([tiny_models["tiny-gan"]], digits, n=40, seed=3, machine="test")["models"][0]
    first = table["models"][2]
    timings = ("ms_per_image", "gpu_ms_per_image")
    assert {k: v for k, v in again.items() if k not in timings} == {k: v for k, v in first.items() if k not in timings}


def test_written_table_reads_back_and_a_broken_one_is_refused(table, tmp_path):
    path = write_table(tmp_path, table)
    assert path == tmp_path / TABLE_FILE and read_table(path) == json.loads(json.dumps(table))
    path.write_text(json.dumps({**table, "models": [{"model": "x"}]}))
    with pytest.raises(CheckpointError, match="lacks"):
        read_table(path)
    path.write_text("{ not json")
    with pytest.raises(CheckpointError):
        read_table(path)


def test_csv_has_a_header_of_the_json_names_and_a_line_per_model(table):
    lines = to_csv(table["models"]).splitlines()
    assert lines[0].split(",") == list(CSV_KEYS) and len(lines) == 1 + len(COMPARED)
    interval = lines[1].split(",")[CSV_KEYS.index("fd_interval_90")]
    assert interval.count(";") == 1
