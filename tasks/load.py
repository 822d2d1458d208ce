"""Agent 1: load the window's conversations from the bundled sample, an export file or Intercom."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from tasks.agent import agent
from tasks.export_csv import CSVExportError, read_csv_export
from tasks.models import Conversation, Loaded, Message

SAMPLE = Path(__file__).parent / "data" / "sample_conversations.json"


class SourceError(ValueError):
    """The source is missing or is not a readable conversation export."""


INTERCOM = "intercom"


def source_path(source: str) -> Path:
    """The file behind a source name: `sample` is the bundled data set."""
    path = SAMPLE if source == "sample" else Path(source)
    if not path.is_file():
        raise SourceError(f"source file not found: {source}")
    return path


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """One conversation object per line, read a line at a time.

    A large export then never sits in memory whole, as text or as parsed objects.
    """
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError as exc:
                problem = f"not valid JSON (line {number}: {exc.msg})"
                raise SourceError(f"{path.name}: {problem}") from exc


def iter_export(path: Path) -> Iterator[dict[str, Any]]:
    """The conversation objects of `read_export`, streamed from a JSONL file."""
    if path.suffix == ".jsonl":
        return read_jsonl(path)
    return iter(read_export(path))


def read_export(path: Path) -> list[dict[str, Any]]:
    """Conversation objects from a JSON list, an Intercom `conversation.list`, JSONL or CSV."""
    if path.suffix.lower() == ".csv":
        try:
            return read_csv_export(path)
        except CSVExportError as exc:
            raise SourceError(f"{path.name}: {exc}") from exc
    if path.suffix == ".jsonl":
        return list(read_jsonl(path))
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    if isinstance(data, dict):
        data = data.get("conversations")
    if not isinstance(data, list):
        raise SourceError(f"{path.name}: expected a list of conversations or a conversation.list")
    return data


def _time(value: int | None) -> datetime:
    return datetime.fromtimestamp(value or 0, tz=UTC)


def _message(part: dict[str, Any]) -> Message | None:
    if not part.get("body"):
        return None
    author = part.get("author") or {}
    return Message(
        author_type=author.get("type", "unknown"),
        author_name=author.get("name"),
        part_type=part.get("part_type", "comment"),
        text=part["body"],
        created_at=_time(part.get("created_at")),
    )


def to_conversation(raw: dict[str, Any]) -> Conversation:
    """Flatten one Intercom conversation object."""
    source = raw["source"]
    author = source.get("author") or {}
    first = Message(
        author_type=author.get("type", "user"),
        part_type="source",
        text=source.get("body") or "",
        created_at=_time(raw["created_at"]),
    )
    parts = (raw.get("conversation_parts") or {}).get("conversation_parts") or []
    messages = [first] + [m for m in map(_message, parts) if m]
    rating = raw.get("conversation_rating") or {}
    ai = raw.get("ai_agent") or {}
    stats = raw.get("statistics") or {}
    attributes = raw.get("custom_attributes") or {}
    admins = sorted({m.author_name for m in messages if m.author_type == "admin" and m.author_name})
    return Conversation(
        id=str(raw["id"]),
        created_at=_time(raw["created_at"]),
        channel=source.get("type", "unknown"),
        tier=attributes.get("tier") if attributes.get("tier") in ("paid", "free") else "unknown",
        language=attributes.get("language") or "unknown",
        customer_id=str(author.get("id", "")),
        customer_email=author.get("email"),
        state=raw.get("state", "unknown"),
        messages=messages,
        rating=rating.get("rating"),
        rating_remark=rating.get("remark"),
        fin_participated=bool(raw.get("ai_agent_participated")),
        fin_resolution=ai.get("resolution_state"),
        admin_assignee_id=str(raw["admin_assignee_id"]) if raw.get("admin_assignee_id") else None,
        admin_names=admins,
        reopens=stats.get("count_reopens") or 0,
        assignments=stats.get("count_assignments") or 0,
        seconds_to_first_reply=stats.get("time_to_admin_reply"),
        seconds_to_close=stats.get("time_to_first_close"),
    )


def _parse(raw: Any, index: int, path: Path) -> Conversation:
    try:
        return to_conversation(raw)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        label = raw.get("id", "?") if isinstance(raw, dict) else "?"
        raise SourceError(
            f"{path.name}: conversation #{index + 1} (id {label}) is malformed: {exc!r}"
        ) from exc


def sample_window() -> tuple[date, date]:
    """The bundled sample's last full week (Monday to Sunday)."""
    newest = max(c["created_at"] for c in read_export(SAMPLE))
    end = _time(newest).date()
    return end - timedelta(days=6), end


def fetch(source: str, start: date, end: date, directory: Path | None) -> tuple[Path, bool]:
    """The export file to read, and whether it was downloaded (into `directory`) for this run."""
    if source != INTERCOM:
        return source_path(source), False
    if directory is None:
        raise SourceError("the intercom source needs the run's directory to save its export in")
    from tasks.services.intercom import download  # httpx and the API client only when used

    return download(start, end, directory), True


@agent("load_conversations")
def load_conversations(
    source: str, start: date, end: date, directory: Path | None = None
) -> Loaded:
    """Read the source and keep the conversations created from `start` to `end`, inclusive.

    `source` is `sample`, an export file (JSON, JSONL, CSV), or `intercom`: then the
    window is downloaded and saved as `intercom_export.json` in `directory`, the
    run's directory, so the run can be repeated offline with `--source` that file.
    """
    path, downloaded = fetch(source, start, end, directory)
    read, inside = 0, []
    for read, raw in enumerate(iter_export(path), 1):
        conversation = _parse(raw, read - 1, path)
        if start <= conversation.created_at.date() <= end:
            inside.append(conversation)
    return Loaded(
        source=source,
        window_start=start,
        window_end=end,
        conversations=inside,
        read=read,
        outside_window=read - len(inside),
        directory=directory if downloaded else None,
        files=[path] if downloaded else [],
    )
