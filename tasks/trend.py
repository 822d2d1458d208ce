"""Agent 13: this week against the previous run of the same analysis."""

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import (
    FinPerformance,
    Insights,
    Loaded,
    Preprocessed,
    Sentiment,
    TopicChange,
    Topics,
    Trend,
    WeekSummary,
)
from tasks.percent import rate

INSTRUCTIONS = "Describe in at most `limit` sentences how this week differs from the last."


def week_summary(
    loaded: Loaded, clean: Preprocessed, topics: Topics, sentiment: Sentiment, fin: FinPerformance
) -> WeekSummary:
    """The figures a later week is compared with."""
    conversations = clean.conversations
    negative = sum(s.count for t in sentiment.topics for s in t.mix if s.name == "negative")
    ratings = [c.rating for c in conversations if c.rating is not None]
    return WeekSummary(
        window_start=loaded.window_start,
        window_end=loaded.window_end,
        conversations=len(conversations),
        topic_mix={s.name: s.percent for s in topics.mix},
        negative_percent=rate(negative, len(conversations)),
        mean_rating=round(sum(ratings) / len(ratings), 2) if ratings else None,
        fin_resolution_rate=fin.overall.resolution_rate,
    )


def topic_changes(current: WeekSummary, previous: WeekSummary) -> list[TopicChange]:
    """Every topic's share now and before, largest move first."""
    names = sorted(set(current.topic_mix) | set(previous.topic_mix))
    changes = [
        TopicChange(
            topic=name,
            previous_percent=previous.topic_mix.get(name, 0.0),
            percent=current.topic_mix.get(name, 0.0),
            change_points=round(
                current.topic_mix.get(name, 0.0) - previous.topic_mix.get(name, 0.0), 1
            ),
        )
        for name in names
    ]
    return sorted(changes, key=lambda c: (-abs(c.change_points), c.topic))


@agent("trend")
def trend(current: WeekSummary, previous: WeekSummary | None, llm: LLMSettings) -> Trend:
    """Week-over-week change; with no earlier run there is nothing to compare."""
    if previous is None:
        return Trend(
            previous_window=None,
            volume_change_percent=None,
            topic_changes=[],
            summary="No earlier run of this analysis to compare with.",
        )
    changes = topic_changes(current, previous)
    volume = rate(current.conversations - previous.conversations, previous.conversations)
    facts = [f"Volume {volume:+.1f}% ({previous.conversations} to {current.conversations})"]
    facts += [
        f"{c.topic}: {c.previous_percent}% to {c.percent}% ({c.change_points:+.1f} points)"
        for c in changes[:3]
    ]
    reply = llm_client(llm).complete(
        LLMRequest("write_insights", INSTRUCTIONS, {"facts": facts, "limit": 4}, Insights)
    )
    return Trend(
        previous_window=f"{previous.window_start} to {previous.window_end}",
        volume_change_percent=volume,
        topic_changes=changes,
        summary=" ".join(reply.insights),
    )
