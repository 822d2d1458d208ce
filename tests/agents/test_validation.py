"""Agent 14, validation: every breakdown the agents report sums to exactly 100."""

import re

import pytest

from tasks.churn import churn_risk
from tasks.models import Sentiment, Share, SubTopics, TopicSubTopics
from tasks.per_topic import topic_texts
from tasks.percent import shares
from tasks.segmentation import segmentation
from tasks.sentiment import sentiment_for_topic
from tasks.sub_topics import sub_topics_for_topic
from tasks.taxonomy import load_taxonomy
from tasks.topics import topic_detection
from tasks.validation import ValidationFailed, validation
from tests.agents.builders import LOCAL, conversation

WEEK = [
    conversation("1", "Please refund me, I was charged twice", tier="free", admins=("Dana",)),
    conversation("2", "I want to cancel, the invoice is wrong", tier="paid", admins=("Lee",)),
    conversation("3", "The password reset link never arrives", tier="paid", language="de"),
]


def test_the_agents_breakdowns_of_a_week_all_sum_to_100():
    taxonomy = load_taxonomy()
    topics = topic_detection.fn(WEEK, taxonomy, LOCAL)
    texts = topic_texts(topics, WEEK)
    findings = {
        "segmentation": segmentation.fn(WEEK),
        "topic_detection": topics,
        "sub_topic_detection": SubTopics(
            topics=[
                sub_topics_for_topic.fn(
                    name, group, [s.model_dump() for s in taxonomy.topic(name).sub_topics], LOCAL
                )
                for name, group in texts.items()
            ]
        ),
        "topic_sentiment": Sentiment(
            topics=[sentiment_for_topic.fn(name, group, LOCAL) for name, group in texts.items()]
        ),
        "churn_risk": churn_risk.fn(WEEK, topics, LOCAL),
    }
    checks = validation.fn(findings).checks
    assert [(c.name, c.total, c.ok) for c in checks] == [
        (name, 100.0, True)
        for name in [
            "segmentation.tiers",
            "segmentation.handling",
            "segmentation.channels",
            "segmentation.languages",
            "segmentation.countries",
            "segmentation.human_agents",
            "topic_detection.mix",
            "sub_topic_detection.topics[0][Billing].mix",
            "sub_topic_detection.topics[1][Login & Account Access].mix",
            "topic_sentiment.topics[0][Billing].mix",
            "topic_sentiment.topics[1][Login & Account Access].mix",
            "churn_risk.by_tier",
            "churn_risk.by_topic",
        ]
    ]


def test_a_wrong_sum_deep_inside_is_named_by_its_path():
    wrong = [
        Share(name="Password reset", count=2, percent=66.6),
        Share(name="General", count=1, percent=33.3),
    ]
    findings = {
        "sub_topic_detection": SubTopics(
            topics=[
                TopicSubTopics(topic="Billing", mix=shares({"Refund request": 1})),
                TopicSubTopics(topic="Login", mix=wrong),
            ]
        )
    }
    message = "percentages do not sum to 100: sub_topic_detection.topics[1][Login].mix sums to 99.9"
    with pytest.raises(ValidationFailed, match=re.escape(message) + "$"):
        validation.fn(findings)
