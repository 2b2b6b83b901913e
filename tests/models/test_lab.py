"""The live lab's model side: session lifecycle and controls, determinism, frames per family, the presets'
promises (mode collapse and its fix, posterior collapse), the metrics, and `genlab lab run`."""

import json

import pytest
import torch

from models.data import TOY_MODES, toy_points
from models.lab import FAMILIES, PRESETS, Session
from models.lab.metrics import mmd, mode_coverage
from server import cli


def frames_of(session: Session, *chunks: int) -> list[dict]:
    return [session.step(n) for n in chunks]


# --- lifecycle and controls --------------------------------------------------------------------------

def test_step_change_reset_gives_back_a_fresh_session():
    session = Session("gan", "8gaussians", seed=3)
    first = frames_of(session, 5, 5)
    assert [f["step"] for f in first] == [5, 10]
    hp = session.change(lr_g=2e-3, batch_size=64, loss="hinge")
    assert hp["lr_g"] == 2e-3 and session.optimizers["g"].param_groups[0]["lr"] == 2e-3
    assert session.step(3)["step"] == 13 and session.hp["loss"] == "hinge"
    session.reset()
    assert session.step_count == 0 and session.hp == Session("gan", "8gaussians", seed=3).hp
    assert frames_of(session, 5, 5) == first


@pytest.mark.parametrize("changes, field, allowed", [
    ({"lr_g": 5.0}, "lr_g", "[1e-05, 0.5]"),
    ({"batch_size": 4}, "batch_size", "[8, 2048]"),
    ({"d_steps": 1.5}, "d_steps", "integer"),
    ({"loss": "least-squares"}, "loss", "'hinge'"),
    ({"optimizer": "rmsprop"}, "optimizer", "'sgd'"),
    ({"beta": 1.0}, "beta", "allowed"),  # a VAE knob on a GAN
    ({"lr_d": float("nan")}, "lr_d", "[1e-05, 0.5]"),
])
def test_a_bad_change_names_the_field_and_range_and_changes_nothing(changes, field, allowed):
    session = Session("gan", "8gaussians", seed=0)
    session.step(2)
    before = dict(session.hp)
    with pytest.raises(ValueError) as error:
        session.change(**{"g_steps": 2, **changes})  # a good value beside the bad one is not applied either
    assert str(error.value).startswith(field) and allowed in str(error.value)
    assert session.hp == before and session.step(2)["step"] == 4


def test_shape_and_optimizer_changes_rebuild_and_keep_stepping():
    session = Session("vae", "moons", seed=1)
    session.step(3)
    session.change(latent_dim=4, optimizer="sgd")
    assert isinstance(session.optimizers["net"], torch.optim.SGD)
    frame = session.step(3)
    assert len(frame["kl_per_dim"]) == 4 and frame["step"] == 6


def test_creation_is_checked_too():
    with pytest.raises(ValueError, match="^family"):
        Session("pixelcnn")
    with pytest.raises(ValueError, match="^data"):
        Session("gan", "swissroll")
    with pytest.raises(ValueError, match="^preset.*'fix-mode-collapse'"):
        Session("gan", preset="posterior-collapse")
    with pytest.raises(ValueError, match="^seed"):
        Session("gan", seed=-1)
    with pytest.raises(ValueError, match="^timesteps"):
        Session("diffusion", timesteps=1)
    with pytest.raises(ValueError, match="^points"):
        Session("flow", "drawn", points=[[0.0, float("inf")]])


# --- determinism -------------------------------------------------------------------------------------

@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_same_seed_and_controls_same_frames_other_seed_other_frames(family):
    def run(seed):
        session = Session(family, "moons", seed=seed)
        frames = frames_of(session, 4)
        session.change(batch_size=32)
        torch.manual_seed(seed + 123)  # the global RNG must not matter
        torch.rand(7)
        return frames + frames_of(session, 3)

    a = run(5)
    assert a == run(5)
    assert a[-1]["samples"] != run(6)[-1]["samples"]


# --- frames ------------------------------------------------------------------------------------------

def _shape(nested) -> tuple[int, ...]:
    return (len(nested), *_shape(nested[0])) if isinstance(nested, list) else ()


EXTRAS = {
    "gan": {"decision": (32, 32), "z_grid": (12, 12, 2)},
    "vae": {"encoder_means": (256, 2), "decoded_grid": (12, 12, 2), "kl_per_dim": (2,)},
    "flow": {"density": (32, 32), "warped_grid": (16, 16, 2)},
    "diffusion": {"trajectories": (8, 26, 2)},
}


@pytest.mark.parametrize("data", ["8gaussians", "spiral", "drawn"])
@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_frames_are_well_formed_json(family, data):
    points = [[-1.0, 0.5], [1.0, 0.5], [0.0, -1.0]] if data == "drawn" else None
    frame = Session(family, data, seed=2, points=points).step(3)
    text = json.dumps(frame, allow_nan=False)  # JSON-ready and every number finite
    assert "null" not in text.replace('"preset": null', "").replace('"mode_coverage": null', "").replace('"modes": null', "")
    assert _shape(frame["samples"]) == _shape(frame["data_points"]) == (256, 2) and frame["step"] == 3 and frame["losses"]
    assert frame["data"] == data
    assert frame["view"]["low"] == -frame["view"]["high"] and frame["view"]["high"] >= 3
    coverage = frame["metrics"]["mode_coverage"]
    assert (coverage is None) == (data != "8gaussians") and (coverage is None or 0 <= coverage <= 1)
    assert frame["metrics"]["mmd"] > -0.05 and frame["metrics"]["mmd_bandwidth"] == 0.5
    for key, shape in EXTRAS[family].items():
        assert _shape(frame[key]) == shape, key
    if family == "diffusion":
        assert _shape(frame["field"]["points"]) == _shape(frame["field"]["score"]) == (144, 2)


def test_a_diverging_run_still_gives_json_frames():
    session = Session("flow", "8gaussians", seed=0, preset="lr-too-high")
    frame = session.step(100)
    json.dumps(frame, allow_nan=False)
    assert frame["losses"]["nll"] is None or frame["losses"]["nll"] > 10 or frame["diverged"]


# --- metrics -----------------------------------------------------------------------------------------

def test_mode_coverage_counts_modes_with_a_fair_share():
    centres = TOY_MODES["8gaussians"]
    data = toy_points("8gaussians", 2000, seed=0)
    assert mode_coverage(data, centres, 0.1) == 1.0
    one_mode = centres[3] + 0.1 * torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    assert mode_coverage(one_mode, centres, 0.1) == 1 / 8
    # 3 modes well covered, a 4th with 2% of the samples (under a quarter of its fair 12.5%): 3/8
    mixed = torch.cat([centres[[0, 1, 2]].repeat_interleave(326, 0), centres[[4]].repeat(22, 1)])
    assert mode_coverage(mixed, centres, 0.1) == 3 / 8
    assert mode_coverage(torch.zeros(100, 2), centres, 0.1) == 0.0  # the centre is no mode


def test_mmd_is_near_zero_for_one_distribution_and_grows_apart():
    a, b = toy_points("moons", 800, seed=0), toy_points("moons", 800, seed=1)
    assert abs(mmd(a, b)) < 0.01
    assert abs(mmd(a, b)) < mmd(a, b + 0.1) < mmd(a, b + 0.5) < mmd(a, b + 2.0)
    assert mmd(a, b + 2.0) > 0.2


# --- the presets' promises ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [0, 1])  # seeds 0-3 checked while choosing the recipes
def test_mode_collapse_collapses_and_fix_mode_collapse_covers_the_modes(seed):
    collapsed = Session("gan", "8gaussians", seed=seed, preset="mode-collapse").step(PRESETS["mode-collapse"].steps)
    assert collapsed["metrics"]["mode_coverage"] < 0.5
    fixed = Session("gan", "8gaussians", seed=seed, preset="fix-mode-collapse").step(PRESETS["fix-mode-collapse"].steps)
    assert fixed["metrics"]["mode_coverage"] >= 7 / 8
    assert fixed["metrics"]["mmd"] < collapsed["metrics"]["mmd"] / 10


def test_posterior_collapse_sends_every_point_to_the_prior():
    frame = Session("vae", "8gaussians", seed=0, preset="posterior-collapse").step(PRESETS["posterior-collapse"].steps)
    assert max(frame["kl_per_dim"]) < 0.01 and frame["losses"]["kl"] < 0.01
    assert torch.tensor(frame["decoded_grid"]).std(dim=(0, 1)).max() < 0.05  # z no longer matters
    assert frame["metrics"]["mode_coverage"] == 0.0


def test_a_short_schedule_samples_worse_than_the_default_with_the_same_budget():
    steps = PRESETS["short-schedule"].steps
    short = Session("diffusion", "8gaussians", seed=0, preset="short-schedule").step(steps)["metrics"]
    default = Session("diffusion", "8gaussians", seed=0).step(steps)["metrics"]
    # seeds 0-2: MMD 0.069-0.094 vs 0.022-0.025, coverage 1/8-2/8 vs 7/8-8/8
    assert short["mmd"] > 2 * default["mmd"] and short["mode_coverage"] <= 0.5 and default["mode_coverage"] >= 0.75


# --- genlab lab run ----------------------------------------------------------------------------------

def test_cli_prints_one_json_line_per_frame(capsys):
    cli.main(["lab", "run", "--family", "vae", "--data", "8gaussians", "--steps", "20", "--frame-every", "8", "--seed", "4"])
    lines = capsys.readouterr().out.splitlines()
    rows = [json.loads(line) for line in lines]
    assert [row["step"] for row in rows] == [8, 16, 20]
    assert all(set(row) == {"step", "losses", "diverged", "mode_coverage", "mmd"} for row in rows)
    assert all(0 <= row["mode_coverage"] <= 1 and "kl" in row["losses"] for row in rows)
    again = Session("vae", "8gaussians", seed=4)
    assert rows[0]["mmd"] == again.step(8)["metrics"]["mmd"]


def test_cli_refuses_a_bad_setting_in_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["lab", "run", "--family", "gan", "--set", "lr_g=5", "--steps", "2"])
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert "lr_g" in err and "Traceback" not in err


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_an_export_reopens_with_its_weights_hp_and_drawn_points(family, tmp_path):
    """A lab-only export (issue 15) rebuilt from its card alone: the same networks' weights (as stored, float16),
    the same hyper-parameters and drawn points, at its step; a card that is not one is refused with the reason."""
    from safetensors.torch import load_file

    from models.lab.export import export_session, reopen_spec
    from models.lab.nets import trained_networks

    points = [[float(x), float(x) ** 2 / 4] for x in range(-4, 5)]
    session = Session(family, "drawn", seed=5, points=points)
    session.step(20)
    card = export_session(session, tmp_path, "lab-x")
    spec = reopen_spec(json.loads((tmp_path / "lab-x.json").read_text()))
    assert spec["points"] == points and spec["hp"] == session.hp and spec["step"] == 20
    step = spec.pop("step")
    reopened = Session(spec.pop("family"), spec.pop("data"), **{k: spec.pop(k) for k in ("seed", "preset", "points")},
                       **spec.pop("hp"))
    stored = load_file(str(tmp_path / "lab-x.safetensors"))
    reopened.restore(stored, step)
    assert reopened.step_count == 20 and reopened.frame()["step"] == 20
    for name, tensor in trained_networks(reopened.model).state_dict().items():
        assert torch.equal(tensor, stored[name].float()), name
    reopened.step(3)
    reopened.reset()  # back to the export, not to step 0
    assert reopened.step_count == 20
    assert all(torch.equal(t, stored[n].float()) for n, t in trained_networks(reopened.model).state_dict().items())

    with pytest.raises(ValueError, match="not a lab-only export"):
        reopen_spec({**card, "family": "gan"})
    with pytest.raises(ValueError, match="training.steps"):
        reopen_spec({**card, "training": {**card["training"], "steps": -1}})
    with pytest.raises(ValueError, match="do not fit"):
        Session(family, "drawn", seed=5, points=points).restore({"nothing": torch.zeros(1)}, 3)
