"""GAN routes on a tiny seeded WGAN-GP: discriminate, film strip, latent paths without an encoder."""

from tests.server.test_api import STROKE


def test_discriminate_scores_any_image(client):
    out = client.post("/api/models/tiny-gan/discriminate", json={"image": STROKE}).json()
    assert isinstance(out["score"], float) and out["p_real"] is None and "critic" in out["kind"]
    again = client.post("/api/models/tiny-gan/discriminate", json={"image": STROKE}).json()
    assert again["score"] == out["score"]
    other = client.post("/api/models/tiny-gan/discriminate", json={"image": {"pixels": [0.0] * 784}}).json()
    assert other["score"] != out["score"]


def test_film_strip_pairs_frames_with_steps(client):
    film = client.get("/api/models/tiny-gan/film").json()
    assert [f["epoch"] for f in film["frames"]] == [0.6, 1, 2] and [f["step"] for f in film["frames"]] == [3, 5, 10]
    assert film["frames"][0]["grid"].startswith("data:image/png;base64,") and film["steps_log"]


def test_gan_latent_paths_and_their_limits(client):
    out = client.post("/api/models/tiny-gan/interpolate", json={"start": {"seed": 1}, "end": {"seed": 2}, "steps": 4}).json()
    assert len(out["frames"]) == 4
    tr = client.post("/api/models/tiny-gan/traverse", json={"seed": 1, "dim": 3, "steps": 3}).json()
    assert len(tr["frames"]) == 3
    assert client.post("/api/models/tiny-gan/interpolate",
                       json={"start": {"image": STROKE}, "end": {"seed": 2}}).status_code == 409
    assert client.post("/api/models/tiny-gan/reconstruct", json={"image": STROKE}).status_code == 409
    assert client.post("/api/models/tiny-vae/discriminate", json={"image": STROKE}).status_code == 409
    assert client.get("/api/models/tiny-vae/film").status_code == 409
