"""The `genlab` command: serve, train, evaluate."""

import argparse
import logging

from models.train import add_train_parser
from server.bench import add_bench_parser


def _serve(args) -> None:
    import uvicorn

    uvicorn.run("server.app:create_app", factory=True, host=args.host, port=args.port, log_level="info")


def _evaluate(args) -> None:
    from models.evaluate import evaluate_checkpoint

    evaluate_checkpoint(args.checkpoints, args.model_id, n=args.n, seed=args.seed, curves=args.curves)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="genlab", description="see how generative models work")
    sub = parser.add_subparsers(required=True)
    serve = sub.add_parser("serve", help="start the web server with the shipped checkpoints")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(handler=_serve)
    add_train_parser(sub)
    add_bench_parser(sub)
    evaluate = sub.add_parser("evaluate", help="measure a checkpoint with genlab's metrics; writes its card")
    evaluate.add_argument("model_id")
    evaluate.add_argument("--n", type=int, default=1000, help="samples to draw (>= 1000 for card figures)")
    evaluate.add_argument("--seed", type=int, default=0)
    evaluate.add_argument("--checkpoints", default="checkpoints")
    evaluate.add_argument("--curves", action="store_true", help="diffusion: FD/accuracy vs steps and guidance (slow)")
    evaluate.set_defaults(handler=_evaluate)
    args = parser.parse_args(argv)
    args.handler(args)
