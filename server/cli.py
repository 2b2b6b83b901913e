"""The `genlab` command: serve, train, evaluate, bench, deploy, lab."""

import argparse
import importlib.metadata
import importlib.util
import json
import logging
import resource
import sys
import textwrap
from pathlib import Path

OWN_PACKAGES = ("server", "models")

# Each subcommand: what it does (its --help opens with it) and examples (its --help ends with them).
HELP = {
    "serve": (("Start the web server with the shipped checkpoints: the pages at /, /vae, /gan, /diffusion, the JSON "
               "API under /api and its reference at /docs. Settings come from GENLAB_* variables (docs/api.md)."),
              ["genlab serve --port 8000",
               "GENLAB_ALLOWED_HOSTS='[\"lab.example.org\"]' genlab serve --host 0.0.0.0   # a class on the LAN",
               "genlab serve --port 8001 --forwarded-allow-ips 10.0.0.5   # a replica behind a proxy at 10.0.0.5"]),
    "train": (("Train a model on genlab's MNIST digits and write its checkpoint and card (to --out); resumable from "
               "the state kept in --runs."),
              ["genlab train vae --id my-vae --latent-dim 16 --beta 1 --epochs 40",
               "genlab train gan --id my-gan --loss wgan-gp --epochs 25 --film-every 2"]),
    "evaluate": (("Measure a checkpoint with genlab's metrics (Frechet distance against the floor, class entropy, "
                  "accuracies, held-out bounds) and print them; --write stores them in the model's card. --all: the "
                  "comparison table of every digit model, every axis its own column (FD with its floor and interval, "
                  "precision, recall, class coverage, likelihood, cost, near-copies, controls); --write stores it where "
                  "the /compare page and GET /api/evaluation read it (checkpoints/evaluation/table.json)."),
                 ["genlab evaluate vae-mnist                    # print the figures, change nothing",
                  "genlab evaluate vae-mnist --n 1000 --write   # update checkpoints/vae-mnist.json",
                  "genlab evaluate my-vae --checkpoints ./my-checkpoints",
                  "genlab evaluate --all --out table.json      # every model: print the table, save a copy",
                  "genlab evaluate --all --write               # ship it (about 40 min on 2 CPU cores)",
                  "genlab evaluate --all --rows dcgan-mnist --write  # one retrained model's row, the rest kept",
                  "genlab evaluate dcgan-mnist --bf16-check --write   # may the server sample it in bf16?"]),
    "fit-prior": (("Fit a trained VAE's sampling prior: a Gaussian mixture over where its encoder puts the training "
                   "digits (ex-post density estimation), so samples avoid the holes of N(0, I). Writes the checkpoint "
                   "and card; then run genlab evaluate ID --write."),
                  ["genlab fit-prior vae-mnist --components 10", "genlab evaluate vae-mnist --write"]),
    "bench": (("Print speed figures: sample = latency of the sample route (median of --repeats), diffusion = ms per "
               "image per step against the FLOP bound, abuse = well-behaved clients beside hostile ones, pixelcnn = "
               "pixel-by-pixel sampling: ms per pixel, images/s, against re-running the network per pixel, lab = the light "
               "routes' p99 on an idle server against one running the lab at its maximum (--rounds of --seconds each), latent = "
               "the latent DDPM against the pixel one: ms and network GFLOP per image at equal DDIM steps, lecture = a simulated "
               "lecture: --clients students clicking through the pages' request mix, p50/p99 per kind, first SSE "
               "frame, errors and 503s against the targets."),
              ["genlab bench sample --model vae-mnist --n 64", "genlab bench diffusion", "genlab bench pixelcnn --repeats 3",
               "genlab bench abuse --seconds 30", "genlab bench lab --seconds 20 --rounds 3", "genlab bench latent --repeats 3",
               "genlab bench lecture --clients 60 --seconds 120"]),
    "deploy": (("Print the configuration of a standard load balancer (Debian's nginx) in front of several running "
                "`genlab serve` replicas: inference spread by fewest connections, streams unbuffered, the client's "
                "address passed on for fair shares, lab sessions kept on their replica (docs/scale-out.md)."),
               ["genlab deploy nginx --replica 127.0.0.1:8001 --replica 127.0.0.1:8002 --listen 0.0.0.0:8000 > genlab.conf",
                "nginx -c $PWD/genlab.conf"]),
    "lab": (("Run a live-lab training session without a browser: a small model (gan, vae, flow, diffusion) trained on "
             "a 2-D toy or the MNIST digits, from a preset or the defaults, printing one JSON line per frame: step, losses, "
             "mode_coverage (the share of the toy's modes, or of the 10 classes, covered; null for toys without discrete "
             "modes) and mmd against the data (on MNIST the classifier's class histogram instead). "
             "The same --seed and options print the same lines."),
            ["genlab lab run --family gan --data 8gaussians --preset mode-collapse",
             "genlab lab run --family gan --data 8gaussians --preset fix-mode-collapse --frame-every 100",
             "genlab lab run --family vae --data moons --preset posterior-collapse --steps 500 --seed 3",
             "genlab lab run --family diffusion --data spiral --set timesteps=50 --set schedule=cosine",
             "genlab lab run --family flow --data rings --full | head -1   # a whole frame, grids and all",
             "genlab lab run --family flow --data mnist --steps 3000 --frame-every 500"]),
}


def _own_packages_problem() -> str | None:
    """Why `server` or `models` may not be genlab's own files, or None when they are.

    The names are generic (the product fixes them): another distribution shipping either overwrites genlab's
    files in site-packages without pip saying so, and a directory of that name earlier on sys.path shadows them.
    Both show up later as baffling import errors, so the command refuses to run on such a mix."""
    home = Path(__file__).resolve().parent.parent  # where genlab's packages sit: site-packages or the checkout
    for name in OWN_PACKAGES:
        spec = importlib.util.find_spec(name)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or origin.parent.parent != home:
            return f"the package `{name}` imported from {origin or 'nowhere'} is not genlab's (beside {home})"
    owners = importlib.metadata.packages_distributions()
    for name in OWN_PACKAGES:
        if others := sorted(set(owners.get(name, ())) - {"genlab"}):
            return f"the top-level package `{name}` is also installed by {', '.join(others)}, over genlab's files"
    return None


def _fail(message: str, status: int = 1) -> None:
    """One line on stderr, no traceback."""
    print(message, file=sys.stderr)
    sys.exit(status)


def _open_files_as_allowed() -> None:
    """Raise the soft limit on open files to the hard one. Each idle keep-alive connection holds a file for
    GENLAB_KEEP_ALIVE_SECONDS, and a terminal's usual soft limit (1,024) is a class of 200 with five each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1 << 20 if hard == resource.RLIM_INFINITY else hard
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    except (ValueError, OSError) as exc:
        logging.getLogger(__name__).warning("open files stay limited to %d: %s", soft, exc)


def _serve(args) -> None:
    import uvicorn

    from server.config import Settings
    from server.connections import UVICORN_HTTP

    _open_files_as_allowed()
    uvicorn.run("server.app:create_app", factory=True, host=args.host, port=args.port, log_level="info",
                proxy_headers=True, forwarded_allow_ips=args.forwarded_allow_ips,
                timeout_keep_alive=Settings().keep_alive_seconds, http=UVICORN_HTTP)


def _sample_count(text: str) -> int:
    """--n: a whole number of samples, at least 2 (a Frechet distance needs a covariance)."""
    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 2:
        raise argparse.ArgumentTypeError(f"expected a whole number of samples >= 2, got {text!r}")
    return n


def _evaluate(args) -> None:
    from models.checkpoint import CheckpointError
    from models.evaluate import (
        UnknownModel,
        evaluate_bf16,
        evaluate_checkpoint,
        evaluate_compiled,
        evaluate_sampler_costs,
    )
    from server.config import Settings

    directory = Path(args.checkpoints) if args.checkpoints else Settings().checkpoint_dir
    if args.all == bool(args.model_id):
        _fail("genlab evaluate: error: name one MODEL_ID, or --all", status=2)
    if args.rows and not args.all:
        _fail("genlab evaluate: error: --rows picks rows of the --all table", status=2)
    if args.all:
        return _evaluate_all(args, directory)
    try:
        if args.sampler_costs:
            metrics = evaluate_sampler_costs(directory, args.model_id, n=args.n, seed=args.seed,
                                             write=args.write)
        elif args.bf16_check:
            metrics = evaluate_bf16(directory, args.model_id, n=args.n, seed=args.seed, write=args.write)
        elif args.compile_check:
            metrics = evaluate_compiled(directory, args.model_id, n=args.n, seed=args.seed, write=args.write)
        else:
            metrics = evaluate_checkpoint(directory, args.model_id, n=args.n, seed=args.seed, curves=args.curves,
                                          write=args.write)
    except (UnknownModel, ValueError) as exc:
        _fail(f"genlab evaluate: error: {exc}", status=2)  # argparse's status for a bad argument
    except CheckpointError as exc:
        _fail(f"genlab evaluate: error: {exc}")
    print(json.dumps(metrics, indent=1))
    if not args.write:
        print(f"(not written: add --write to store these figures in {directory / args.model_id}.json)", file=sys.stderr)


def _progress(done: int, total: int, model_id: str, seconds: float) -> None:
    bar = "#" * done + "-" * (total - done)
    print(f"[{bar}] {done}/{total} {model_id} ({seconds:.0f} s)", file=sys.stderr, flush=True)


def _evaluate_all(args, directory: Path) -> None:
    from models.checkpoint import CheckpointError
    from models.evaluate import UnknownModel, evaluate_table
    from models.evaluation.table import CSV_KEYS

    try:
        table = evaluate_table(directory, n=args.n, seed=args.seed, write=args.write, progress=_progress, rows=args.rows)
    except (UnknownModel, ValueError) as exc:
        _fail(f"genlab evaluate: error: {exc}", status=2)
    except CheckpointError as exc:
        _fail(f"genlab evaluate: error: {exc}")
    if args.out:
        args.out.write_text(json.dumps(table, indent=1) + "\n")
    keys = [k for k in CSV_KEYS if k not in ("family", "title", "controls", "fd_interval_90")]
    cells = [keys] + [["-" if row[k] is None else str(row[k]) for k in keys] for row in table["models"]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(keys))]
    for line in cells:
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
    for failure in table["failed"]:
        print(f"not evaluated: {failure['id']}: {failure['error']}", file=sys.stderr)
    if not args.write:
        print(f"(not written: add --write to store the table in {directory / 'evaluation' / 'table.json'})", file=sys.stderr)


def _add_evaluate_parser(sub) -> None:
    evaluate = sub.add_parser("evaluate", help="measure a checkpoint with genlab's metrics (--write: into its card); "
                                              "--all: the comparison table of every model")
    evaluate.add_argument("model_id", nargs="?", help="the model to measure (or --all)")
    evaluate.add_argument("--all", action="store_true",
                          help="every digit model in the directory: the comparison table (--write: the shipped one)")
    evaluate.add_argument("--out", type=Path, default=None, help="--all: also save the table as JSON here")
    evaluate.add_argument("--rows", type=lambda text: text.split(","), default=None, metavar="ID[,ID...]",
                          help="--all: measure only these models again; their rows replace theirs in the directory's "
                               "table (which must exist, measured at the same --n and --seed)")
    evaluate.add_argument("--n", type=_sample_count, default=1000,
                          help="samples to draw (default 1000, the least for card figures; --sampler-costs: a point)")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--checkpoints", default=None, type=Path,
                          help="directory of checkpoints and cards (default: the shipped ones, or GENLAB_CHECKPOINT_DIR)")
    evaluate.add_argument("--curves", action="store_true", help="diffusion: FD/accuracy vs steps and guidance (slow)")
    evaluate.add_argument("--sampler-costs", action="store_true",
                          help="diffusion: only FD/accuracy vs network evaluations for every sampler (ddpm, ddim, sde, ode), "
                               "1,000 samples a point unless --n says otherwise, kept beside the card's other figures (slow: its 25 "
                               "points took 35 min on 2 CPU cores)")
    evaluate.add_argument("--bf16-check", action="store_true",
                          help="only whether --n seeded samples keep their class in bf16 (the classifier must agree "
                               "on >= 99 %%): with --write the server may then sample the model in bf16 where bf16 is faster")
    evaluate.add_argument("--compile-check", action="store_true",
                          help="diffusion: only whether --n seeded samples keep their class drawn by the compiled network "
                               "(torch.compile; needs a C++ compiler), in float32 and in bf16: with --write the server "
                               "started with GENLAB_COMPILE=checked may then use it")
    evaluate.add_argument("--write", action="store_true", help="store the figures in the model's card")
    evaluate.set_defaults(handler=_evaluate)


def _fit_prior(args) -> None:
    from models.vae.train import refit_prior
    from server.config import Settings

    directory = Path(args.checkpoints) if args.checkpoints else Settings().checkpoint_dir
    try:
        card = refit_prior(directory, args.model_id, args.components)
    except (FileNotFoundError, ValueError) as exc:
        _fail(f"genlab fit-prior: error: {exc}", status=2)
    print(f"{args.model_id}: sampling prior = {card['training']['prior']['kind']}, {args.components} components")


def _add_fit_prior_parser(sub) -> None:
    fit_prior = sub.add_parser("fit-prior", help="fit a VAE's sampling prior to its encoded training digits")
    fit_prior.add_argument("model_id")
    fit_prior.add_argument("--components", type=int, default=10, help="Gaussians in the mixture")
    fit_prior.add_argument("--checkpoints", default=None, type=Path,
                           help="directory of checkpoints and cards (default: the shipped ones, or GENLAB_CHECKPOINT_DIR)")
    fit_prior.set_defaults(handler=_fit_prior)


def build_parser() -> argparse.ArgumentParser:
    from models.train import add_train_parser
    from server.bench import add_bench_parser
    from server.deploy import add_deploy_parser
    from server.lab_cli import add_lab_parser

    parser = argparse.ArgumentParser(
        prog="genlab", description="genlab: see how generative models work (VAEs, GANs, diffusion on MNIST digits).",
        epilog="examples:\n  genlab serve                # then open http://127.0.0.1:8000\n"
               "  genlab evaluate vae-mnist\n  genlab SUBCOMMAND --help    # what each one does, with examples",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"genlab {importlib.metadata.version('genlab')}")
    sub = parser.add_subparsers(required=True, metavar="SUBCOMMAND")
    serve = sub.add_parser("serve", help="start the web server with the shipped checkpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--forwarded-allow-ips", default="127.0.0.1", metavar="IPS",
                       help="proxies whose X-Forwarded-For names the client (comma-separated; default 127.0.0.1)")
    serve.set_defaults(handler=_serve)
    add_train_parser(sub)
    _add_evaluate_parser(sub)
    _add_fit_prior_parser(sub)
    add_bench_parser(sub)
    add_deploy_parser(sub)
    add_lab_parser(sub, *HELP["lab"])
    for name, (description, examples) in HELP.items():
        command = sub.choices[name]
        command.description = textwrap.fill(description, 79)
        command.epilog = "examples:\n" + "\n".join(f"  {line}" for line in examples)
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    return parser


def main(argv: list[str] | None = None) -> None:
    if problem := _own_packages_problem():
        _fail(f"genlab: {problem}. Install genlab in a virtual environment of its own (docs/install.md).")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    args.handler(args)
