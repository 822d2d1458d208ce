"""Conversations from a CSV export, turned into Intercom-shaped objects for the loader.

One row a conversation. Headers are matched loosely (case, spaces, dashes and
brackets do not matter) against the names below; `id`, `created_at` and `body` are
required, the rest optional. `created_at` is Unix seconds or an ISO 8601 time (UTC
unless it says otherwise).
"""

import csv
import io
import math
import re
from datetime import UTC, datetime
from typing import Any

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id", "conversation_id"),
    "created_at": ("created_at", "created_at_utc", "created", "conversation_started_at"),
    "body": ("body", "text", "message", "first_message", "initial_message", "customer_message"),
    "reply": ("reply", "admin_reply", "teammate_reply", "first_reply"),
    "admin": ("admin", "admin_name", "assignee", "teammate", "teammate_assigned"),
    "channel": ("channel", "source_type"),
    "state": ("state", "status", "conversation_state"),
    "tier": ("tier", "plan"),
    "language": ("language", "conversation_language"),
    "rating": ("rating", "conversation_rating"),
    "remark": ("remark", "rating_remark"),
    "customer_id": ("customer_id", "user_id", "contact_id"),
    "email": ("email", "customer_email", "user_email"),
    "fin_resolution": ("fin_resolution", "ai_agent_resolution_state", "fin_ai_agent_resolution"),
    "reopens": ("reopens", "count_reopens"),
}
REQUIRED = ("id", "created_at", "body")


class CSVExportError(ValueError):
    """The CSV is missing a required column or holds an unreadable value."""


def _normal(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", header.strip().lower()).strip("_")


def column_map(headers: list[str]) -> dict[str, str]:
    """Our field name -> the CSV's header for it."""
    by_normal = {_normal(h): h for h in headers}
    found = {
        field: by_normal[alias]
        for field, aliases in COLUMNS.items()
        for alias in aliases
        if alias in by_normal
    }
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise CSVExportError(f"no column for {', '.join(missing)} (headers: {', '.join(headers)})")
    return found


def timestamp(value: str) -> int:
    """Unix seconds from Unix seconds or an ISO 8601 time."""
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if not math.isfinite(seconds):
            raise CSVExportError(f"created_at {value!r} is not a time")
        return int(seconds)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise CSVExportError(f"created_at {value!r} is neither Unix seconds nor ISO 8601") from exc
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _rating(value: str) -> int:
    try:
        number = float(value)
    except ValueError:
        raise CSVExportError(f"rating {value!r} is not a number") from None
    if not math.isfinite(number):
        raise CSVExportError(f"rating {value!r} is not a number")
    return int(number)


def to_intercom(row: dict[str, str]) -> dict[str, Any]:
    """One row as the Intercom conversation object the loader reads."""
    created = timestamp(row["created_at"])
    parts = []
    if row.get("reply"):
        author = {"type": "admin", "name": row.get("admin") or None}
        parts.append(
            {"part_type": "comment", "body": row["reply"], "author": author, "created_at": created}
        )
    rating = _rating(row["rating"]) if row.get("rating") else None
    resolution = row.get("fin_resolution") or None
    customer = {"type": "contact", "id": row.get("customer_id"), "email": row.get("email")}
    return {
        "type": "conversation",
        "id": row["id"],
        "created_at": created,
        "state": row.get("state") or "closed",
        "source": {
            "type": row.get("channel") or "conversation",
            "body": row["body"],
            "author": {
                "type": "user",
                "id": row.get("customer_id") or "",
                "email": row.get("email"),
            },
        },
        "contacts": {"type": "contact.list", "contacts": [customer] if customer["id"] else []},
        "custom_attributes": {
            "tier": (row.get("tier") or "").lower() or None,
            "language": row.get("language") or None,
        },
        "conversation_rating": {"rating": rating, "remark": row.get("remark")} if rating else None,
        "ai_agent_participated": resolution is not None,
        "ai_agent": {"resolution_state": resolution} if resolution else None,
        "statistics": {"count_reopens": int(row.get("reopens") or 0)},
        "conversation_parts": {"conversation_parts": parts},
    }


def read_csv_export(text: str) -> list[tuple[int, dict[str, Any]]]:
    """Every row of the CSV text as an Intercom conversation object, with its line number."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = column_map(reader.fieldnames or [])
    conversations = []
    for raw in reader:
        line = reader.line_num
        row = {field: (raw.get(header) or "").strip() for field, header in columns.items()}
        try:
            conversations.append((line, to_intercom(row)))
        except (CSVExportError, ValueError) as exc:
            raise CSVExportError(f"line {line}: {exc}") from exc
    return conversations
