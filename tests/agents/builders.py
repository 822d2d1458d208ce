"""Hand-made conversations and findings whose right answers the agent tests work out by hand."""

from collections import Counter
from datetime import UTC, datetime, timedelta

from tasks.fin_states import outcome
from tasks.llm import LLMSettings
from tasks.models import Conversation, Message, Topics
from tasks.percent import shares, tenths_total

LOCAL = LLMSettings(provider="local", model="voc-local-1")
MONDAY = datetime(2025, 11, 17, 9, 0, tzinfo=UTC)


def conversation(
    cid: str,
    text: str = "A question",
    *,
    day: int = 0,
    tier: str = "paid",
    channel: str = "conversation",
    language: str = "en",
    rating: int | None = None,
    fin: str | None = None,
    fin_participated: bool | None = None,
    admins: tuple[str, ...] = (),
    reopens: int = 0,
    assignments: int = 1,
    state: str = "closed",
    seconds_to_first_reply: int | None = None,
) -> Conversation:
    """One conversation opened by `text`, `day` days after Monday 17 November 2025.

    Fin took part when it has a resolution state (of API 2.11), unless `fin_participated`
    says otherwise.
    """
    created = MONDAY + timedelta(days=day)
    return Conversation(
        id=cid,
        created_at=created,
        channel=channel,
        tier=tier,
        language=language,
        customer_ids=[f"customer-{cid}"],
        state=state,
        messages=[Message(author_type="user", part_type="comment", text=text, created_at=created)],
        rating=rating,
        fin_participated=fin is not None if fin_participated is None else fin_participated,
        fin_resolution=fin,
        fin_outcome=outcome(fin, "2.11"),
        admin_names=list(admins),
        reopens=reopens,
        assignments=assignments,
        seconds_to_first_reply=seconds_to_first_reply,
    )


def topics_of(assignments: dict[str, str], by_llm: int = 0) -> Topics:
    """Topics as topic detection reports them for these assignments."""
    return Topics(
        assignments=assignments,
        mix=shares(Counter(assignments.values())),
        by_keyword=len(assignments) - by_llm,
        by_llm=by_llm,
    )


def percents(breakdown: list) -> list[tuple[str, int, float]]:
    """A list of `Share`s as (name, count, percent), after checking it sums to exactly 100.0."""
    assert tenths_total([s.percent for s in breakdown]) == 1000, breakdown
    return [(s.name, s.count, s.percent) for s in breakdown]
