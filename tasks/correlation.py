"""Agent 9: which factors move the customers' ratings."""

from collections.abc import Callable
from statistics import StatisticsError, correlation, fmean

from tasks.agent import agent
from tasks.models import Conversation, Correlation, Correlations, Topics

# Each factor's value for a conversation; None where it has none (a conversation without a
# tier is neither paid nor free), which leaves that conversation out of its coefficient.
FACTORS: dict[str, Callable[[Conversation], float | None]] = {
    "paid tier": lambda c: None if c.tier == "unknown" else float(c.tier == "paid"),
    "resolved by Fin": lambda c: float(c.fin_outcome == "resolved"),
    "handed to a person": lambda c: float(bool(c.admin_names)),
    "reopens": lambda c: float(c.reopens),
    "minutes to first reply": lambda c: (c.seconds_to_first_reply or 0) / 60,
    "assignments": lambda c: float(c.assignments),
}


def rating_correlation(name: str, rated: list[Conversation]) -> Correlation | None:
    """Pearson's r between a factor and the rating, over the conversations the factor has a
    value for; None when either does not vary."""
    pairs = [(value, float(c.rating)) for c in rated if (value := FACTORS[name](c)) is not None]
    try:
        r = correlation([value for value, _ in pairs], [rating for _, rating in pairs])
    except StatisticsError:
        return None
    return Correlation(factor=name, metric="rating", coefficient=round(r, 3), n=len(pairs))


@agent("correlation")
def correlation_analysis(conversations: list[Conversation], topics: Topics) -> Correlations:
    """Correlate each factor with the rating, strongest first, and average rating by topic."""
    rated = [c for c in conversations if c.rating is not None]
    found = [r for name in FACTORS if (r := rating_correlation(name, rated))]
    by_topic: dict[str, list[int]] = {}
    for c in rated:
        by_topic.setdefault(topics.assignments.get(c.id, "Other"), []).append(c.rating)
    return Correlations(
        correlations=sorted(found, key=lambda r: -abs(r.coefficient)),
        rating_by_topic={t: round(fmean(v), 2) for t, v in sorted(by_topic.items())},
    )
