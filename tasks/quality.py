"""Agent 10: anomalies, first-contact resolution by topic and reopen patterns."""

from collections import Counter
from statistics import fmean, pstdev

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import Conversation, Insights, Quality, Topics
from tasks.percent import rate

INSTRUCTIONS = (
    "You are a support-quality analyst. Turn these facts into at most `limit` short, "
    "plain-language insights a support lead can act on. Do not invent numbers."
)


def _by_topic(conversations: list[Conversation], topics: Topics) -> dict[str, list[Conversation]]:
    grouped: dict[str, list[Conversation]] = {share.name: [] for share in topics.mix}
    for c in conversations:
        grouped.setdefault(topics.assignments.get(c.id, "Other"), []).append(c)
    return grouped


def first_contact_resolved(c: Conversation) -> bool:
    """Closed without a reopen and without passing between people."""
    return c.state == "closed" and c.reopens == 0 and c.assignments <= 1


def anomalies(
    conversations: list[Conversation], grouped: dict[str, list[Conversation]]
) -> list[str]:
    """Days with unusual volume and topics whose reopen rate is twice the average."""
    found = []
    per_day = Counter(c.created_at.date() for c in conversations)
    if len(per_day) > 2:
        mean, spread = fmean(per_day.values()), pstdev(per_day.values())
        found += [
            f"{day:%a %b %d}: {n} conversations (average {mean:.0f})"
            for day, n in sorted(per_day.items())
            if spread and n > mean + 2 * spread
        ]
    overall = rate(sum(c.reopens > 0 for c in conversations), len(conversations))
    for topic, group in grouped.items():
        topic_rate = rate(sum(c.reopens > 0 for c in group), len(group))
        if len(group) >= 5 and overall and topic_rate >= 2 * overall:
            found.append(f"{topic}: {topic_rate}% reopened against {overall}% overall")
    return found


@agent("quality_insights")
def quality_insights(
    conversations: list[Conversation], topics: Topics, llm: LLMSettings
) -> Quality:
    """Measure resolution quality per topic and have the model phrase the findings."""
    grouped = _by_topic(conversations, topics)
    fcr = {t: rate(sum(map(first_contact_resolved, g)), len(g)) for t, g in grouped.items() if g}
    reopen = {t: rate(sum(c.reopens > 0 for c in g), len(g)) for t, g in grouped.items() if g}
    found = anomalies(conversations, grouped)
    worst = min(fcr, key=fcr.get) if fcr else None
    facts = found + (
        [f"Lowest first-contact resolution: {worst} at {fcr[worst]}%"] if worst else []
    )
    reply = llm_client(llm).complete(
        LLMRequest("write_insights", INSTRUCTIONS, {"facts": facts, "limit": 5}, Insights)
    )
    return Quality(
        first_contact_resolution=fcr,
        reopen_rate_by_topic=reopen,
        anomalies=found,
        insights=reply.insights,
    )
