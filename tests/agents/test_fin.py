"""Agent 8, Fin performance: resolution and escalation among the conversations Fin took part in."""

from tasks.fin import fin_performance
from tests.agents.builders import conversation, percents, topics_of

WEEK = [
    conversation("f1", tier="paid", fin="assumed_resolution"),
    conversation("f2", tier="paid", fin="routed_to_team"),
    conversation("f3", tier="free", fin="confirmed_resolution"),
    conversation("f4", tier="free", fin=None, fin_participated=True),
    conversation("f5", tier="free"),
    conversation("f6", tier="paid"),
]
TOPICS = topics_of(
    {"f1": "Billing", "f2": "Billing", "f6": "Billing", "f3": "Login", "f4": "Login"}
)


def rows(rates: list) -> list[tuple]:
    return [(r.group, r.conversations, r.resolution_rate, r.escalation_rate) for r in rates]


def test_rates_overall_per_tier_and_per_topic():
    found = fin_performance.fn(WEEK, TOPICS)
    assert found.participation_rate == 66.7  # 4 of 6
    assert rows([found.overall]) == [("all", 4, 50.0, 25.0)]
    assert rows(found.by_tier) == [("free", 2, 50.0, 0.0), ("paid", 2, 50.0, 50.0)]
    assert rows(found.by_topic) == [("Billing", 2, 50.0, 50.0), ("Login", 2, 50.0, 0.0)]


def test_resolution_states_name_a_missing_state_unknown():
    assert percents(fin_performance.fn(WEEK, TOPICS).resolution_states) == [
        ("assumed_resolution", 1, 25.0),
        ("confirmed_resolution", 1, 25.0),
        ("routed_to_team", 1, 25.0),
        ("unknown", 1, 25.0),
    ]


def test_a_week_without_fin_has_zero_rates_not_an_error():
    found = fin_performance.fn(WEEK[4:], topics_of({"f5": "Login", "f6": "Billing"}))
    assert found.participation_rate == 0.0
    assert rows([found.overall]) == [("all", 0, 0.0, 0.0)]
    assert found.resolution_states == []
