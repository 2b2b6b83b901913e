"""One evaluation of every shipped digit model, one row each, every axis its own column (issue 17).

Never one verdict: quality (FD against held-out digits beside the real-vs-real floor at the same n, with a
bootstrap interval), quality and coverage apart (precision, recall), class coverage, likelihood only where the
family has one and labelled with its data model and whether it is exact or a bound, sampling cost (network
evaluations, milliseconds per image on this machine, parameters), memorization (near-copies of training
digits) and what a user can steer. The table is a file beside the checkpoints that the pages and the REST API
read; `genlab evaluate --all` computes it and writes it only when asked (--write), as it is tracked.

FD here is against the 1,000 held-out digits, with the floor the FD of 1,000 random training digits against
the same held-out ones, so both sides of the ratio have the same n. (A card's own `frechet_distance` is
against the 9,000 training digits: a different, lower floor; the two are not mixed.)"""

import copy
import csv
import io
import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from models.checkpoint import CheckpointError, atomic_write, code_version
from models.cost import one_core_seconds
from models.data import NUM_CLASSES
from models.evaluation.interval import frechet_interval
from models.evaluation.manifold import precision_recall
from models.evaluation.memorization import ShippedDigits, nearest_training
from models.metrics import accuracy, class_entropy, classify, frechet_distance, significant
from models.registry import FAMILIES, LoadedModel

log = logging.getLogger(__name__)
TABLE_FILE = Path("evaluation") / "table.json"  # inside the checkpoint directory, beside films/
SAMPLE_BATCH = 250
TIMING_BATCH = 16
TIMING_REPEATS = 3


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    axis: str  # quality, diversity, likelihood, cost, memorization, control: what the column answers
    better: str  # "higher", "lower" or "" (no direction: a count, a list)
    description: str


COLUMNS = (
    Column("fd", "FD", "quality", "lower", "Frechet distance of the samples to the 1,000 held-out digits in the digit "
           "classifier's feature space"),
    Column("fd_floor", "FD floor", "quality", "lower", "the same FD for 1,000 random training digits: what real "
           "digits score at this n"),
    Column("fd_ratio", "FD / floor", "quality", "lower", "1 would be as good as real digits"),
    Column("fd_interval_90", "FD 90% interval", "quality", "", "bootstrap over the samples, bias removed: models whose "
           "intervals overlap are not told apart by FD"),
    Column("precision", "precision", "quality", "higher", "share of samples inside the held-out digits' k-NN manifold "
           "(k = 3): are samples realistic? (Kynkaanniemi et al. 2019)"),
    Column("recall", "recall", "diversity", "higher", "share of held-out digits inside the samples' manifold: does "
           "the model cover the data?"),
    Column("class_entropy", "class entropy", "diversity", "higher", "entropy of the classifier's class histogram "
           "of the samples, normalised: 1 = all ten digits equally often"),
    Column("conditional_accuracy", "asked class", "control", "higher", "conditional models: share of samples "
           "the classifier reads as the class asked for"),
    Column("bits_per_dim", "bits/dim", "likelihood", "lower", "held-out -log2 p(x) / 784, from the model's card "
           "(genlab evaluate ID); compare only within one data model"),
    Column("likelihood", "exact or bound", "likelihood", "", "exact: the likelihood itself; bound: an upper bound "
           "on bits/dim (the true figure is lower)"),
    Column("likelihood_data", "data model", "likelihood", "", "8-bit: a distribution over the 256 levels of each "
           "pixel (dequantized); bernoulli: intensities read as coin flips; figures in different data models do not "
           "compare"),
    Column("likelihood_of", "of", "likelihood", "", "p(x), or p(x | y) for a conditional model scored given the "
           "digit's class (lower than its p(x) would give)"),
    Column("nfe", "network evaluations", "cost", "lower", "network passes per sampled image with the default "
           "sampler (PixelCNN: full-image passes' worth)"),
    Column("ms_per_image", "ms / image (1 core)", "cost", "lower", f"CPU time per image sampling batches of "
           f"{TIMING_BATCH} on one core (the least of {TIMING_REPEATS} runs), on the machine in `measured`"),
    Column("gpu_ms_per_image", "ms / image (GPU)", "cost", "lower", f"wall time per image sampling batches of "
           f"{TIMING_BATCH} on the GPU (the least of {TIMING_REPEATS} runs, each waited for); empty when the "
           "machine in `measured` had none"),
    Column("parameters", "parameters", "cost", "lower", "trained weights of every network in the checkpoint (a GAN's "
           "discriminator and a latent model's autoencoder included; frozen EMA copies not counted twice)"),
    Column("near_copy_share", "near-copies", "memorization", "lower", "share of samples whose nearest training digit "
           "(pixels) is under half as far as the nearest held-out digit"),
    Column("near_copy_share_features", "near-copies (features)", "memorization", "lower", "the same in the "
           "classifier's feature space: copies of content"),
    Column("controls", "what you can steer", "control", "", "class, latent (encoder, projection or exact "
           "inverse), guidance, inpainting or completion, temperature"),
)
CSV_KEYS = ("model", "family", "title", *(c.key for c in COLUMNS))
LIKELIHOOD_DATA = {"flow": "8-bit", "autoregressive": "8-bit", "diffusion": "8-bit", "vae": "bernoulli"}
CONTROLS = (("conditional", "class"), ("samplers", "sampler and steps"), ("inpaint", "inpainting"),
            ("complete", "completion"), ("tokens", "tokens"))
LATENT_ACCESS = (  # (capability, how an image reaches the latent), the first that applies
    ("encode", "latent (encoder)"), ("invertible", "latent (exact inverse)"), ("invert", "latent (DDIM inversion)"),
    ("project", "latent (projection)"), ("decode", "latent (no inverse)"),
)


def is_digit_model(model: LoadedModel) -> bool:
    """Models the table compares: those that draw 28 x 28 digits (not the 2-D toys, not the classifier)."""
    return "sample" in model.capabilities


def draw_samples(model: LoadedModel, n: int, seed: int, **sampler) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n samples with the model's default settings (or `sampler`'s: steps, guidance), in batches; a conditional
    model is asked for each class in turn (labels i % 10), so its samples are balanced and its asked-class
    accuracy is measurable."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % NUM_CLASSES if "conditional" in model.capabilities else None
    images = torch.cat([
        model.module.sample(min(SAMPLE_BATCH, n - i), g,
                            labels=None if labels is None else labels[i:i + SAMPLE_BATCH], **sampler)["images"]
        for i in range(0, n, SAMPLE_BATCH)])
    return images, labels


def controls(model: LoadedModel) -> list[str]:
    """What a user can steer: class, how a digit reaches the latent space, guidance, inpainting, temperature."""
    caps = model.capabilities
    steer = [name for capability, name in CONTROLS if capability in caps]
    steer += [name for capability, name in LATENT_ACCESS if capability in caps][:1]
    if "conditional" in caps and getattr(model.module.config, "sample_guidance", None) is not None:
        steer.append("guidance")
    return [*steer, "temperature"]


def likelihood_columns(model: LoadedModel) -> dict:
    """bits/dim from the card's own held-out figure, with whether it is exact, in which data model, and of what:
    p(x), or p(x | y) for a conditional model whose card has no class-marginal figure. Null for families
    without an image likelihood (a GAN; the VQ-VAE prior's is exact but of tokens, not pixels)."""
    kind, metrics = FAMILIES[model.family].likelihood, model.card.get("metrics", {})
    marginal = metrics.get("heldout_marginal_bits_per_dim")
    bits = marginal if marginal is not None else metrics.get("heldout_bits_per_dim")
    if kind == "none" or bits is None:
        return {"bits_per_dim": None, "likelihood": None, "likelihood_data": None, "likelihood_of": None}
    given_class = marginal is None and "conditional" in model.capabilities
    return {"bits_per_dim": bits, "likelihood": kind, "likelihood_data": LIKELIHOOD_DATA.get(model.family),
            "likelihood_of": "p(x | y)" if given_class else "p(x)"}


def sampling_milliseconds(model: LoadedModel, seed: int) -> float:
    """CPU milliseconds per image sampling TIMING_BATCH images on one core, the least of TIMING_REPEATS runs
    after a warm-up: CPU time of one thread is what a machine busy with other work does not stretch (the
    server prices requests the same way, models/cost.py), and one core is what a request gets on a busy server."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(TIMING_BATCH) % NUM_CLASSES if "conditional" in model.capabilities else None
    seconds = one_core_seconds(lambda: model.module.sample(TIMING_BATCH, g, labels=labels), TIMING_REPEATS)
    return 1000 * seconds / TIMING_BATCH


def gpu_milliseconds(model: LoadedModel, seed: int, device: str | None = None) -> float | None:
    """Wall milliseconds per image sampling TIMING_BATCH images on `device` (the GPU when there is one), the
    least of TIMING_REPEATS runs after a warm-up. Wall time, not CPU time: a GPU runs asynchronously, so each
    run is waited for. None without a GPU, or for a model that does not sample there (logged): the column is
    empty rather than a CPU figure under a GPU label."""
    device = device or ("cuda" if torch.cuda.is_available() else None)
    if device is None:
        return None
    module = copy.deepcopy(model.module).to(device)  # the CPU copy keeps serving the rest of the evaluation
    g = torch.Generator(device).manual_seed(seed)
    labels = (torch.arange(TIMING_BATCH, device=device) % NUM_CLASSES
              if "conditional" in model.capabilities else None)

    def run() -> float:
        start = time.perf_counter()
        module.sample(TIMING_BATCH, g, labels=labels)
        if torch.device(device).type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start

    try:
        run()
        return 1000 * min(run() for _ in range(TIMING_REPEATS)) / TIMING_BATCH
    except RuntimeError as error:
        log.warning("%s did not sample on %s: %s", model.id, device, error)
        return None


def frechet_floor(digits: ShippedDigits, n: int, seed: int) -> float:
    """FD of n random training digits (the split is stored class by class: never its first n) to held-out."""
    features = digits.spaces()["features"]
    pick = torch.randperm(len(features["train"]), generator=torch.Generator().manual_seed(seed))[:n]
    return frechet_distance(features["train"][pick], features["heldout"])


@torch.inference_mode()
def evaluate_row(model: LoadedModel, digits: ShippedDigits, n: int, seed: int) -> dict:
    images, labels = draw_samples(model, n, seed)
    feats, predictions = classify(digits.classifier, images)
    real = digits.spaces()
    heldout = real["features"]["heldout"]
    fd, floor = frechet_distance(feats, heldout), frechet_floor(digits, n, seed)
    low, high = frechet_interval(feats, heldout, seed=seed)
    pixels = nearest_training(images, real["pixels"]["train"], real["pixels"]["heldout"])
    features = nearest_training(feats, real["features"]["train"], heldout)
    return {
        "model": model.id, "family": model.family, "title": model.card["title"],
        "fd": significant(fd), "fd_floor": significant(floor), "fd_ratio": significant(fd / floor),
        "fd_interval_90": [significant(low), significant(high)],
        **{k: round(v, 4) for k, v in precision_recall(heldout, feats).items()},
        "class_entropy": round(class_entropy(predictions), 4),
        "conditional_accuracy": None if labels is None else round(accuracy(predictions, labels), 4),
        **likelihood_columns(model),
        "nfe": model.network_evaluations("sample"),
        "ms_per_image": round(sampling_milliseconds(model, seed), 3),
        "gpu_ms_per_image": _rounded(gpu_milliseconds(model, seed)),
        "parameters": sum(p.numel() for p in model.module.parameters() if p.requires_grad),
        "near_copy_share": round(pixels.near_copy_share, 4),
        "near_copy_share_features": round(features.near_copy_share, 4),
        "controls": controls(model),
    }


def _rounded(ms: float | None) -> float | None:
    return None if ms is None else round(ms, 3)


def evaluate_models(models: list[LoadedModel], digits: ShippedDigits, n: int, seed: int, machine: str,
                    progress: Callable[[int, int, str, float], None] = lambda *_: None) -> dict:
    """The whole table; `progress(done, total, model_id, seconds)` after each row."""
    rows = []
    for i, model in enumerate(models):
        start = time.perf_counter()
        rows.append(evaluate_row(model, digits, n, seed))
        progress(i + 1, len(models), model.id, time.perf_counter() - start)
    return {"columns": [asdict(c) for c in COLUMNS], "models": rows,
            "measured": {"n": n, "seed": seed, "reference": "held-out split (1,000 digits), digit-classifier features",
                         "device": "cpu", "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
                         "machine": machine, "code_version": code_version()}}


def updated_table(earlier: dict, measured: dict) -> dict:
    """`earlier` with the rows of `measured` (some models measured again) in place of theirs, new models last;
    `measured.updates` lists every such partial measurement (models, machine, code version), so no row's
    origin is hidden behind the table's first measurement."""
    fresh = {row["model"]: row for row in measured["models"]}
    kept = [fresh.pop(row["model"], row) for row in earlier["models"]]
    update = {"models": [row["model"] for row in measured["models"]],
              **{k: measured["measured"][k] for k in ("machine", "gpu", "code_version")}}
    return {**earlier, "models": kept + list(fresh.values()),
            "measured": {**earlier["measured"], "updates": [*earlier["measured"].get("updates", []), update]},
            "failed": measured["failed"]}


def write_table(directory: Path, table: dict) -> Path:
    path = Path(directory) / TABLE_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda f: f.write((json.dumps(table, indent=1) + "\n").encode()))
    return path


def read_table(path: Path) -> dict:
    """The table as written, checked: columns known, one row per model id with every column. A file that fails
    raises CheckpointError (the routes answer 503 for it, every other route keeps working)."""
    try:
        table = json.loads(Path(path).read_text())
        rows = table["models"]
        if [c["key"] for c in table["columns"]] != [c.key for c in COLUMNS]:
            raise CheckpointError("its columns are not this version's: run genlab evaluate --all --write")
        for row in rows:
            if missing := set(CSV_KEYS) - set(row):
                raise CheckpointError(f"row {row.get('model')!r} lacks {sorted(missing)}")
        if len({row["model"] for row in rows}) != len(rows):
            raise CheckpointError("a model has two rows")
        return table
    except (OSError, ValueError, KeyError, TypeError) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"{path}: {exc}") from exc


def _csv_cell(value) -> str:
    """Lists joined by ';' (the interval as 'low;high'), null as empty."""
    if value is None:
        return ""
    return ";".join(str(v) for v in value) if isinstance(value, list) else str(value)


def to_csv(rows: list[dict]) -> str:
    """Rows as CSV, a header of the JSON field names (CSV_KEYS) first."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_KEYS)
    writer.writerows([_csv_cell(row[key]) for key in CSV_KEYS] for row in rows)
    return out.getvalue()
