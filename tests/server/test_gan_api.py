"""GAN routes on a tiny seeded WGAN-GP: discriminate, film strip, latent paths without an encoder, and an image
placed in the latent space by projection."""

import pytest

from models.gan.inversion import projection_evaluations
from tests.server.test_api import STROKE
from tests.server.test_execution import app_client

QUICK = {"steps": 50, "restarts": 1}  # the least the route allows: these tests check the route, not the fit


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
    assert client.post("/api/models/tiny-gan/reconstruct", json={"image": STROKE}).status_code == 409
    assert client.post("/api/models/tiny-vae/discriminate", json={"image": STROKE}).status_code == 409
    assert client.get("/api/models/tiny-vae/film").status_code == 409


def test_project_places_an_image_in_the_latent_space(client):
    out = client.post("/api/models/tiny-gan/project", json={"image": STROKE, **QUICK}).json()
    assert out["model"] == "tiny-gan" and out["seed"] == 0 and (out["steps"], out["restarts"]) == (50, 1)
    assert len(out["latent"]) == 4 and out["image"].startswith("data:image/png;base64,")
    assert out["input"].startswith("data:image/png;base64,") and out["distance"] >= 0
    curve = out["loss_curve"]
    assert curve[0]["step"] == 0 and curve[-1] == {"step": 50, "distance": pytest.approx(out["distance"], abs=1e-5)}
    assert client.post("/api/models/tiny-gan/project", json={"image": STROKE, **QUICK}).json() == out
    other = client.post("/api/models/tiny-gan/project", json={"image": STROKE, **QUICK, "seed": 1}).json()
    assert other["seed"] == 1 and other["latent"] != out["latent"]


@pytest.mark.parametrize("body, status", [
    ({"image": STROKE, "steps": 49}, 422),
    ({"image": STROKE, "steps": 501}, 422),
    ({"image": STROKE, "restarts": 0}, 422),
    ({"image": STROKE, "restarts": 9}, 422),
    ({"image": STROKE, "restarts": "2"}, 422),  # strict: no number in a string
    ({"image": STROKE, "seed": -1}, 422),
    ({"image": STROKE, "lr": 0.1}, 422),  # unknown fields fail loudly
    ({"image": "data:image/png;base64,bm90IGFuIGltYWdlIGF0IGFsbA=="}, 422),
    ({}, 422),
    ({"image": STROKE, "label": 3}, 409),  # tiny-gan is not class-conditional
])
def test_project_refuses_bad_input(client, body, status):
    assert client.post("/api/models/tiny-gan/project", json=body).status_code == status


def test_project_needs_a_gan(client):
    assert client.post("/api/models/tiny-vae/project", json={"image": STROKE}).status_code == 409
    assert client.post("/api/models/no-such-model/project", json={"image": STROKE}).status_code == 404


def test_interpolate_between_two_images_projects_them(client):
    """An image end of a GAN is its projection, seeded as /project's default: the path starts at the same z."""
    body = {"start": {"image": STROKE}, "end": {"image": {"pixels": [0.0] * 784}}, "steps": 4, "method": "lerp"}
    out = client.post("/api/models/tiny-gan/interpolate", json=body).json()
    assert len(out["frames"]) == 4
    placed = client.post("/api/models/tiny-gan/project", json={"image": STROKE}).json()
    assert out["latents"][0] == pytest.approx(placed["latent"], abs=1e-4)
    assert out["latents"][-1] != out["latents"][0]


def test_projections_are_priced_by_their_steps_and_restarts_and_stop_at_the_deadline(tiny_dir):
    """Every step of every restart is a forward and a backward pass (3 evaluations); an interpolation adds each
    projected end's to its path. The steps are safe points to stop at."""
    with app_client(tiny_dir, max_request_seconds=1e-9) as c:
        project = c.post("/api/models/tiny-gan/project", json={"image": STROKE, "steps": 500, "restarts": 8})
        path = c.post("/api/models/tiny-gan/interpolate",
                      json={"start": {"image": STROKE}, "end": {"image": STROKE}, "steps": 8})
    assert project.status_code == 422 and "12000 network evaluations x batch 1" in project.json()["detail"]
    assert path.status_code == 422 and f"{2 * projection_evaluations() + 8} network evaluations" in path.json()["detail"]
    with app_client(tiny_dir, deadline_seconds=1e-6) as c:
        late = c.post("/api/models/tiny-gan/project", json={"image": STROKE})
    assert late.status_code == 503 and "deadline" in late.json()["detail"]
