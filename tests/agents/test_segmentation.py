"""Agent 3, segmentation: who wrote in, who answered, on which channel, in which language."""

from tasks.segmentation import segmentation
from tests.agents.builders import conversation, percents

WEEK = [
    conversation("1", tier="paid", admins=("Dana",)),
    conversation("2", tier="paid", channel="email", fin="assumed_resolution"),
    conversation("3", tier="free", language="es", fin="routed_to_team", admins=("Dana",)),
    conversation("4", tier="free", fin=None, fin_participated=True),
    conversation("5", tier="unknown", language="de", fin="confirmed_resolution"),
    conversation("6", tier="paid", channel="email", admins=("Dana", "Lee")),
]


def test_counts_and_percentages_of_every_segment():
    found = segmentation.fn(WEEK)
    assert found.total == 6
    assert percents(found.tiers) == [("paid", 3, 50.0), ("free", 2, 33.3), ("unknown", 1, 16.7)]
    assert percents(found.handling) == [
        ("fin_resolved", 2, 33.3),
        ("human_only", 2, 33.3),
        ("fin_to_human", 1, 16.7),
        ("fin_unresolved", 1, 16.7),
    ]
    assert percents(found.channels) == [("conversation", 4, 66.7), ("email", 2, 33.3)]
    assert percents(found.human_agents) == [("Dana", 3, 75.0), ("Lee", 1, 25.0)]


def test_equal_remainders_round_up_in_name_order():
    # 4/6, 1/6, 1/6 are 66.67, 16.67, 16.67: two tenths are missing and all three
    # remainders are equal, so `de` and `en` get one each and `es` keeps 16.6.
    assert percents(segmentation.fn(WEEK).languages) == [
        ("en", 4, 66.7),
        ("de", 1, 16.7),
        ("es", 1, 16.6),
    ]


def test_no_conversations_give_empty_breakdowns():
    found = segmentation.fn([])
    assert (found.total, found.tiers, found.handling, found.human_agents) == (0, [], [], [])
