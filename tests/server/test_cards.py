"""Model cards are validated at start-up: a bad card, config, weights file or a duplicate id fails that
model alone, with its file and reason, and every other model is still served."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from models.checkpoint import CheckpointError
from server.app import create_app
from server.cards import validate_card
from server.config import REPO_ROOT, Settings
from tests.conftest import TINY_MODELS, write_tiny_checkpoints

GOOD = {"id": "m", "family": "vae", "title": "m", "config": {"latent_dim": 2}, "training": {"history": []}}


def write_broken_checkpoints(directory: Path) -> dict[str, str]:
    """Beside write_tiny_checkpoints' models, one card or weights file broken in each way seen in the wild;
    returns each failing file's stem -> words its reason must contain."""
    card = json.loads((directory / "tiny-vae.json").read_text())
    weights = (directory / "tiny-vae.safetensors").read_bytes()

    def variant(model_id: str, drop: str = "", **changes) -> dict:
        return {k: v for k, v in {**card, "id": model_id, **changes}.items() if k != drop}

    files = {
        "no-title": (variant("no-title", drop="title"), weights),
        "no-training": (variant("no-training", drop="training"), weights),
        "bad-config": (variant("bad-config", config={**card["config"], "wings": 2}), weights),
        "truncated": (variant("truncated"), weights[:len(weights) // 2]),
        "tiny-vae-copy": (variant("tiny-vae", title="impostor"), weights),  # an id tiny-vae.json already holds
    }
    for stem, (body, data) in files.items():
        (directory / f"{stem}.json").write_text(json.dumps(body))
        (directory / f"{stem}.safetensors").write_bytes(data)
    return {
        "no-title": "no-title.json: invalid card: title: Field required",
        "no-training": "no-training.json: invalid card: training: Field required",
        "bad-config": "bad-config.json: TypeError: VAEConfig.__init__() got an unexpected keyword argument 'wings'",
        "truncated": "truncated.json: unreadable weights truncated.safetensors: Error while deserializing header",
        "tiny-vae-copy": "duplicate id 'tiny-vae': tiny-vae-copy.json repeats tiny-vae.json",
    }


@pytest.mark.parametrize("path", sorted((REPO_ROOT / "checkpoints").glob("*.json")), ids=lambda p: p.stem)
def test_every_shipped_card_validates(path):
    validate_card(json.loads(path.read_text()))


def test_a_card_may_carry_more_than_the_server_reads():
    validate_card({**GOOD, "data": {"train": 9000}, "code_version": "abc",
                   "training": {"history": [{"epoch": 1}], "epochs": 1, "steps": 2.5, "loss_by_t": [1.0]}})


@pytest.mark.parametrize(("change", "reason"), [
    ({"title": None}, "title: Input should be a valid string"),
    ({"title": ""}, "title: String should have at least 1 character"),
    ({"training": {}}, "training.history: Field required"),
    ({"training": {"history": [], "steps": "10"}}, "training.steps: Input should be a valid number"),
    ({"training": {"history": [], "epochs": -1}}, "training.epochs: Input should be greater than or equal to 0"),
    ({"id": "../../etc/passwd"}, "id: String should match pattern"),
    ({"config": [2]}, "config: Input should be a valid dictionary"),
    ({"metrics": {"fid": float("nan")}}, "NaN or Infinity"),
])
def test_a_broken_card_is_refused_with_its_first_wrong_field(change, reason):
    with pytest.raises(CheckpointError, match="invalid card") as refused:
        validate_card({**GOOD, **change})
    assert reason in str(refused.value)


def test_a_card_without_its_required_fields_names_the_first_missing_one():
    with pytest.raises(CheckpointError, match="invalid card: id: Field required"):
        validate_card({})


@pytest.fixture(scope="module")
def broken(tmp_path_factory) -> tuple[TestClient, dict[str, str]]:
    directory = tmp_path_factory.mktemp("broken-checkpoints")
    write_tiny_checkpoints(directory)
    reasons = write_broken_checkpoints(directory)
    with TestClient(create_app(Settings(checkpoint_dir=directory, torch_threads=1))) as client:
        yield client, reasons


def test_broken_checkpoints_are_listed_with_reasons_and_the_good_ones_served(broken):
    client, reasons = broken
    listing = client.get("/api/models")
    assert listing.status_code == 200
    assert {m["id"] for m in listing.json()["models"]} == TINY_MODELS
    failed = {f["id"]: f["error"] for f in listing.json()["failed"]}
    assert sorted(failed) == sorted(reasons)
    for stem, reason in reasons.items():
        assert reason in failed[stem], failed[stem]
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["failed"] == listing.json()["failed"]


def test_the_first_card_keeps_a_duplicated_id(broken):
    client, _ = broken
    model = client.get("/api/models/tiny-vae").json()
    assert model["title"] == "tiny-vae" and model["latent_dim"] == 2
