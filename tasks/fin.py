"""Agent 8: Fin (Intercom's AI agent) resolution and escalation, overall, per tier and topic."""

from collections import Counter

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
    by_tier = sorted({c.tier for c in conversations})
    topic_of = topics.assignments
    fin = [c for c in conversations if c.fin_participated]
    states = Counter(c.fin_resolution or "unknown" for c in fin)
    return FinPerformance(
        participation_rate=rate(len(fin), len(conversations)),
        overall=rates("all", conversations),
        by_tier=[rates(t, [c for c in conversations if c.tier == t]) for t in by_tier],
        by_topic=[
            rates(share.name, [c for c in conversations if topic_of.get(c.id) == share.name])
            for share in topics.mix
        ],
        resolution_states=shares(states),
    )
