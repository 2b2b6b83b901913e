"""Real or fake? A quiz grid mixing held-out digits and a model's samples (issue 17).

The round is dealt from (seed, n) alone (models.evaluation.quiz), so the answers are checked by dealing it
again: nothing is stored, and any replica can score a round another one served."""

from typing import Annotated

from fastapi import APIRouter, Query

from models.evaluation import quiz
from server.images import image_urls
from server.openapi import MODEL_WORK, UNKNOWN_MODEL
from server.params import RunnerDep, StoreDep, check_batch, resolve_seed
from server.schemas import QuizAnswers, QuizQuery

router = APIRouter(prefix="/api/quiz", tags=["quiz"])
# checked without model work: no slot, so never 429 or 503
ANSWERS = {**UNKNOWN_MODEL, **{status: MODEL_WORK[status] for status in (409, 413, 422)}}


@router.get("/{model_id}", responses=MODEL_WORK)
async def get_round(model_id: str, run: RunnerDep, req: Annotated[QuizQuery, Query()]):
    """n digits, some held out from training and the rest the model's own samples; which are which is not said."""
    store = run.store
    model = store.require(model_id, "sample")  # 409 for the 2-D toys and the classifier: they draw no digits
    seed = resolve_seed(req.seed)
    cells = quiz.layout(seed, req.n)
    check_batch(store, cells.fakes)

    def work():
        # the model's default settings; a conditional model draws its classes from the seed
        samples = model.module.sample(cells.fakes, store.generator(seed))["images"]
        return {"model": model.id, "seed": seed, "n": req.n, "images": image_urls(cells.compose(samples))}

    return await run(run.price(model, "sample", cells.fakes), work)


@router.post("/{model_id}/answers", responses=ANSWERS)
def check_answers(model_id: str, req: QuizAnswers, store: StoreDep) -> dict:
    """Score the cells called fake against the round's layout: no sampling, so no slot is taken."""
    model = store.require(model_id, "sample")  # as the round: a model that cannot deal one has none to score
    graded = quiz.layout(req.seed, req.n).grade(req.picks)
    return {"model": model.id, "seed": req.seed, "n": req.n, "picks": sorted(req.picks), "fakes": graded.fakes,
            "hits": graded.hits, "misses": graded.misses, "false_alarms": graded.false_alarms,
            "correct": graded.correct, "score": round(graded.score, 4), "fool_rate": round(graded.fool_rate, 4)}
