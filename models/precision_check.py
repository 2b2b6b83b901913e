"""May a model draw its digits in bfloat16? The same seeds drawn in float32 and in bf16, read by genlab's digit
classifier: it passes when the classifier reads the same class for at least AGREEMENT_BAR of them (issue 18:
99 % of 1,000 seeds). The result goes into the model's card (`inference.bf16`); the server uses bf16 for a
model only with a passed check and on a machine where bf16 is measured faster (models/precision.py)."""

import torch

from models.bench import machine
from models.evaluation.table import draw_samples
from models.metrics import DigitClassifier, classify
from models.precision import autocast
from models.registry import LoadedModel

AGREEMENT_BAR = 0.99


def bf16_agreement(model: LoadedModel, classifier: DigitClassifier, n: int = 1000, seed: int = 0) -> dict:
    """The share of `n` seeded samples whose class the classifier reads the same in float32 and in bf16, and
    how far their pixels moved (mean absolute difference, in grey levels of 255)."""
    with torch.inference_mode():
        fp32, _ = draw_samples(model, n, seed)
        with autocast("bf16"):
            bf16, _ = draw_samples(model, n, seed)
        bf16 = bf16.float()
        _, read_fp32 = classify(classifier, fp32)
        _, read_bf16 = classify(classifier, bf16)
    agreement = (read_fp32 == read_bf16).float().mean().item()
    return {"agreement": round(agreement, 4), "passed": agreement >= AGREEMENT_BAR, "n": n, "seed": seed,
            "mean_abs_grey_levels": round(255 * (fp32 - bf16).abs().mean().item(), 3), "measured_on": machine()}
