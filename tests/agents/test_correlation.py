"""Agent 9, correlation: Pearson's r between each factor and the rating."""

from tasks.correlation import correlation_analysis
from tests.agents.builders import conversation, topics_of

# Minutes to first reply 1, 2, 3, 4 against ratings 5, 5, 1, 1:
# deviations (-1.5, -0.5, 0.5, 1.5) and (2, 2, -2, -2), r = -8 / sqrt(5 * 16) = -0.894.
WEEK = [
    conversation("1", tier="paid", rating=5, seconds_to_first_reply=60),
    conversation("2", tier="paid", rating=5, seconds_to_first_reply=120),
    conversation("3", tier="free", rating=1, reopens=1, seconds_to_first_reply=180),
    conversation("4", tier="free", rating=1, reopens=1, seconds_to_first_reply=240),
    conversation("5", tier="free", reopens=3, seconds_to_first_reply=6000),  # not rated
]
TOPICS = topics_of({"1": "Billing", "2": "Billing", "3": "Login", "5": "Billing"})


def test_coefficients_strongest_first_over_rated_conversations():
    found = correlation_analysis.fn(WEEK, TOPICS)
    # Fin, people and assignments do not vary here, so they have no coefficient.
    assert [(c.factor, c.metric, c.coefficient, c.n) for c in found.correlations] == [
        ("paid tier", "rating", 1.0, 4),
        ("reopens", "rating", -1.0, 4),
        ("minutes to first reply", "rating", -0.894, 4),
    ]


def test_mean_rating_by_topic_counts_rated_conversations_only():
    # Conversation 4 has no topic; conversation 5 no rating.
    assert correlation_analysis.fn(WEEK, TOPICS).rating_by_topic == {
        "Billing": 5.0,
        "Login": 1.0,
        "Other": 1.0,
    }


def test_no_ratings_no_correlations():
    found = correlation_analysis.fn(WEEK[4:], TOPICS)
    assert (found.correlations, found.rating_by_topic) == ([], {})


def test_a_conversation_without_a_tier_is_left_out_of_the_paid_tier_factor_only():
    # Rated 1 with no tier: were it counted as "not paid" it would agree with the free
    # ones, and were it paid it would weaken r; it is neither.
    week = [*WEEK, conversation("6", tier="unknown", rating=1, seconds_to_first_reply=60)]
    found = {
        c.factor: (c.coefficient, c.n) for c in correlation_analysis.fn(week, TOPICS).correlations
    }
    assert found["paid tier"] == (1.0, 4)
    assert found["reopens"][1] == 5
