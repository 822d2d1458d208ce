"""The truth a labelled set of conversations was made from: what `voc eval` scores against.

The labels of a source `X.json` (or `X.jsonl`, `X.csv`) are in `X.labels.json` beside it,
`{"labels": {"<conversation id>": {"topic", "sub_topic", "sentiment", "fin"}}}`, as
`scripts/generate_sample.py` writes them for the bundled sample and larger generated sets.
"""

import json
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


def check_covered(source: str, labels: dict[str, Label], path: Path) -> None:
    """Every conversation of the source has a label, or a `LabelsError` naming the missing."""
    try:
        entries = iter_export(source_path(source))
        ids = {str(raw["id"]) for _, raw in entries if isinstance(raw, dict) and "id" in raw}
    except SourceError as exc:
        raise LabelsError(str(exc)) from None
    missing = sorted(ids - labels.keys())
    if missing:
        shown = ", ".join(missing[:SHOWN]) + (", …" if len(missing) > SHOWN else "")
        raise LabelsError(
            f"{path} has no labels for {len(missing)} of the {len(ids)} conversations "
            f"in {source}: {shown}"
        )


def load_labels(source: str, path: Path | None = None) -> dict[str, Label]:
    """The labels of `source` (from `path`, else beside it), checked to cover every conversation."""
    path = path or labels_path(source)
    labels = read_labels(path)
    check_covered(source, labels, path)
    return labels
