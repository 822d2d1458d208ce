"""Agent 1: load the window's conversations from the bundled sample, an export file or Intercom."""

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tasks import fin_states
from tasks.agent import agent
from tasks.attributes import (
    OWN_EXPORTS,
    AttributeMap,
    configured,
    country_of,
    language_of,
    tier_of,
)
from tasks.export_csv import CSVExportError, read_csv_export
from tasks.models import Conversation, FinOutcome, Loaded, Message

SAMPLE = Path(__file__).parent / "data" / "sample_conversations.json"


class SourceError(ValueError):
    """The source is missing or is not a readable conversation export."""


INTERCOM = "intercom"
# Who may be a conversation's customer when an export has no `contacts` (older files).
CUSTOMER_TYPES = ("user", "lead", "contact")


def source_path(source: str) -> Path:
    """The file behind a source name: `sample` is the bundled data set."""
    path = SAMPLE if source == "sample" else Path(source)
    if not path.is_file():
        raise SourceError(f"source file not found: {source}")
    return path


class RowError(ValueError):
    """One field of one conversation is missing or unusable."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")


def _text(path: Path, data: bytes, offset: int = 0, encoding: str = "utf-8") -> str:
    """`data` decoded, or a SourceError naming the file and the byte where it stops being text."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(f"{path.name}: not UTF-8 text (byte {offset + exc.start})") from None


def read_jsonl(path: Path) -> Iterator[tuple[str, Any]]:
    """One conversation object per line, with where it stands, read a line at a time.

    A large export then never sits in memory whole, as text or as parsed objects.
    """
    offset = 0
    with path.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            line = _text(path, raw, offset)
            offset += len(raw)
            if not line.strip():
                continue
            try:
                yield f"line {number}", json.loads(line)
            except json.JSONDecodeError as exc:
                problem = f"not valid JSON (line {number}: {exc.msg})"
                raise SourceError(f"{path.name}: {problem}") from exc


def iter_export(path: Path) -> tuple[str | None, Iterator[tuple[str, Any]]]:
    """The Intercom API version the export declares (JSON documents only, else None), and
    its conversation objects, each with where it stands in the file."""
    if path.suffix == ".jsonl":
        return None, read_jsonl(path)
    if path.suffix.lower() == ".csv":
        return None, ((f"line {n}", row) for n, row in _read_csv(path))
    conversations, version = read_document(path)
    return version, ((f"conversation #{i}", raw) for i, raw in enumerate(conversations, 1))


def _read_csv(path: Path) -> list[tuple[int, dict[str, Any]]]:
    try:
        return read_csv_export(_text(path, path.read_bytes(), encoding="utf-8-sig"))
    except CSVExportError as exc:
        raise SourceError(f"{path.name}: {exc}") from exc


def read_document(path: Path) -> tuple[list[Any], str | None]:
    """A JSON export's conversations (a list of them, or a `conversation.list`), and the
    `intercom_version` a `conversation.list` declares.

    voc saves what it downloads with the version it asked for; the bundled sample says 2.11.
    """
    text = _text(path, path.read_bytes())
    if not text.strip():
        raise SourceError(f"{path.name}: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{path.name}: not valid JSON (line {exc.lineno}: {exc.msg})") from exc
    version = None
    if isinstance(data, dict):
        version = data.get("intercom_version")
        data = data.get("conversations")
    if not isinstance(data, list):
        raise SourceError(f"{path.name}: expected a list of conversations or a conversation.list")
    if version is not None and not isinstance(version, str):
        raise SourceError(f'{path.name}: intercom_version {version!r} is not like "2.15"')
    return data, version


# Unix seconds a datetime can hold (years 1970 to 9999).
LATEST_TIME = 253_402_300_799


def _time(value: Any, field: str) -> datetime:
    """Unix seconds as a UTC time; a missing value is the epoch, as Intercom leaves it unset."""
    if value is None:
        value = 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RowError(field, f"{value!r} is not Unix seconds")
    if not 0 <= value <= LATEST_TIME:  # NaN fails this too
        raise RowError(field, f"{value!r} is not a time between 1970 and 9999")
    return datetime.fromtimestamp(value, tz=UTC)


def _message(part: dict[str, Any]) -> Message | None:
    if not part.get("body"):
        return None
    author = part.get("author") or {}
    return Message(
        author_type=author.get("type", "unknown"),
        author_name=author.get("name"),
        part_type=part.get("part_type", "comment"),
        text=part["body"],
        created_at=_time(part.get("created_at"), "conversation_parts.created_at"),
    )


def customers(raw: dict[str, Any]) -> list[dict[str, Any]]:
    """The conversation's customers: its `contacts.contacts[]`.

    Not `source.author`, which is whoever began it: an admin for an outbound message, a
    bot, a campaign. An export without `contacts` falls back to an author who is a user.
    """
    contacts = raw.get("contacts")
    if isinstance(contacts, dict):
        return [c for c in contacts.get("contacts") or [] if isinstance(c, dict) and c.get("id")]
    author = (raw.get("source") or {}).get("author") or {}
    return [author] if author.get("type") in CUSTOMER_TYPES and author.get("id") else []


def _fin_outcome(raw: dict[str, Any], version: str | None) -> FinOutcome | None:
    state = (raw.get("ai_agent") or {}).get("resolution_state")
    try:
        return fin_states.outcome(state, version)
    except ValueError as exc:
        raise RowError("ai_agent.resolution_state", str(exc)) from None


def to_conversation(
    raw: dict[str, Any], version: str | None = None, attributes: AttributeMap = OWN_EXPORTS
) -> Conversation:
    """Flatten one Intercom conversation object of API `version` (None: not known).

    `attributes` names where the tier and the language are kept.
    """
    source = raw["source"]
    author = source.get("author") or {}
    people = customers(raw)
    contact = people[0] if people else {}
    first = Message(
        author_type=author.get("type", "user"),
        part_type="source",
        text=source.get("body") or "",
        created_at=_time(raw["created_at"], "created_at"),
    )
    parts = (raw.get("conversation_parts") or {}).get("conversation_parts") or []
    messages = [first] + [m for m in map(_message, parts) if m]
    rating = raw.get("conversation_rating") or {}
    ai = raw.get("ai_agent") or {}
    stats = raw.get("statistics") or {}
    admins = sorted({m.author_name for m in messages if m.author_type == "admin" and m.author_name})
    return Conversation(
        id=str(raw["id"]),
        created_at=first.created_at,
        channel=source.get("type", "unknown"),
        tier=tier_of(raw, contact, attributes),
        language=language_of(raw, contact, attributes),
        country=country_of(contact),
        customer_ids=[str(c["id"]) for c in people],
        customer_email=contact.get("email"),
        state=raw.get("state", "unknown"),
        messages=messages,
        rating=rating.get("rating"),
        rating_remark=rating.get("remark"),
        fin_participated=bool(raw.get("ai_agent_participated")),
        fin_resolution=ai.get("resolution_state"),
        fin_outcome=_fin_outcome(raw, version),
        admin_assignee_id=str(raw["admin_assignee_id"]) if raw.get("admin_assignee_id") else None,
        admin_names=admins,
        reopens=stats.get("count_reopens") or 0,
        assignments=stats.get("count_assignments") or 0,
        seconds_to_first_reply=stats.get("time_to_admin_reply"),
        seconds_to_close=stats.get("time_to_first_close"),
    )


def _parse(
    raw: Any, where: str, path: Path, version: str | None, attributes: AttributeMap
) -> Conversation:
    """One conversation, or a SourceError naming the file, where it stands and the field."""
    label = f" (id {raw.get('id', '?')})" if isinstance(raw, dict) else ""
    try:
        if not isinstance(raw, dict):
            raise RowError("conversation", f"expected an object, not {type(raw).__name__}")
        return to_conversation(raw, version, attributes)
    except RowError as exc:
        problem = str(exc)
    except KeyError as exc:
        problem = f"{exc.args[0]}: missing"
    except ValidationError as exc:
        error = exc.errors()[0]
        problem = f"{'.'.join(map(str, error['loc']))}: {error['msg']}"
    except (TypeError, AttributeError, ValueError) as exc:
        problem = f"malformed: {exc}"
    raise SourceError(f"{path.name}: {where}{label}: {problem}")


def sample_window() -> tuple[date, date]:
    """The bundled sample's last full week (Monday to Sunday)."""
    newest = max(c["created_at"] for c in read_document(SAMPLE)[0])
    end = _time(newest, "created_at").date()
    return end - timedelta(days=6), end


def attribute_map(source: str, path: Path) -> AttributeMap:
    """Where this source keeps the tier and language.

    The bundled sample and CSV exports (as read here) use their own names; anything else
    the user's map. Only the `intercom` source reads the Intercom block for it, as it does
    for its token: a file needs no Prefect API.
    """
    if source == "sample" or path.suffix.lower() == ".csv":
        return OWN_EXPORTS
    return configured(read_block=source == INTERCOM)


def fetch(source: str, start: date, end: date, directory: Path | None) -> tuple[Path, bool]:
    """The export file to read, and whether it was downloaded (into `directory`) for this run."""
    if source != INTERCOM:
        return source_path(source), False
    if directory is None:
        raise SourceError("the intercom source needs the run's directory to save its export in")
    from tasks.services.intercom import download  # httpx and the API client only when used

    return download(start, end, directory), True


def _version(path: Path, declared: str | None) -> str | None:
    """The API version the export declares, checked; None if it does not say."""
    try:
        fin_states.states(declared)
    except fin_states.UnknownVersionError as exc:
        raise SourceError(f"{path.name}: {exc}") from None
    return declared


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
    declared, rows = iter_export(path)
    version = _version(path, declared)
    attributes = attribute_map(source, path)
    read, inside = 0, []
    for where, raw in rows:
        read += 1
        conversation = _parse(raw, where, path, version, attributes)
        if start <= conversation.created_at.date() <= end:
            inside.append(conversation)
    if read == 0:
        raise SourceError(f"{path.name}: holds no conversations")
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
