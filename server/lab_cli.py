"""`genlab lab run`: a live-lab session without a browser, one JSON line per frame on stdout."""

import argparse
import json
import sys
import textwrap
import time

DEFAULT_STEPS = 1000  # without a preset


def _setting(text: str) -> tuple[str, object]:
    """NAME=VALUE, VALUE read as JSON when it is (numbers), else as a string (names such as adam)."""
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise ValueError(f"--set: expected NAME=VALUE, got {text!r}")
    try:
        return name, json.loads(value)
    except json.JSONDecodeError:
        return name, value


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text}")
    return value


MNIST_FIGURES = ("class_histogram", "class_entropy", "grid_step")  # what an MNIST summary adds


def summary(frame: dict) -> dict:
    """The line printed per frame: where the run is and how good it is, without the pictures."""
    line = {"step": frame["step"], "losses": frame["losses"], "diverged": frame["diverged"],
            "mode_coverage": frame["metrics"]["mode_coverage"], "mmd": frame["metrics"]["mmd"]}
    if frame["data"] == "mnist":
        line |= {key: frame["metrics"].get(key, frame.get(key)) for key in MNIST_FIGURES}
    return line


def run_lab(args, out=None) -> None:
    import torch

    from models.lab import MNIST, PRESETS, Session

    torch.set_num_threads(args.threads)  # the caller's job, not the session's
    try:
        hp = dict(_setting(text) for text in args.set)
        extra = {"classifier": _classifier(args.checkpoints)} if args.data == MNIST else {}
        session = Session(args.family, args.data, seed=args.seed, preset=args.preset, **extra, **hp)
    except ValueError as exc:
        print(f"genlab lab run: error: {exc}", file=sys.stderr)
        sys.exit(2)
    steps = args.steps or (PRESETS[args.preset].steps if args.preset else DEFAULT_STEPS)
    every = args.frame_every or max(1, steps // 10)
    started = time.perf_counter()
    while session.step_count < steps:
        frame = session.step(min(every, steps - session.step_count))
        print(json.dumps(frame if args.full else summary(frame), allow_nan=False), file=out or sys.stdout, flush=True)
    print(f"{steps} steps in {time.perf_counter() - started:.1f} s", file=sys.stderr)


def _classifier(checkpoints):
    """The digit classifier an MNIST session needs, from --checkpoints or the server's checkpoint directory."""
    from pathlib import Path

    from models.lab.mnist import load_classifier
    from server.config import Settings

    return load_classifier(Path(checkpoints) if checkpoints else Settings().checkpoint_dir)


def add_lab_parser(sub, description: str, examples: list[str]) -> None:
    """`genlab lab run`; its --help shows the same text and examples as `genlab lab --help` (cli.HELP)."""
    from models.data import TOY_DISTRIBUTIONS
    from models.lab import FAMILIES, MNIST, PRESETS

    lab = sub.add_parser("lab", help="live-lab sessions without a browser (genlab lab run)")
    run = lab.add_subparsers(required=True, metavar="ACTION").add_parser(
        "run", help="train one session and print a JSON line per frame")
    run.add_argument("--family", required=True, choices=sorted(FAMILIES))
    run.add_argument("--data", default="8gaussians", choices=[*sorted(TOY_DISTRIBUTIONS), MNIST],
                     help="a 2-D toy, or mnist (the MNIST frames carry a sample grid and the digit classifier's figures)")
    run.add_argument("--checkpoints", default=None,
                     help="where the digit classifier is, for mnist (default: the shipped checkpoints, or GENLAB_CHECKPOINT_DIR)")
    run.add_argument("--preset", default=None, choices=sorted(PRESETS),
                     help="; ".join(f"{name}: {'/'.join(p.families)}, {p.steps} steps" for name, p in PRESETS.items()))
    run.add_argument("--steps", type=_positive, default=0, help=f"training steps (default: the preset's, else {DEFAULT_STEPS})")
    run.add_argument("--seed", type=int, default=0)
    run.add_argument("--frame-every", type=_positive, default=0, help="steps between frames (default: a tenth of --steps)")
    run.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                     help="a hyper-parameter, e.g. lr_g=0.01 or loss=hinge (repeatable; bounds are checked)")
    run.add_argument("--full", action="store_true", help="print whole frames (samples, grids) instead of the summary")
    run.add_argument("--threads", type=int, default=1, help="torch threads for the training steps")
    run.set_defaults(handler=run_lab)
    run.description = textwrap.fill(description, 79)
    run.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
    run.formatter_class = argparse.RawDescriptionHelpFormatter
