"""Every LLM call as CSV or JSON: what `voc export` and `/api/export` both answer.

The fields are the columns of the calls table, so a new column is exported without
anyone listing it here twice.
"""

import csv
import io
import json
from datetime import date
from typing import Any

from monitor.stable_json import jsonable
from monitor.store import ResultsStore
from monitor.store.schema import llm_calls

#: Columns kept out: Prefect's task-run id only joins rows inside the store.
INTERNAL = {"task_run_id"}
#: The agent before its key, as exports always had it; the other columns in table order.
LEADING = ["id", "run_id", "agent"]
FIELDS = LEADING + [
    column.name
    for column in llm_calls.columns
    if column.name not in INTERNAL and column.name not in LEADING
]
FORMATS = ("csv", "json")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


def call_rows(
    store: ResultsStore, run_id: str | None = None, since: date | None = None
) -> list[dict[str, Any]]:
    """The calls (of one run, or since a day) as stable JSON rows of the export's fields."""
    return [jsonable({k: row[k] for k in FIELDS}) for row in store.llm_calls(run_id, since)]


def render(rows: list[dict[str, Any]], fmt: str) -> str:
    """`rows` as `csv` (a header line first) or `json` (an indented list)."""
    if fmt == "json":
        return json.dumps(rows, indent=2) + "\n"
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
