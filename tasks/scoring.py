"""The evaluation's tasks: one Prefect task per score of a run's findings against its labels.

`scoring_inputs` lines the truth up with what the run found, over the conversations it
analysed; each task then computes one metric of tasks.metrics and returns a `Score`.
"""

from dataclasses import dataclass
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from pydantic import BaseModel, Field

from tasks import metrics
from tasks.labels import Label
from tasks.metrics import QuoteRef
from tasks.models import Findings
from tasks.sub_topics import GENERAL
from tasks.taxonomy import Taxonomy
from tasks.topics import OTHER


class Score(BaseModel):
    """One metric of one run: its value (None: nothing to score) and what it was made of."""

    metric: str
    value: float | None
    detail: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class ScoringInputs:
    """The truth and the run's findings, keyed by conversation id, over `ids`."""

    ids: list[str]
    true_topics: dict[str, str]
    true_sub_topics: dict[str, str | None]
    true_sentiments: dict[str, str]
    topics: dict[str, str]
    sub_topics: dict[str, str | None]
    sentiments: dict[str, str]
    quotes: list[QuoteRef]
    keywords: dict[str, list[str]]
    unknown_topics: dict[str, int]


def scoring_inputs(
    labels: dict[str, Label], findings: Findings, taxonomy: Taxonomy
) -> ScoringInputs:
    """Truth and findings over the conversations the run analysed (every one has a topic)."""
    ids = sorted(findings.topics.assignments)
    truth = {i: labels[i] for i in ids}
    known = {t.name for t in taxonomy.topics} | {OTHER}
    unknown: dict[str, int] = {}
    for label in truth.values():
        if label.topic not in known:
            unknown[label.topic] = unknown.get(label.topic, 0) + 1
    sub_topics = {i: s for t in findings.sub_topics.topics for i, s in t.labels.items()}
    return ScoringInputs(
        ids=ids,
        true_topics={i: label.topic for i, label in truth.items()},
        true_sub_topics={i: label.sub_topic for i, label in truth.items()},
        true_sentiments={i: label.sentiment for i, label in truth.items()},
        topics=dict(findings.topics.assignments),
        # "General" is the agent's word for no sub-topic, as None is the labels'.
        sub_topics={i: None if s == GENERAL else s for i, s in sub_topics.items()},
        sentiments={i: s for t in findings.sentiment.topics for i, s in t.labels.items()},
        quotes=[
            QuoteRef(t.topic, q.conversation_id, q.text)
            for t in findings.quotes.topics
            for q in t.quotes
        ],
        keywords={
            t.name: t.keywords + [k for s in t.sub_topics for k in s.keywords]
            for t in taxonomy.topics
        },
        unknown_topics=unknown,
    )


def metric_task(name: str) -> Any:
    """Decorator: the function becomes the task `score_<name>`, never cached."""
    return task(name=f"score_{name}", cache_policy=NO_CACHE, persist_result=False)


@metric_task("topic_accuracy")
def topic_accuracy(inputs: ScoringInputs) -> Score:
    """Share of conversations given their true topic; a label the taxonomy lacks is a miss."""
    value = metrics.accuracy(inputs.true_topics, inputs.topics, inputs.ids)
    detail = {"conversations": len(inputs.ids), "unknown_topics": inputs.unknown_topics}
    return Score(metric="topic_accuracy", value=value, detail=detail)


@metric_task("topic_macro_f1")
def topic_macro_f1(inputs: ScoringInputs) -> Score:
    """The mean F1 over topics, so a small topic counts as much as a large one."""
    value = metrics.macro_f1(inputs.true_topics, inputs.topics, inputs.ids)
    return Score(metric="topic_macro_f1", value=value)


@metric_task("sub_topic_accuracy")
def sub_topic_accuracy(inputs: ScoringInputs) -> Score:
    """Sub-topic accuracy within the conversations whose topic was right."""
    value = metrics.sub_topic_accuracy(
        inputs.true_topics, inputs.true_sub_topics, inputs.topics, inputs.sub_topics, inputs.ids
    )
    scored = sum(1 for i in inputs.ids if inputs.topics.get(i) == inputs.true_topics[i])
    return Score(metric="sub_topic_accuracy", value=value, detail={"conversations": scored})


@metric_task("sentiment_accuracy")
def sentiment_accuracy(inputs: ScoringInputs) -> Score:
    """Share of conversations given the customer's true sentiment, and the confusion matrix."""
    value = metrics.accuracy(inputs.true_sentiments, inputs.sentiments, inputs.ids)
    matrix = metrics.confusion(inputs.true_sentiments, inputs.sentiments, inputs.ids)
    return Score(metric="sentiment_accuracy", value=value, detail={"confusion": matrix})


@metric_task("quote_relevance")
def quote_relevance(inputs: ScoringInputs) -> Score:
    """Share of quotes from a conversation of their topic that name the topic's terms."""
    value = metrics.quote_relevance(inputs.quotes, inputs.true_topics, inputs.keywords)
    missed = [
        {"topic": q.topic, "conversation_id": q.conversation_id, "text": q.text}
        for q in inputs.quotes
        if not metrics.is_relevant(q, inputs.true_topics, inputs.keywords)
    ]
    return Score(
        metric="quote_relevance",
        value=value,
        detail={"quotes": len(inputs.quotes), "not_relevant": missed},
    )


@metric_task("topic_mix_max_error")
def topic_mix_max_error(inputs: ScoringInputs) -> Score:
    """The largest gap, in percentage points, between a topic's found and true share."""
    errors = metrics.mix_errors(inputs.true_topics, inputs.topics, inputs.ids)
    value = max(errors.values()) if errors else None
    return Score(metric="topic_mix_max_error", value=value, detail={"points": errors})


# In the order they are shown; the last is an error in points (lower is better).
METRIC_TASKS = (
    topic_accuracy,
    topic_macro_f1,
    sub_topic_accuracy,
    sentiment_accuracy,
    quote_relevance,
    topic_mix_max_error,
)
