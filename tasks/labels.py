"""The truth a labelled set of conversations was made from: what `voc eval` scores against.

The labels of a source `X.json` (or `X.jsonl`, `X.csv`) are in `X.labels.json` beside it,
`{"labels": {"<conversation id>": {"topic", "sub_topic", "sentiment", "fin"}}}`, as
`scripts/generate_sample.py` writes them for the bundled sample and larger generated sets.
"""

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from tasks.load import INTERCOM, SAMPLE, SourceError, iter_export, source_path

SUFFIX = ".labels.json"
SHOWN = 3  # missing ids named in an error


class LabelsError(ValueError):
    """The labels are missing, unreadable, or do not cover the source."""


class Label(BaseModel):
    """One conversation's truth: its topic (a taxonomy name or `Other`), sub-topic (None
    when it has none), the customer's sentiment, and Fin's outcome (None: Fin took no part)."""

    topic: str
    sub_topic: str | None = None
    sentiment: Literal["negative", "neutral", "positive"]
    fin: str | None = None


class LabelFile(BaseModel):
    labels: dict[str, Label]


def labels_path(source: str) -> Path:
    """Where the labels of `source` are by convention: `X.labels.json` beside `X.json`."""
    if source == INTERCOM:
        raise LabelsError(
            "the intercom source has no labels: evaluate an export file with its labels "
            f"beside it (X{SUFFIX} for X.json) or given with --labels"
        )
    path = SAMPLE if source == "sample" else Path(source)
    return path.with_name(path.name.rsplit(".", 1)[0] + SUFFIX)


def read_labels(path: Path) -> dict[str, Label]:
    """The labels in `path`, by conversation id; a one-line `LabelsError` if unusable."""
    if not path.is_file():
        raise LabelsError(f"no labels: {path} not found (pass --labels PATH if they are elsewhere)")
    try:
        return LabelFile.model_validate_json(path.read_bytes()).labels
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(map(str, error["loc"]))
        raise LabelsError(f"labels {path}: {where}: {error['msg']}") from None
    except (OSError, json.JSONDecodeError) as exc:
        raise LabelsError(f"labels {path}: {exc}") from None


@dataclass(frozen=True)
class LabelledSet:
    """A source with its labels, and its last week: the 7 days to its newest conversation."""

    source: str
    path: Path
    labels: dict[str, Label]
    first: date
    last: date


def _ids_and_days(source: str) -> tuple[set[str], list[date]]:
    """The conversation ids of the source, and the day each was created (UTC)."""
    ids, days = set(), []
    try:
        for _, raw in iter_export(source_path(source))[1]:
            if isinstance(raw, dict) and "id" in raw:
                ids.add(str(raw["id"]))
                if isinstance(raw.get("created_at"), int):
                    days.append(datetime.fromtimestamp(raw["created_at"], UTC).date())
    except SourceError as exc:
        raise LabelsError(str(exc)) from None
    return ids, days


def load_labels(source: str, path: Path | None = None) -> LabelledSet:
    """The labels of `source` (from `path`, else beside it), checked to cover every
    conversation; a one-line `LabelsError` naming the missing ones otherwise."""
    path = path or labels_path(source)
    labels = read_labels(path)
    ids, days = _ids_and_days(source)
    missing = sorted(ids - labels.keys())
    if missing:
        shown = ", ".join(missing[:SHOWN]) + (", …" if len(missing) > SHOWN else "")
        raise LabelsError(
            f"{path} has no labels for {len(missing)} of the {len(ids)} conversations "
            f"in {source}: {shown}"
        )
    if not days:
        raise LabelsError(f"{source}: holds no conversations to evaluate")
    # The week `voc run` analyses by default (for the sample, its last week), so an
    # evaluated run stands beside the weekly runs, and a later week's trend compares
    # itself with a week, not the whole set.
    last = max(days)
    return LabelledSet(source, path, labels, max(min(days), last - timedelta(days=6)), last)
