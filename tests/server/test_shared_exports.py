"""A lab export written by one replica to a shared GENLAB_LAB_EXPORT_DIR is served by the others too: picked up
when their model list or its card is asked for, priced before it is served; a broken one is listed as failed
and leaves the rest served."""

import json
import shutil

from fastapi.testclient import TestClient

from server.app import create_app
from server.config import Settings

EXPORT = "lab-vae-mnist-0a1b2c"


def test_a_replica_serves_an_export_another_replica_wrote_to_the_shared_directory(tiny_dir, tmp_path):
    exports = tmp_path / "shared-exports"
    with TestClient(create_app(Settings(checkpoint_dir=tiny_dir, lab_export_dir=exports, torch_threads=1))) as c:
        assert EXPORT not in {m["id"] for m in c.get("/api/models").json()["models"]}
        assert c.post(f"/api/models/{EXPORT}/sample", json={"n": 2, "seed": 1}).status_code == 404
        # the other replica's export: weights first, then the card, as the lab writes them
        models = exports / "models"
        models.mkdir(parents=True)
        card = json.loads((tiny_dir / "tiny-vae.json").read_text()) | {"id": EXPORT, "title": "exported elsewhere"}
        shutil.copy(tiny_dir / "tiny-vae.safetensors", models / f"{EXPORT}.safetensors")
        (models / f"{EXPORT}.json").write_text(json.dumps(card))
        (models / "lab-gan-mnist-ffffff.json").write_text("{ not a card")

        listing = c.get("/api/models").json()
        assert EXPORT in {m["id"] for m in listing["models"]}
        assert [f["id"] for f in listing["failed"] if f["id"].startswith("lab-")] == ["lab-gan-mnist-ffffff"]
        sampled = c.post(f"/api/models/{EXPORT}/sample", json={"n": 2, "seed": 1})
        assert sampled.status_code == 200 and len(sampled.json()["images"]) == 2
        assert "tiny-vae" in {m["id"] for m in c.get("/api/models").json()["models"]}  # the rest still served
