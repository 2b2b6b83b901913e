"""May a model draw its digits in bfloat16, or with a compiled network? The same seeds drawn the plain way (eager,
float32) and the faster way, read by genlab's digit classifier: it passes when the classifier reads the same class
for at least AGREEMENT_BAR of them (issue 18: 99 % of 1,000 seeds). The result goes into the model's card
(`inference.bf16`, `inference.compiled`); the server uses bf16 for a model only with a passed check and on a
machine where bf16 is measured faster (models/precision.py), a compiled twin only with a passed check and when
told to (models/compiled.py)."""

import contextlib

import torch

from models.bench import machine
from models.compiled import attach_compiled_twin, compiled_networks
from models.evaluation.table import draw_samples
from models.metrics import DigitClassifier, classify
from models.precision import autocast
from models.registry import LoadedModel

AGREEMENT_BAR = 0.99


def agreement(model: LoadedModel, classifier: DigitClassifier, faster, n: int = 1000, seed: int = 0) -> dict:
    """The share of `n` seeded samples whose class the classifier reads the same drawn eager in float32 and inside
    the context `faster()`, and how far their pixels moved (mean absolute difference, in grey levels of 255)."""
    with torch.inference_mode():
        plain, _ = draw_samples(model, n, seed)
        with faster():
            fast, _ = draw_samples(model, n, seed)
        fast = fast.float()
        _, read_plain = classify(classifier, plain)
        _, read_fast = classify(classifier, fast)
    share = (read_plain == read_fast).float().mean().item()
    return {"agreement": round(share, 4), "passed": share >= AGREEMENT_BAR, "n": n, "seed": seed,
            "mean_abs_grey_levels": round(255 * (plain - fast).abs().mean().item(), 3), "measured_on": machine()}


def bf16_agreement(model: LoadedModel, classifier: DigitClassifier, n: int = 1000, seed: int = 0) -> dict:
    return agreement(model, classifier, lambda: autocast("bf16"), n, seed)


def compiled_agreement(model: LoadedModel, classifier: DigitClassifier, n: int = 1000, seed: int = 0) -> dict:
    """The compiled twin against eager float32, in each precision the server may draw it in: float32 everywhere,
    bf16 where bf16 is faster (the twin is compiled for the precision it is first called in, then for the other).
    Passed only when both pass."""
    network = model.picture_network()
    if network is None:
        raise ValueError(f"{model.id}: compiling is offered for the diffusion families' networks only")
    attach_compiled_twin(network, torch.get_num_threads())

    def compiled_in(precision: str):
        stack = contextlib.ExitStack()
        stack.enter_context(compiled_networks())
        stack.enter_context(autocast(precision))
        return stack

    result = {precision: agreement(model, classifier, lambda p=precision: compiled_in(p), n, seed)
              for precision in ("fp32", "bf16")}
    return {"passed": all(r["passed"] for r in result.values()), **result}
