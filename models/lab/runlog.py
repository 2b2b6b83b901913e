"""A lab run's log as CSV: one row per frame with the step, each loss and each figure.

Columns appear in the order they are first met, so a loss that only some frames have (after a change of
family-specific settings) still gets its column; cells a frame lacks, and None, are left empty. A list
figure (the class histogram) becomes one column per entry: class_histogram_0 ... class_histogram_9."""

import csv
import io


def frame_row(frame: dict) -> dict:
    """The scalars of one frame, flattened: step, diverged, every loss, every metric."""
    row = {"step": frame["step"], "diverged": frame["diverged"], **frame["losses"]}
    for name, value in frame["metrics"].items():
        if isinstance(value, list):
            row.update({f"{name}_{i}": v for i, v in enumerate(value)})
        else:
            row[name] = value
    return row


def run_log_csv(frames: list[dict]) -> str:
    """CSV text (with a header row) of `frames` in order."""
    rows = [frame_row(frame) for frame in frames]
    columns = list(dict.fromkeys(key for row in rows for key in row)) or ["step"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, restval="", lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: "" if value is None else value for key, value in row.items()} for row in rows)
    return out.getvalue()
