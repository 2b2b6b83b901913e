"""Nearest training digit of any image (issue 17): memorization as a question a student can ask of any sample.

The digit's nearest training digits in pixels and in the digit classifier's features, each space with the
distance to the nearest held-out digit: a sample far closer to a training digit than to any digit the model
never saw is a near-copy (models/evaluation/memorization.py)."""

import torch
from fastapi import APIRouter, HTTPException

from models.checkpoint import weights_path
from models.evaluate import CLASSIFIER_ID
from models.evaluation.memorization import FEATURES_FILE, NEAR_COPY_RATIO, Neighbours, ShippedDigits, shipped_digits
from models.metrics import significant
from models.registry import LoadedModel
from server.images import decode_data_url, image_urls, mnist_format, to_data_url, to_png
from server.openapi import MODEL_WORK, error_response
from server.params import Runner, RunnerDep
from server.schemas import ImageInput, NearestRequest

router = APIRouter(prefix="/api/data", tags=["data"])
NEAREST_WORK = {**{status: r for status, r in MODEL_WORK.items() if status != 404},
                409: error_response(f"the digit classifier ({CLASSIFIER_ID}) is not loaded: its features are one of "
                                    "the two spaces searched")}


def _classifier(run: Runner) -> LoadedModel:
    model = run.store.models.get(CLASSIFIER_ID)
    if model is None:
        failed = next((f["error"] for f in run.store.failed if f["id"] == CLASSIFIER_ID), None)
        raise HTTPException(409, f"this server has no digit classifier ({CLASSIFIER_ID!r}"
                                 f"{f': its checkpoint failed: {failed}' if failed else ' in its checkpoints'}), "
                                 "whose features are one of the two spaces searched")
    return model


async def _digit(run: Runner, image: ImageInput) -> torch.Tensor:
    """The digit as it was given, (1, 1, 28, 28). A 28 x 28 data URL is taken pixel for pixel: a model's sample
    cut from a page must be compared as it is, and the MNIST recipe every other route applies (crop, rescale,
    re-centre) would move a copy off its original. Any other size is a drawing or a photo: the recipe applies."""
    if not isinstance(image, str):
        return await run.image(image)

    def decode() -> torch.Tensor:
        gray = decode_data_url(image)  # size-checked, bombs refused
        return torch.from_numpy(gray).reshape(1, 1, 28, 28) if gray.shape == (28, 28) else mnist_format(gray)

    return (await run.executor.decode(decode)).to(run.store.device)


def _space(found: Neighbours, digits: ShippedDigits) -> dict:
    """One space's answer for the first (only) query."""
    indices, distances = found.indices[0].tolist(), found.distances[0].tolist()
    train_labels, heldout = digits.labels["train"], int(found.heldout_index[0])
    return {
        "neighbours": [{"index": i, "label": int(train_labels[i]), "image": url, "distance": significant(d)}
                       for i, d, url in zip(indices, distances, image_urls(digits.images["train"][indices]))],
        "heldout_distance": significant(float(found.heldout_distance[0])),
        "heldout_neighbour": {"index": heldout, "label": int(digits.labels["heldout"][heldout]),
                              "image": image_urls(digits.images["heldout"][[heldout]])[0]},
        "ratio": significant(float(found.ratio[0])),
        "near_copy": bool(found.near_copy[0]),
    }


@router.post("/nearest", responses=NEAREST_WORK)
async def find_nearest(req: NearestRequest, run: RunnerDep):
    """An image's k nearest training digits, in pixels and in the classifier's features, and its ratio to the
    nearest held-out digit: under near_copy_ratio, the image is a near-copy of a training digit."""
    classifier = _classifier(run)
    x = await _digit(run, req.image)
    directory = run.store.settings.checkpoint_dir
    digits = shipped_digits(classifier.module, directory / FEATURES_FILE, weights_path(directory, CLASSIFIER_ID))

    def work():
        found = digits.nearest(x, req.k)
        return {"input": to_data_url(to_png(x[0])), "pixels": _space(found["pixels"], digits),
                "features": _space(found["features"], digits), "near_copy_ratio": NEAR_COPY_RATIO}

    # one classifier pass over the image, and on the first question one over the 10,000 shipped digits
    return await run(run.price(classifier, "classify", 1 + digits.unclassified), work)
