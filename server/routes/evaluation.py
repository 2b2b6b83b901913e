"""The comparison table (issue 17): every shipped digit model on every axis, as JSON or CSV.

The table is measured offline (`genlab evaluate --all --write`, models/evaluation/table.py) and read here; a
missing or broken table answers 404 or 503 on these routes alone, every other route keeps working."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from models.checkpoint import CheckpointError
from models.evaluation.table import TABLE_FILE, read_table, to_csv
from server.openapi import INVALID, error_response
from server.params import StoreDep

router = APIRouter(tags=["evaluation"])
TableFormat = Annotated[Literal["json", "csv"], Query(description="csv: the rows as text/csv, one header line of the "
                                                                  "JSON field names")]
ANSWERS = {
    200: {"description": "the table as JSON, or with `format=csv` as CSV",
          "content": {"text/csv": {"schema": {"type": "string"}}}},
    **INVALID,
    404: error_response("no evaluation table, or no row for this model (run genlab evaluate --all --write)"),
    503: error_response("the evaluation table file is broken (the message says why)"),
}


def _table(store) -> dict:
    path = store.settings.checkpoint_dir / TABLE_FILE
    if not path.is_file():
        raise HTTPException(404, f"no evaluation table in {store.settings.checkpoint_dir.name}/{TABLE_FILE}: "
                                 "run genlab evaluate --all --write")
    try:
        return read_table(path)
    except CheckpointError as exc:
        raise HTTPException(503, f"the evaluation table is unreadable: {exc}") from None


def _answer(table: dict, rows: list[dict], format: str, name: str):
    if format == "csv":
        return Response(to_csv(rows), media_type="text/csv",
                        headers={"content-disposition": f'attachment; filename="{name}.csv"'})
    return {"columns": table["columns"], "models": rows, "measured": table["measured"]}


@router.get("/api/evaluation", responses=ANSWERS)
def evaluation_table(store: StoreDep, format: TableFormat = "json"):
    """Every evaluated model, one row each, with the columns' meaning (`columns`: key, label, axis, whether higher
    or lower is better, description) and how it was measured (`measured`: n, seed, machine, code version).
    Every axis its own column: there is no combined score."""
    table = _table(store)
    return _answer(table, table["models"], format, "genlab-evaluation")


@router.get("/api/models/{model_id}/evaluation", responses=ANSWERS)
def model_evaluation(model_id: str, store: StoreDep, format: TableFormat = "json"):
    """One model's row of the table (`models` holds that row alone), with the columns and `measured`."""
    store.get(model_id)
    table = _table(store)
    rows = [row for row in table["models"] if row["model"] == model_id]
    if not rows:
        raise HTTPException(404, f"{model_id!r} has no row in the evaluation table: only digit models are compared "
                                 "(run genlab evaluate --all --write after adding one)")
    return _answer(table, rows, format, f"{model_id}-evaluation")
