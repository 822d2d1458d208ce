"""`/api/export`: every LLM call as CSV or JSON, the same columns as `voc export`."""

import csv
import io
import json
from datetime import date
from typing import Any

from monitor.cli import EXPORT_FIELDS
from monitor.render import jsonable
from monitor.store import ResultsStore

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def export_calls(
    store: ResultsStore, fmt: str, run_id: str | None = None, since: date | None = None
) -> str:
    """The calls (of one run, or since a day) in `fmt`, `csv` or `json`."""
    rows: list[dict[str, Any]] = [
        jsonable({k: row[k] for k in EXPORT_FIELDS}) for row in store.llm_calls(run_id, since)
    ]
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, EXPORT_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
