"""`genlab evaluate MODEL_ID`: measure a checkpoint with genlab's metrics (and, asked to, write them into its card).

Which figures a model gets follows its capabilities, not its family name: anything that samples
gets Frechet distance and class entropy, conditional models get conditional accuracy, models that
encode and decode get held-out reconstruction accuracy and bound, other models with log_prob (diffusion)
get the held-out bits/dim of their bound.
"""

import functools
import logging
import math
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from models.bench import machine, network_flops
from models.checkpoint import card_path, code_version, read_card, weights_path, write_card
from models.data import NUM_CLASSES, load_digits
from models.diffusion.langevin import STEPS_PER_LEVEL
from models.diffusion.sampling import SAMPLERS, sampler_evaluations
from models.evaluation.interval import frechet_interval
from models.evaluation.manifold import precision_recall
from models.evaluation.memorization import FEATURES_FILE, nearest_training, shipped_digits
from models.evaluation.table import (
    TABLE_FILE,
    draw_samples,
    evaluate_models,
    is_digit_model,
    read_table,
    updated_table,
    write_table,
)
from models.metrics import DigitClassifier, accuracy, bits_per_dim, class_entropy, classify, frechet_distance
from models.precision_check import bf16_agreement, compiled_agreement
from models.registry import FAMILIES, LoadedModel, load_all, load_model
from models.score.measures import SAMPLES as SCORE2D_SAMPLES
from models.score.train import measure as measure_score2d

log = logging.getLogger(__name__)
CLASSIFIER_ID = "digit-classifier"


class UnknownModel(LookupError):
    """A model id (the one asked for, or the digit-classifier every evaluation uses) has no card in the directory."""


def _card(directory: Path, model_id: str) -> Path:
    path = card_path(directory, model_id)
    if not path.is_file():
        known = sorted(p.stem for p in directory.glob("*.json"))
        raise UnknownModel(f"no model {model_id!r} in {directory}; known: {', '.join(known) or 'none'}")
    return path


@functools.lru_cache(maxsize=1)
def _real_features(checkpoints: str) -> dict[str, torch.Tensor]:
    classifier = load_classifier(Path(checkpoints))
    return {split: classify(classifier, load_digits(split).images)[0] for split in ("train", "heldout")}


def load_classifier(checkpoints: Path) -> DigitClassifier:
    return load_model(card_path(checkpoints, CLASSIFIER_ID)).module


def sample_metrics(model: LoadedModel, classifier: DigitClassifier, train_feats, n: int, seed: int,
                   real: dict[str, torch.Tensor] | None = None, **sampler) -> dict:
    """FD against the train split and class entropy of n samples; conditional accuracy when it applies; with
    the real features (`real`), the comparison measures too. `sampler` (steps, guidance) passes through to
    iterative samplers."""
    images, labels = draw_samples(model, n, seed, **sampler)
    feats, preds = classify(classifier, images)
    out = {"frechet_distance": frechet_distance(feats, train_feats), "class_entropy": class_entropy(preds),
           "class_histogram": torch.bincount(preds, minlength=NUM_CLASSES).tolist(), "samples": len(images)}
    if labels is not None:
        out["conditional_accuracy"] = accuracy(preds, labels)
    return out | (comparison_metrics(images, feats, real) if real is not None else {})


def comparison_metrics(images: torch.Tensor, feats: torch.Tensor, real: dict[str, torch.Tensor]) -> dict:
    """Realism and coverage as two numbers (precision and recall against the held-out digits' features), a
    bootstrap interval for the FD, and memorization: the share of samples that are near-copies of a training
    digit in pixels and in features (models/evaluation)."""
    low, high = frechet_interval(feats, real["train"])
    pixels = nearest_training(images.detach(), load_digits("train").images, load_digits("heldout").images)
    features = nearest_training(feats, real["train"], real["heldout"])
    return {**precision_recall(real["heldout"], feats), "frechet_interval_90": [round(low, 4), round(high, 4)],
            "near_copy_share_pixels": pixels.near_copy_share, "near_copy_share_features": features.near_copy_share,
            "train_to_heldout_distance_ratio_median": float(pixels.ratio.median())}


def heldout_metrics(model: LoadedModel, classifier: DigitClassifier, seed: int) -> dict:
    """Reconstruction accuracy (classifier agrees with the true label) and the held-out bound."""
    heldout = load_digits("heldout")
    labels = heldout.labels if "conditional" in model.capabilities else None
    g = torch.Generator().manual_seed(seed)
    mean, _ = model.module.encode(heldout.images, labels)
    recon = model.module.decode(mean, labels)
    terms = model.module.elbo_terms(heldout.images, labels, g, samples=1)
    iw = model.module.importance_log_prob(heldout.images, labels, g, samples=64)
    return {
        "reconstruction_accuracy": accuracy(classify(classifier, recon)[1], heldout.labels),
        "heldout_recon_nats": float(terms["recon"].mean()), "heldout_kl_nats": float(terms["kl"].mean()),
        "heldout_elbo_nats": float(terms["elbo"].mean()), "heldout_iwae64_nats": float(iw.mean()),
        "heldout_bits_per_dim": float(bits_per_dim(-iw.mean())),
    }


@torch.no_grad()
def token_metrics(model: LoadedModel, classifier: DigitClassifier) -> dict:
    """A discrete-latent model on the held-out digits: does the classifier still read each digit from its 49
    tokens alone, and the prior's exact likelihood of the token grids (of the tokens, not of the pixels)."""
    heldout = load_digits("heldout")
    labels = heldout.labels if "conditional" in model.capabilities else None
    tokens = model.module.vqvae.tokens(heldout.images)
    recon = model.module.vqvae.decode_tokens(tokens)
    bits = -model.module.token_log_probs(tokens, labels).sum((1, 2)) / math.log(2)
    return {"reconstruction_accuracy": accuracy(classify(classifier, recon)[1], heldout.labels),
            "heldout_recon_bce": float(F.binary_cross_entropy(recon, heldout.images)),
            "heldout_token_bits": float(bits.mean()), "heldout_bits_per_token": float(bits.mean() / tokens[0].numel())}


BOUND_DIGITS_PER_CLASS = 10  # held-out digits per class whose bound is computed (T network calls each)


def likelihood_metrics(model: LoadedModel, seed: int) -> dict:
    """Held-out -log p bound in bits/dim for models whose bound costs a network call per diffusion step:
    BOUND_DIGITS_PER_CLASS digits of each class (given their label when the model is conditional), mean and spread."""
    heldout = load_digits("heldout")
    idx = torch.cat([torch.nonzero(heldout.labels == c)[:BOUND_DIGITS_PER_CLASS, 0] for c in range(NUM_CLASSES)])
    labels = heldout.labels[idx] if "conditional" in model.capabilities else None
    nats = -model.module.log_prob(heldout.images[idx], labels, torch.Generator().manual_seed(seed))
    bpd = bits_per_dim(nats)
    return {"heldout_bits_per_dim": float(bpd.mean()), "heldout_bits_per_dim_std": float(bpd.std()),
            "heldout_bits_per_dim_n": len(idx)}


def _exact_bits_per_dim(model: LoadedModel, images: torch.Tensor, labels: torch.Tensor | None, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.cat([bits_per_dim(-model.module.log_prob(images[i:i + 250], None if labels is None else labels[i:i + 250], g))
                      for i in range(0, len(images), 250)])


def exact_likelihood_metrics(model: LoadedModel, seed: int) -> dict:
    """Models with an exact likelihood: bits/dim over the whole held-out and train splits (given the label
    when the model is conditional, and then also the class-marginal on held-out), and how a blank, a grey
    and a white canvas score next to real digits, unconditionally: likelihood is not typicality
    (Nalisnick et al. 2019)."""
    conditional = "conditional" in model.capabilities
    out = {}
    for split in ("heldout", "train"):
        digits = load_digits(split)
        out[f"{split}_bits_per_dim"] = float(_exact_bits_per_dim(model, digits.images, digits.labels if conditional else None, seed).mean())
    heldout = load_digits("heldout").images
    marginal = _exact_bits_per_dim(model, heldout, None, seed) if conditional else None
    if conditional:
        out["heldout_marginal_bits_per_dim"] = float(marginal.mean())
    digits = marginal if conditional else _exact_bits_per_dim(model, heldout, None, seed)
    canvases = {"blank (all 0)": 0.0, "grey (all 128)": 128 / 255, "white (all 255)": 1.0}
    out["typicality"] = {
        "heldout_digits": {"mean": float(digits.mean()), "min": float(digits.min()), "max": float(digits.max())},
        **{name: float(_exact_bits_per_dim(model, torch.full((1, 1, 28, 28), value), None, seed)[0])
           for name, value in canvases.items()}}
    return out


CURVE_STEPS = ((10, 200), (20, 200), (50, 200), (100, 200), (1000, 100))  # (DDIM steps, samples)
CURVE_GUIDANCE = ((0.0, 0.5, 1.0, 3.0, 5.0), 200)  # (w values at 50 DDIM steps, samples)


def _heldout_subset(features: torch.Tensor, n: int, seed: int) -> torch.Tensor:
    """n held-out digits drawn at random (the split is stored class by class, so its first n would be
    a few classes only and give a floor far too high)."""
    return features[torch.randperm(len(features), generator=torch.Generator().manual_seed(seed))[:n]]


def _curve_point(model: LoadedModel, classifier: DigitClassifier, real: dict, seed: int, n: int, **sampler) -> dict:
    """One point of a sampler curve: FD and guided accuracy of n samples drawn with `sampler`'s settings,
    with the real-vs-real floor measured with the same n, since Frechet distance grows as n shrinks."""
    figures = sample_metrics(model, classifier, real["train"], n, seed, **sampler)
    floor = frechet_distance(_heldout_subset(real["heldout"], n, seed), real["train"])
    return {**sampler, "n": n, "frechet_distance": round(figures["frechet_distance"], 3), "floor": round(floor, 3),
            "conditional_accuracy": figures.get("conditional_accuracy")}


def sampler_curves(model: LoadedModel, classifier: DigitClassifier, real: dict, seed: int) -> dict:
    """FD and guided accuracy against DDIM step count (at the model's default w) and against guidance w (50 steps).
    Small n keeps 1000-step sampling affordable on a CPU."""
    timesteps = model.card["config"]["timesteps"]
    default_w = model.module.config.sample_guidance
    point = functools.partial(_curve_point, model, classifier, real, seed)
    return {"steps": [point(n, steps=steps, guidance=default_w) for steps, n in CURVE_STEPS if steps <= timesteps],
            "guidance": [point(CURVE_GUIDANCE[1], steps=50, guidance=w) for w in CURVE_GUIDANCE[0]]}


CURVE_EVALUATIONS = (5, 10, 20, 50, 100)  # network evaluations per image (x2 with guidance) on the cost axis


def evaluations_curve(model: LoadedModel, classifier: DigitClassifier, real: dict, seed: int, n: int) -> list[dict]:
    """Cost against quality for every sampler (sampling.SAMPLERS) at the model's default w: FD and guided
    accuracy of n samples at about each of CURVE_EVALUATIONS network evaluations per image
    (the ODE's Heun steps take two each: (e + 1) / 2 steps; Langevin takes STEPS_PER_LEVEL a level and one to
    denoise: (e - 1) / 2 levels). The same seed, so the same x_T and labels."""
    default_w = model.module.config.sample_guidance
    points = []
    for name in SAMPLERS:
        for evaluations in CURVE_EVALUATIONS:
            steps = {"ode": (evaluations + 1) // 2,
                     "langevin": max(1, (evaluations - 1) // STEPS_PER_LEVEL)}.get(name, evaluations)
            point = _curve_point(model, classifier, real, seed, n, sampler=name, steps=steps, guidance=default_w)
            points.append({**point, "evaluations": sampler_evaluations(name, steps, guided=False)})
    return points


@torch.inference_mode()
def evaluate(model: LoadedModel, checkpoints: Path, n: int = 1000, seed: int = 0, curves: bool = False) -> dict:
    if "langevin_2d" in model.capabilities:  # a model of the plane: judged against its toy, not against digits
        return measure_score2d(model.module)
    classifier = load_classifier(checkpoints)
    real = _real_features(str(checkpoints))
    metrics: dict = {"real_vs_real_frechet_floor": frechet_distance(real["heldout"], real["train"])}
    if "sample" in model.capabilities:
        metrics |= sample_metrics(model, classifier, real["train"], n, seed, real=real)
        metrics["frechet_ratio_to_floor"] = metrics["frechet_distance"] / metrics["real_vs_real_frechet_floor"]
    if FAMILIES[model.family].likelihood == "exact":
        metrics |= exact_likelihood_metrics(model, seed)
    elif {"encode", "decode"} <= model.capabilities:
        metrics |= heldout_metrics(model, classifier, seed)
    elif "log_prob" in model.capabilities:
        metrics |= likelihood_metrics(model, seed)
    elif "tokens" in model.capabilities:
        metrics |= token_metrics(model, classifier)
    if curves and "trajectory" in model.capabilities:
        metrics["curves"] = sampler_curves(model, classifier, real, seed)
    return {k: round(v, 4) if isinstance(v, float) else v for k, v in metrics.items()}


@torch.inference_mode()
def evaluate_sampler_costs(checkpoints: str | Path, model_id: str, n: int = 1000, seed: int = 0,
                           write: bool = False) -> list[dict]:
    """The cost-quality curve of a diffusion checkpoint's samplers (evaluations_curve); with `write`, stored in
    its card as metrics.curves.samplers, leaving every other figure as it was, with the network's GFLOP per image
    for one evaluation: what puts a latent model's curve and a pixel model's on one cost scale (FLOPs, unlike
    seconds, are the same on every machine)."""
    directory = Path(checkpoints)
    card_file = _card(directory, model_id)
    model = load_model(card_file)
    if "samplers" not in model.capabilities:
        raise ValueError(f"{model_id} has no samplers to compare (a diffusion model has)")
    points = evaluations_curve(model, load_classifier(directory), _real_features(str(directory)), seed, n)
    if write:
        card = read_card(card_file)
        card["metrics"].setdefault("curves", {})["samplers"] = points
        card["metrics"].setdefault("measured", {})["samplers_curve"] = {
            "n": n, "seed": seed, "gflop_per_evaluation": round(network_flops(model.module, 1, guidance=0) / 1e9, 6),
            "code_version": code_version()}
        log.info("%s's sampler curve written into %s", model_id, write_card(directory, card))
    return points


def evaluate_bf16(checkpoints: str | Path, model_id: str, n: int = 1000, seed: int = 0, write: bool = False) -> dict:
    """Whether the model's samples survive bf16 (models/precision_check.py); with `write`, stored in its card as
    inference.bf16, which the server reads to decide, leaving every other figure as it was."""
    return _inference_check(checkpoints, model_id, "bf16", bf16_agreement, n, seed, write)


def evaluate_compiled(checkpoints: str | Path, model_id: str, n: int = 1000, seed: int = 0,
                      write: bool = False) -> dict:
    """Whether the model's samples survive its compiled network, in float32 and in bf16 (models/compiled.py);
    with `write`, stored in its card as inference.compiled, which GENLAB_COMPILE=checked reads."""
    return _inference_check(checkpoints, model_id, "compiled", compiled_agreement, n, seed, write)


def _inference_check(checkpoints: str | Path, model_id: str, key: str, check, n: int, seed: int, write: bool) -> dict:
    directory = Path(checkpoints)
    card_file = _card(directory, model_id)
    model = load_model(card_file)
    if not is_digit_model(model):
        raise ValueError(f"{model_id} draws no digits: the check reads samples with the digit classifier")
    result = check(model, load_classifier(directory), n, seed) | {"code_version": code_version()}
    if write:
        card = read_card(card_file)
        card.setdefault("inference", {})[key] = result
        log.info("%s's %s check written into %s", model_id, key, write_card(directory, card))
    return result


def evaluate_checkpoint(checkpoints: str | Path, model_id: str, n: int = 1000, seed: int = 0, curves: bool = False,
                        write: bool = True) -> dict:
    """Evaluate one checkpoint; with `write`, store the figures (with how they were measured) in its card,
    which for a shipped model is a tracked file: `genlab evaluate` writes only when given --write."""
    directory = Path(checkpoints)
    card_file = _card(directory, model_id)
    _card(directory, CLASSIFIER_ID)
    start = time.perf_counter()
    model = load_model(card_file)
    metrics = evaluate(model, directory, n, seed, curves)
    plane = "langevin_2d" in model.capabilities
    reference = (f"fresh points of the toy {model.card['config']['toy']!r}" if plane
                 else "train split features of digit-classifier")
    metrics["measured"] = {"n": SCORE2D_SAMPLES if plane else n, "seed": seed, "reference": reference,
                           "seconds": round(time.perf_counter() - start, 1), "code_version": code_version()}
    if write:
        card = read_card(card_file)
        card["metrics"] = metrics
        log.info("%s's figures written into %s", model_id, write_card(directory, card))
    return metrics


def evaluate_table(checkpoints: str | Path, n: int = 1000, seed: int = 0, write: bool = False,
                   progress=lambda *_: None, rows: list[str] | None = None) -> dict:
    """`genlab evaluate --all`: the comparison table (models/evaluation/table.py) of every digit model in the
    directory; a checkpoint that fails to load is reported in `failed`, never fatal. With `write`, stored as
    the directory's evaluation table, which the pages and GET /api/evaluation read (for the shipped models, a
    tracked file), with the classifier's features of the shipped digits (memorization.FEATURES_FILE, which
    POST /api/data/nearest reads): cards are left as they are. With `rows`, only those models are measured and
    their rows replace theirs in the directory's table (a retrained model without 40 minutes for the others)."""
    directory = Path(checkpoints)
    _card(directory, CLASSIFIER_ID)
    earlier = _table_to_update(directory, rows, n, seed)
    loaded, failed = load_all(directory)
    models = [m for m in loaded.values() if is_digit_model(m) and (rows is None or m.id in rows)]
    if rows is not None and (unknown := set(rows) - {m.id for m in models}):
        raise UnknownModel(f"not digit models in {directory}: {sorted(unknown)}")
    features, weights = directory / FEATURES_FILE, weights_path(directory, CLASSIFIER_ID)
    digits = shipped_digits(loaded[CLASSIFIER_ID].module, features, weights)
    table = evaluate_models(models, digits, n, seed, machine(), progress)
    table["failed"] = failed
    if earlier is not None:
        table = updated_table(earlier, table)
    if write:
        log.info("the comparison table written into %s", write_table(directory, table))
        log.info("the shipped digits' features written into %s", digits.save_features(features, weights))
    return table


def _table_to_update(directory: Path, rows: list[str] | None, n: int, seed: int) -> dict | None:
    """The table whose `rows` are measured again (None when the whole table is): it must exist and have been
    measured at the same n and seed, or the rows would not be comparable with the rest."""
    if rows is None:
        return None
    path = directory / TABLE_FILE
    if not path.exists():
        raise UnknownModel(f"no table to update in {path}: measure every model first (genlab evaluate --all)")
    table = read_table(path)
    if (table["measured"]["n"], table["measured"]["seed"]) != (n, seed):
        raise ValueError(f"the table was measured at n = {table['measured']['n']}, seed = {table['measured']['seed']}: "
                         "measure these rows the same")
    return table
