"""Agent 10, quality insights: first-contact resolution, reopens and anomalies."""

from tasks.quality import quality_insights
from tests.agents.builders import LOCAL, conversation, topics_of


def week() -> list:
    """16 conversations: one a day Monday to Saturday, ten on Sunday 23 November.

    The six Billing ones are the first six, four of them reopened; of the ten Login
    ones one is still open and one passed between two people.
    """
    found = []
    for i in range(16):
        found.append(
            conversation(
                str(i),
                day=min(i, 6),
                reopens=1 if i < 4 else 0,
                state="open" if i == 6 else "closed",
                assignments=2 if i == 7 else 1,
            )
        )
    return found


TOPICS = topics_of({str(i): "Billing" if i < 6 else "Login" for i in range(16)})


def test_first_contact_resolution_and_reopen_rate_per_topic():
    found = quality_insights.fn(week(), TOPICS, LOCAL)
    assert found.first_contact_resolution == {"Login": 80.0, "Billing": 33.3}
    assert found.reopen_rate_by_topic == {"Login": 0.0, "Billing": 66.7}


def test_a_busy_day_and_a_topic_reopened_twice_as_often_are_anomalies():
    # Days: six of 1 and one of 10, mean 2.29, standard deviation 3.15: 10 > 8.6.
    # Reopened: 4 of 16 overall (25.0%), 4 of 6 in Billing (66.7%), at least twice.
    assert quality_insights.fn(week(), TOPICS, LOCAL).anomalies == [
        "Sun Nov 23: 10 conversations (average 2)",
        "Billing: 66.7% reopened against 25.0% overall",
    ]


def test_the_insights_state_the_facts():
    assert quality_insights.fn(week(), TOPICS, LOCAL).insights == [
        "Sun Nov 23: 10 conversations (average 2).",
        "Billing: 66.7% reopened against 25.0% overall.",
        "Lowest first-contact resolution: Billing at 33.3%.",
    ]


def test_a_small_topic_is_no_anomaly_however_often_reopened():
    few = [conversation(str(i), day=i % 2, reopens=int(i < 4)) for i in range(8)]
    topics = topics_of({str(i): "Billing" if i < 4 else "Login" for i in range(8)})
    found = quality_insights.fn(few, topics, LOCAL)
    assert found.reopen_rate_by_topic == {"Billing": 100.0, "Login": 0.0}
    assert found.anomalies == []  # Billing has 4 conversations, fewer than 5
