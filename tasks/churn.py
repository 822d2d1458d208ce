"""Agent 11: conversations that signal a customer may leave."""

from collections import Counter

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import ChurnRisk, Conversation, Insights, Topics
from tasks.percent import rate, shares
from tasks.text import keyword_hits

SIGNALS = [
    "cancel",
    "cancelling",
    "canceling",
    "cancellation",
    "switch to",
    "competitor",
    "downgrade",
    "refund",
    "leave",
    "leaving",
    "unsubscribe",
    "close my account",
    "delete my account",
    "not worth",
    "too expensive",
    "alternatives",
]
INSTRUCTIONS = (
    "Summarise churn risk for a support lead in at most `limit` sentences, from these facts."
)


def at_risk(c: Conversation) -> bool:
    """A churn phrase, a rating of 1-2, or reopened more than once."""
    low_rating = c.rating is not None and c.rating <= 2
    return keyword_hits(c.customer_text, SIGNALS) > 0 or low_rating or c.reopens >= 2


@agent("churn_risk")
def churn_risk(conversations: list[Conversation], topics: Topics, llm: LLMSettings) -> ChurnRisk:
    """Flag at-risk conversations and break them down by tier and topic."""
    risky = [c for c in conversations if at_risk(c)]
    by_topic = shares(Counter(topics.assignments.get(c.id, "Other") for c in risky))
    facts = [
        f"{len(risky)} of {len(conversations)} conversations show churn signals",
        *(f"{s.name}: {s.count} at risk ({s.percent}%)" for s in by_topic[:3]),
    ]
    reply = llm_client(llm).complete(
        LLMRequest("write_insights", INSTRUCTIONS, {"facts": facts, "limit": 3}, Insights)
    )
    return ChurnRisk(
        at_risk=[c.id for c in risky],
        rate=rate(len(risky), len(conversations)),
        by_tier=shares(Counter(c.tier for c in risky)),
        by_topic=by_topic,
        summary=" ".join(reply.insights),
    )
