"""Agent 8: Fin (Intercom's AI agent) resolution and escalation, overall, per tier and topic."""

from collections import Counter, defaultdict
from collections.abc import Callable

from tasks.agent import agent
from tasks.models import Conversation, FinPerformance, Rates, Topics
from tasks.percent import rate, shares


def rates(group: str, conversations: list[Conversation]) -> Rates:
    """Resolution and escalation rates among the conversations Fin took part in."""
    fin = [c for c in conversations if c.fin_participated]
    resolved = sum(c.fin_outcome == "resolved" for c in fin)
    escalated = sum(c.fin_outcome == "escalated" for c in fin)
    return Rates(
        group=group,
        conversations=len(fin),
        resolution_rate=rate(resolved, len(fin)),
        escalation_rate=rate(escalated, len(fin)),
    )


@agent("fin_performance")
def fin_performance(conversations: list[Conversation], topics: Topics) -> FinPerformance:
    """How often Fin resolved a conversation and how often it handed it to the team.

    The outcomes come from the resolution states of the export's API version; the states
    themselves are counted as that version names them.
    """
    fin = [c for c in conversations if c.fin_participated]
    states = Counter(c.fin_resolution or "unknown" for c in fin)
    by_tier = grouped(conversations, lambda c: c.tier)
    # One pass over the week, not one per topic: 10,000 conversations and a dozen topics.
    by_topic = grouped(conversations, lambda c: topics.assignments.get(c.id))
    return FinPerformance(
        participation_rate=rate(len(fin), len(conversations)),
        overall=rates("all", conversations),
        by_tier=[rates(tier, by_tier[tier]) for tier in sorted(by_tier)],
        by_topic=[rates(share.name, by_topic.get(share.name, [])) for share in topics.mix],
        resolution_states=shares(states),
    )


def grouped(
    conversations: list[Conversation], key: Callable[[Conversation], str | None]
) -> dict[str | None, list[Conversation]]:
    """The conversations by `key`, each group in the conversations' order."""
    groups: dict[str | None, list[Conversation]] = defaultdict(list)
    for conversation in conversations:
        groups[key(conversation)].append(conversation)
    return groups
