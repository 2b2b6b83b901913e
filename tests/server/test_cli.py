"""The `genlab` command: help with examples, --version, evaluate's errors and --write, quiet benches."""

import importlib.metadata
import importlib.util
import json
import logging
from types import SimpleNamespace

import httpx
import pytest

from server import bench, cli
from server.config import Settings
from tests.conftest import TINY_MODELS, write_tiny_checkpoints


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of `genlab ARGV`, run in this process."""
    try:
        cli.main(list(argv))
        status = 0
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    directory = tmp_path_factory.mktemp("cli-checkpoints")
    write_tiny_checkpoints(directory)
    return directory


def test_help_lists_every_subcommand_with_an_example(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    assert all(name in out for name in cli.HELP) and "examples:" in out and "genlab serve" in out


@pytest.mark.parametrize("name", ["serve", "train", "evaluate", "bench"])
def test_each_subcommand_says_what_it_does_with_an_example(capsys, name):
    status, out, _ = run(capsys, name, "--help")
    assert status == 0
    description, _ = cli.HELP[name]
    assert description.split()[0] in out  # the description opens the help...
    assert "examples:\n" in out and f"  genlab {name} " in out.split("examples:")[1]  # ...and examples close it


def test_version_is_the_installed_distribution(capsys):
    status, out, _ = run(capsys, "--version")
    assert status == 0 and out.strip() == f"genlab {importlib.metadata.version('genlab')}"


def test_evaluate_prints_the_figures_and_leaves_the_card_alone(capsys, tiny):
    card = tiny / "tiny-gan.json"
    before = card.read_bytes()
    status, out, err = run(capsys, "evaluate", "tiny-gan", "--n", "20", "--checkpoints", str(tiny))
    assert status == 0
    assert json.loads(out)["samples"] == 20 and "frechet_distance" in json.loads(out)
    assert card.read_bytes() == before
    assert "--write" in err


def test_evaluate_write_stores_the_figures_in_the_card(capsys, tiny):
    status, out, _ = run(capsys, "evaluate", "tiny-gan", "--n", "20", "--checkpoints", str(tiny), "--write")
    assert status == 0
    assert json.loads((tiny / "tiny-gan.json").read_text())["metrics"] == json.loads(out)


def test_evaluate_unknown_model_is_one_line_naming_the_known_ones(capsys, tiny):
    status, out, err = run(capsys, "evaluate", "no-such-model", "--checkpoints", str(tiny))
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "'no-such-model'" in err and ", ".join(sorted(TINY_MODELS)) in err


def test_the_compile_check_of_a_family_it_is_not_offered_for_is_one_line(capsys, tiny):
    status, out, err = run(capsys, "evaluate", "tiny-vae", "--compile-check", "--n", "10", "--checkpoints", str(tiny))
    assert status == 2 and out == "" and "Traceback" not in err
    assert err.count("\n") == 1 and "compiling is offered for the diffusion families' networks only" in err


@pytest.fixture(scope="module")
def few(tiny, tmp_path_factory):
    """The classifier and two fast digit models: a whole table in seconds."""
    directory = tmp_path_factory.mktemp("few-checkpoints")
    for model_id in ("digit-classifier", "tiny-vae", "tiny-gan", "tiny-ncsn"):
        for suffix in (".json", ".safetensors"):
            (directory / f"{model_id}{suffix}").write_bytes((tiny / f"{model_id}{suffix}").read_bytes())
    return directory


def test_evaluate_all_prints_the_table_and_writes_only_when_asked(capsys, few, tmp_path):
    out_file = tmp_path / "table.json"
    status, out, err = run(capsys, "evaluate", "--all", "--n", "20", "--checkpoints", str(few), "--out", str(out_file))
    assert status == 0 and not (few / "evaluation").exists()
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["model", "fd", "fd_floor"] and [line.split()[0] for line in lines[1:]] == ["tiny-gan", "tiny-vae"]
    assert "2/2 tiny-vae" in err and "--write" in err  # the progress bar, and where --write would store it
    assert [row["model"] for row in json.loads(out_file.read_text())["models"]] == ["tiny-gan", "tiny-vae"]
    status, _, _ = run(capsys, "evaluate", "--all", "--n", "20", "--checkpoints", str(few), "--write")
    assert status == 0 and (few / "evaluation" / "table.json").is_file()
    assert (few / "evaluation" / "digit-features.safetensors").is_file()  # what /api/data/nearest starts from


def test_evaluate_all_rows_measures_only_those_and_keeps_the_other_rows(capsys, few, tmp_path):
    """A retrained model's row without measuring the rest again; a table at another n, or a model not in the
    directory, is refused in one line."""
    run(capsys, "evaluate", "--all", "--n", "20", "--checkpoints", str(few), "--write")
    path = few / "evaluation" / "table.json"
    before = json.loads(path.read_text())
    stale = {**before, "models": [{**row, "fd": -1.0} for row in before["models"]]}  # marks which rows are measured
    path.write_text(json.dumps(stale))
    status, _, err = run(capsys, "evaluate", "--all", "--rows", "tiny-vae", "--n", "20", "--checkpoints", str(few),
                         "--write")
    assert status == 0 and "1/1 tiny-vae" in err
    after = json.loads(path.read_text())
    rows = {row["model"]: row for row in after["models"]}
    assert [row["model"] for row in after["models"]] == [row["model"] for row in before["models"]]
    assert rows["tiny-gan"]["fd"] == -1.0 and rows["tiny-vae"] == next(r for r in before["models"] if r["model"] == "tiny-vae") | {
        "ms_per_image": rows["tiny-vae"]["ms_per_image"], "gpu_ms_per_image": rows["tiny-vae"]["gpu_ms_per_image"]}
    assert after["measured"]["updates"][-1]["models"] == ["tiny-vae"]
    assert "gpu" in after["measured"]["updates"][-1]  # which GPU, if any, timed the re-measured rows
    for argv, message in ((["--rows", "tiny-vae", "--n", "30"], "n = 20"), (["--rows", "nothing", "--n", "20"], "nothing")):
        status, _, err = run(capsys, "evaluate", "--all", *argv, "--checkpoints", str(few))
        assert status == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("argv", [["evaluate"], ["evaluate", "tiny-gan", "--all"]])
def test_evaluate_takes_one_model_or_all(capsys, tiny, argv):
    status, out, err = run(capsys, *argv, "--checkpoints", str(tiny))
    assert status == 2 and out == "" and "--all" in err and "Traceback" not in err


def test_evaluate_defaults_to_the_configured_checkpoints_not_the_cwd(capsys, tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no checkpoints/ here
    monkeypatch.setenv("GENLAB_CHECKPOINT_DIR", str(tiny))
    status, _, err = run(capsys, "evaluate", "no-such-model")
    assert status == 2 and str(tiny) in err


def test_bench_prints_no_request_log_lines(capsys, monkeypatch):
    def fake_bench(args):
        logging.getLogger("httpx").info("HTTP Request: POST http://testserver/api/models/vae-mnist/sample")
        logging.getLogger("uvicorn.error").info("Started server process")
        print("vae-mnist: median 12.0 ms")

    monkeypatch.setattr(logging.getLogger(), "level", logging.INFO)  # as `genlab` sets it; all restored afterwards
    for name in ("httpx", "uvicorn"):
        monkeypatch.setattr(logging.getLogger(name), "level", logging.NOTSET)
    monkeypatch.setitem(bench.BENCHES, "sample", fake_bench)
    status, out, _ = run(capsys, "bench", "sample")
    assert status == 0 and out == "vae-mnist: median 12.0 ms\n"
    assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
    assert not logging.getLogger("uvicorn.error").isEnabledFor(logging.INFO)


def test_genlabs_own_packages_pass_the_install_check():
    assert cli._own_packages_problem() is None


def test_another_distribution_over_server_is_refused(capsys, monkeypatch):
    monkeypatch.setattr(importlib.metadata, "packages_distributions",
                        lambda: {"server": ["genlab", "some-web-thing"], "models": ["genlab"]})
    status, _, err = run(capsys, "--version")
    assert status == 1 and "some-web-thing" in err and "`server`" in err


def test_a_shadowing_models_package_is_refused(monkeypatch, tmp_path):
    foreign, real = tmp_path / "models" / "__init__.py", importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name: SimpleNamespace(origin=str(foreign)) if name == "models" else real(name))
    assert f"`models` imported from {foreign} is not genlab's" in cli._own_packages_problem()


@pytest.mark.parametrize(("argv", "n"), [((), 1000), (("--n", "200"), 200)])
def test_sampler_costs_draw_1000_a_point_unless_n_says_otherwise(capsys, tiny, monkeypatch, argv, n):
    import models.evaluate

    seen = {}
    monkeypatch.setattr(models.evaluate, "evaluate_sampler_costs", lambda directory, model_id, **kw: seen.update(kw) or [])
    status, _, _ = run(capsys, "evaluate", "tiny-ddpm", "--sampler-costs", "--checkpoints", str(tiny), *argv)
    assert status == 0 and seen["n"] == n


@pytest.mark.parametrize("n", ["0", "-5", "1", "ten"])
def test_evaluate_refuses_a_sample_count_below_two_in_one_line(capsys, tiny, n):
    status, _, err = run(capsys, "evaluate", "tiny-gan", "--n", n, "--checkpoints", str(tiny))
    assert status == 2 and "argument --n: expected a whole number of samples >= 2" in err and "Traceback" not in err


@pytest.fixture
def open_files_limit(monkeypatch):
    """The process's (soft, hard) limit on open files as `genlab serve` sees and sets it, without touching the real one."""
    import resource

    limit = [(1024, 4096)]
    monkeypatch.setattr(resource, "getrlimit", lambda which: limit[0])
    monkeypatch.setattr(resource, "setrlimit", lambda which, value: limit.__setitem__(0, value))
    return limit


def test_serve_keeps_idle_connections_as_long_as_the_setting_says(capsys, monkeypatch, open_files_limit):
    """`genlab serve` hands GENLAB_KEEP_ALIVE_SECONDS to uvicorn, whose own default (5 s) races httpx's (5 s), runs
    genlab's guarded protocol, and may hold as many connections as the system lets it (one or more per student)."""
    import uvicorn

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setenv("GENLAB_KEEP_ALIVE_SECONDS", "90")
    assert run(capsys, "serve", "--port", "8123")[0] == 0
    monkeypatch.delenv("GENLAB_KEEP_ALIVE_SECONDS")
    assert run(capsys, "serve", "--port", "8123")[0] == 0
    default = Settings.model_fields["keep_alive_seconds"].default
    assert [c["timeout_keep_alive"] for c in calls] == [90, default] and default > httpx.Limits().keepalive_expiry
    assert calls[0]["http"] == "server.connections:GuardedH11Protocol"  # which closes connections idle before a request
    assert open_files_limit[0] == (4096, 4096)
