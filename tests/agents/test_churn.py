"""Agent 11, churn risk: churn phrases, low ratings and repeated reopens."""

from tasks.churn import churn_risk
from tests.agents.builders import LOCAL, conversation, percents, topics_of

WEEK = [
    conversation("h1", "I want to cancel my plan", tier="paid"),
    conversation("h2", "This is too expensive for us", tier="free"),
    conversation("h3", "Love it", tier="paid", rating=1),
    conversation("h4", "Login broken", tier="free", reopens=2),
    conversation("h5", "Where is the invoice", tier="paid", rating=5, reopens=1),
    # "cancelled" is not the word "cancel".
    conversation("h6", "I cancelled the meeting invite", tier="paid", rating=3),
]
TOPICS = topics_of(
    {
        "h1": "Cancellation",
        "h2": "Billing",
        "h3": "Login",
        "h4": "Login",
        "h5": "Billing",
        "h6": "Login",
    }
)


def test_at_risk_conversations_and_their_rate():
    found = churn_risk.fn(WEEK, TOPICS, LOCAL)
    assert found.at_risk == ["h1", "h2", "h3", "h4"]
    assert found.rate == 66.7


def test_breakdowns_by_tier_and_topic():
    found = churn_risk.fn(WEEK, TOPICS, LOCAL)
    assert percents(found.by_tier) == [("free", 2, 50.0), ("paid", 2, 50.0)]
    assert percents(found.by_topic) == [
        ("Login", 2, 50.0),
        ("Billing", 1, 25.0),
        ("Cancellation", 1, 25.0),
    ]


def test_the_summary_states_the_three_largest():
    assert churn_risk.fn(WEEK, TOPICS, LOCAL).summary == (
        "4 of 6 conversations show churn signals. Login: 2 at risk (50.0%). "
        "Billing: 1 at risk (25.0%)."
    )
