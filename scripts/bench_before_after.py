"""Issue 18's before/after table: the same benches against an earlier version of genlab and this one, in one
run on one machine, the versions taking turns round after round so that drift in the machine's speed (other
load, heat) falls on all of them alike; medians of the rounds.

    .venv/bin/python scripts/bench_before_after.py --before b37b21a --rounds 5 --out runs/before-after.json
    .venv/bin/python scripts/bench_before_after.py --compiled --rounds 5 --out runs/compiled.json

Each round, for each version: a fresh uvicorn on that version's own code and checkpoints (the earlier one from a
`git worktree`), `bench concurrent` through it, then `bench lecture` (unless --no-lecture) and its peak RSS;
then `bench sample`'s in-process VAE and DCGAN grids run by that version's own code. A version is a name, a git
revision ("" for this checkout), GENLAB_* settings, and whether jemalloc is preloaded as `make serve` does.

With --compiled instead of --before: this code as `make serve` runs it, eager and with GENLAB_COMPILE=checked.
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from models.checkpoint import atomic_write
from server.bench_clients import describe_machine
from server.bench_concurrency import run_concurrent
from server.bench_lecture import LectureModels, run_lecture
from server.spawn import REPO, uvicorn_server

JEMALLOC = next(iter(glob.glob("/usr/lib/*/libjemalloc.so.2")), None)
GRIDS = ("vae-mnist", "dcgan-mnist")


def versions(before: str) -> list[dict]:
    """The earlier code as it was, and this code in fp32, with bf16 where checked, and as `make serve` runs it."""
    return [{"name": f"before ({before})", "rev": before, "env": {}, "jemalloc": False},
            {"name": "after, fp32", "rev": "", "env": {"GENLAB_INFERENCE_PRECISION": "fp32"}, "jemalloc": False},
            {"name": "after, bf16 where checked", "rev": "", "env": {}, "jemalloc": False},
            {"name": "after, bf16 + jemalloc (make serve)", "rev": "", "env": {}, "jemalloc": True}]


def compiled_versions() -> list[dict]:
    """This code as `make serve` runs it, with its networks eager and with the checked ones compiled."""
    return [{"name": "make serve, eager", "rev": "", "env": {}, "jemalloc": True},
            {"name": "make serve, GENLAB_COMPILE=checked", "rev": "", "env": {"GENLAB_COMPILE": "checked"},
             "jemalloc": True}]


def _environment(version: dict) -> dict[str, str]:
    env = dict(version["env"])
    if version["jemalloc"]:
        if JEMALLOC is None:
            raise SystemExit("jemalloc is not installed (Debian: libjemalloc2)")
        env["LD_PRELOAD"] = JEMALLOC
    return env


def _grid_median_ms(code: Path, env: dict[str, str], model: str) -> float:
    """`bench sample`'s 64-digit grid p50, run by `code`'s own version of it, in a process of its own."""
    program = ("import json; from server.bench import bench_sample; "
               f"print(json.dumps(bench_sample({model!r}, 64, 30)))")
    out = subprocess.run([sys.executable, "-c", program], cwd=code, env={**os.environ, **env,
                         "GENLAB_CHECKPOINT_DIR": str(code / "checkpoints")}, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["median_ms"]


def _save(path: Path, report: dict) -> None:
    atomic_write(path, lambda f: f.write(json.dumps(report, indent=1).encode()))


def one_round(version: dict, code: Path, lecture_seconds: float) -> dict:
    env = _environment(version)
    figures = {}
    # compiling at start-up takes a minute or two on 2 cores
    with uvicorn_server(code / "checkpoints", env=env, code=code, start_seconds=600) as (url, proc):
        c = run_concurrent(url, "ddpm-mnist", 16, 5)
        figures["concurrent_images_per_second"] = c["concurrent_images_per_second"]
        figures["single_images_per_second"] = c["single_images_per_second"]
        if lecture_seconds:
            r = run_lecture(url, LectureModels(), lecture_seconds, 60, 3.0, proc.pid)
            figures |= {"light_p50_ms": r["light"]["p50_ms"], "light_p99_ms": r["light"]["p99_ms"],
                        "first_frame_p99_ms": r["first_frame"]["p99_ms"],
                        "stream_p50_ms": r["kinds"].get("trajectory stream", {}).get("p50_ms"),
                        "errors": r["errors"], "busy_share": r["busy_share"], "peak_rss_gb": r["peak_rss_gb"],
                        "error_kinds": {kind: s["errors"] for kind, s in r["kinds"].items() if s["errors"]}}
    for model in GRIDS:
        figures[f"{model}_grid_p50_ms"] = _grid_median_ms(code, env, model)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", help="the earlier git revision")
    which.add_argument("--compiled", action="store_true", help="eager against GENLAB_COMPILE=checked, both as make serve")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--lecture-seconds", type=float, default=120)
    parser.add_argument("--no-lecture", action="store_true")
    parser.add_argument("--out", type=Path, required=True, help="JSON: every round's figures and the medians")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        earlier = Path(scratch) / "before"
        if args.before:
            subprocess.run(["git", "worktree", "add", "--detach", str(earlier), args.before], cwd=REPO, check=True)
        try:
            _run(versions(args.before) if args.before else compiled_versions(), earlier, args)
        finally:
            if args.before:
                subprocess.run(["git", "worktree", "remove", "--force", str(earlier)], cwd=REPO, check=False)


def _run(compared: list[dict], earlier: Path, args) -> None:
    """Every version once a round, in turn; every round's figures saved as they come, then the medians."""
    report = {"machine": describe_machine(), "rounds": args.rounds, "versions": {}}
    for r in range(args.rounds):
        for version in compared:
            code = earlier if version["rev"] else REPO
            figures = one_round(version, code, 0 if args.no_lecture else args.lecture_seconds)
            report["versions"].setdefault(version["name"], []).append(figures)
            print(f"round {r + 1}, {version['name']}: {json.dumps(figures)}", flush=True)
            _save(args.out, report)
    report["medians"] = {name: {k: statistics.median(f[k] for f in runs if f.get(k) is not None)
                                for k in runs[0] if any(isinstance(f.get(k), int | float) for f in runs)}
                         for name, runs in report["versions"].items()}
    _save(args.out, report)
    print(json.dumps(report["medians"], indent=1))


if __name__ == "__main__":
    main()
