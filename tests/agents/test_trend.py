"""Agent 13, trend: this week against the previous run, and the summary it is compared by."""

from datetime import date

from tasks.fin import fin_performance
from tasks.models import Loaded, Preprocessed, Sentiment, TopicSentiment, WeekSummary
from tasks.percent import shares
from tasks.trend import trend, week_summary
from tests.agents.builders import LOCAL, conversation, topics_of


def summary(start: date, conversations: int, topic_mix: dict[str, float]) -> WeekSummary:
    return WeekSummary(
        window_start=start,
        window_end=date.fromordinal(start.toordinal() + 6),
        conversations=conversations,
        topic_mix=topic_mix,
        negative_percent=0.0,
        mean_rating=None,
        fin_resolution_rate=0.0,
    )


PREVIOUS = summary(date(2025, 11, 10), 120, {"Billing": 40.0, "Login": 16.7, "Mobile": 43.3})
CURRENT = summary(date(2025, 11, 17), 90, {"Billing": 50.0, "Login": 33.3, "Bugs": 16.7})


def test_each_topics_move_in_points_largest_first():
    found = trend.fn(CURRENT, PREVIOUS, LOCAL)
    assert [
        (c.topic, c.previous_percent, c.percent, c.change_points) for c in found.topic_changes
    ] == [
        ("Mobile", 43.3, 0.0, -43.3),
        ("Bugs", 0.0, 16.7, 16.7),
        ("Login", 16.7, 33.3, 16.6),
        ("Billing", 40.0, 50.0, 10.0),
    ]
    assert found.previous_window == "2025-11-10 to 2025-11-16"


def test_volume_change_and_summary():
    found = trend.fn(CURRENT, PREVIOUS, LOCAL)
    assert found.volume_change_percent == -25.0  # 120 to 90
    assert found.summary == (
        "Volume -25.0% (120 to 90). "
        "Mobile: 43.3% to 0.0% (-43.3 points). "
        "Bugs: 0.0% to 16.7% (+16.7 points). "
        "Login: 16.7% to 33.3% (+16.6 points)."
    )


def test_the_first_run_has_nothing_to_compare():
    found = trend.fn(CURRENT, None, LOCAL)
    assert (found.previous_window, found.volume_change_percent, found.topic_changes) == (
        None,
        None,
        [],
    )
    assert found.summary == "No earlier run of this analysis to compare with."


def test_week_summary_of_a_hand_made_week():
    week = [
        conversation("1", rating=5, fin="assumed_resolution"),
        conversation("2", rating=4, fin="routed_to_team"),
        conversation("3", fin="confirmed_resolution"),
        conversation("4", rating=2),
    ]
    topics = topics_of({"1": "Billing", "2": "Billing", "3": "Billing", "4": "Login"})
    sentiment = Sentiment(
        topics=[
            TopicSentiment(
                topic="Billing",
                mix=shares({"negative": 2, "positive": 1}),
                mean_score=0.0,
                summary="",
            ),
            TopicSentiment(topic="Login", mix=shares({"negative": 1}), mean_score=0.0, summary=""),
        ]
    )
    loaded = Loaded(
        source="sample",
        window_start=date(2025, 11, 17),
        window_end=date(2025, 11, 23),
        conversations=week,
        read=5,
        outside_window=1,
    )
    clean = Preprocessed(conversations=week, duplicates_removed=0, redactions={})
    found = week_summary(loaded, clean, topics, sentiment, fin_performance.fn(week, topics))
    assert found == WeekSummary(
        window_start=date(2025, 11, 17),
        window_end=date(2025, 11, 23),
        conversations=4,
        topic_mix={"Billing": 75.0, "Login": 25.0},
        negative_percent=75.0,  # 3 of 4
        mean_rating=3.67,  # 11 / 3
        fin_resolution_rate=66.7,  # 2 of the 3 Fin took part in
    )
