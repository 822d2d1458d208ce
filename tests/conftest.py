"""Shared fixtures: a Prefect test harness, temporary stores and small Intercom exports."""

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect API for the session's flow runs."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=90):
        yield


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    path = tmp_path / "outputs"
    path.mkdir()
    return path


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'voc.db'}"


def intercom_conversation(
    conversation_id: str,
    created_at: int,
    body: str,
    *,
    tier: str = "paid",
    rating: int | None = None,
    resolution: str | None = None,
    admin: str | None = "Dana",
    customer: str = "c1",
) -> dict:
    """A minimal conversation shaped like Intercom's API object."""
    parts = []
    if admin:
        parts.append(
            {
                "part_type": "comment",
                "body": "<p>Thanks, looking into it.</p>",
                "created_at": created_at + 60,
                "author": {"type": "admin", "id": "a1", "name": admin},
            }
        )
    return {
        "type": "conversation",
        "id": conversation_id,
        "created_at": created_at,
        "state": "closed",
        "source": {
            "type": "conversation",
            "body": f"<p>{body}</p>",
            "author": {"type": "user", "id": customer, "email": f"{customer}@example.com"},
        },
        "custom_attributes": {"tier": tier, "language": "en"},
        "conversation_rating": {"rating": rating} if rating else None,
        "ai_agent_participated": resolution is not None,
        "ai_agent": {"resolution_state": resolution} if resolution else None,
        "statistics": {"count_reopens": 0, "count_assignments": 1, "time_to_admin_reply": 60},
        "conversation_parts": {"conversation_parts": parts},
    }


def write_export(path: Path, conversations: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "conversation.list", "conversations": conversations}))
    return path
