"""Pydantic models at the agents' boundaries: conversations in, each agent's findings out."""

import hashlib
from collections.abc import Iterator
from datetime import date, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic_core import to_json

Tier = Literal["paid", "free", "unknown"]
FinOutcome = Literal["resolved", "escalated", "unresolved"]
# Who writes as the customer in a conversation's parts.
CUSTOMER_AUTHORS = ("user", "lead", "contact")


_FIELD_SETS: dict[frozenset[str], frozenset[str]] = {}


class Record(BaseModel):
    """A model made by the hundred thousand: read-only, and lighter than pydantic's default.

    Pydantic keeps, per instance, the set of field names it was given: 2.2 KB for a
    conversation's 19 fields, more than its data. Records share one frozen set per
    combination instead: 10,000 conversations, loaded and cleaned, took 150 MB, now 67.
    """

    model_config = ConfigDict(frozen=True)

    def model_post_init(self, context: Any) -> None:
        given = frozenset(self.__pydantic_fields_set__)
        object.__setattr__(self, "__pydantic_fields_set__", _FIELD_SETS.setdefault(given, given))

    # Cached in the instance's __dict__ (never a field: not serialized or compared; and
    # records are made anew, never `model_copy(update=...)`, which would carry it stale):
    # a cache key over a list of records digests each record once, whatever list holds it.
    @cached_property
    def digest(self) -> bytes:
        """The MD5 of the record's JSON: equal records, equal digests."""
        return hashlib.md5(to_json(self), usedforsecurity=False).digest()


class Message(Record):
    """One part of a conversation that carries text."""

    author_type: str
    author_name: str | None = None
    part_type: str
    text: str
    created_at: datetime


class Conversation(Record):
    """A support conversation, flattened from Intercom's conversation object."""

    id: str
    created_at: datetime
    channel: str
    tier: Tier
    language: str
    country: str = "unknown"  # the contact's, where the export holds its location
    # The conversation's contacts: one, unless more were added (a group conversation).
    customer_ids: list[str]
    customer_email: str | None = None
    state: str
    messages: list[Message]
    rating: int | None = None
    rating_remark: str | None = None
    fin_participated: bool = False
    fin_resolution: str | None = None  # Fin's resolution state, as the API version names it
    fin_outcome: FinOutcome | None = None  # what that state means (tasks.fin_states)
    admin_assignee_id: str | None = None
    admin_names: list[str] = Field(default_factory=list)
    reopens: int = 0
    assignments: int = 0
    seconds_to_first_reply: int | None = None
    seconds_to_close: int | None = None

    # Cached: topic detection, churn and the three per-topic agents each read these for
    # every conversation of the week, five agents at once. The value lives in the
    # instance's __dict__, not in a field: never serialized, hashed or compared (and a
    # `model_copy(update=...)` would carry it over stale: records are made anew instead).
    @cached_property
    def customer_text(self) -> str:
        """Everything the customer wrote, in order."""
        return " ".join(m.text for m in self.messages if m.author_type in CUSTOMER_AUTHORS)

    @cached_property
    def opening_text(self) -> str:
        """The customer's first message: what they wrote in about, or wrote back about when
        the conversation began with a message to them (an outbound message, a bot)."""
        first = next((m for m in self.messages if m.author_type in CUSTOMER_AUTHORS), None)
        if first is not None:
            return first.text
        return self.messages[0].text if self.messages else ""

    @property
    def handling(self) -> str:
        """Who handled it: fin_resolved, fin_to_human, fin_unresolved or human_only."""
        if not self.fin_participated:
            return "human_only"
        if self.fin_outcome == "resolved":
            return "fin_resolved"
        if self.fin_outcome == "escalated" or self.admin_names:
            return "fin_to_human"
        return "fin_unresolved"


class Share(BaseModel):
    """A count and its percentage of a whole."""

    name: str
    count: int
    percent: float


class Loaded(BaseModel):
    """Agent 1: the conversations of the window."""

    source: str
    window_start: date
    window_end: date
    conversations: list[Conversation]
    read: int
    outside_window: int
    # Set when the conversations were downloaded: the raw export saved in the run's directory.
    directory: Path | None = None
    files: list[Path] = Field(default_factory=list)


class Preprocessed(BaseModel):
    """Agent 2: de-duplicated, HTML-free, PII-redacted conversations."""

    conversations: list[Conversation]
    duplicates_removed: int
    redactions: dict[str, int]
    messages_truncated: int = 0


class Segmentation(BaseModel):
    """Agent 3: who wrote in and who answered."""

    total: int
    tiers: list[Share]
    handling: list[Share]
    channels: list[Share]
    languages: list[Share]
    countries: list[Share] = Field(default_factory=list)
    human_agents: list[Share]


class TopicLabel(BaseModel):
    id: str
    topic: str


class TopicLabels(BaseModel):
    """LLM output: a topic for each conversation it was given."""

    labels: list[TopicLabel]


class Topics(BaseModel):
    """Agent 4: one topic per conversation, and the topic mix."""

    assignments: dict[str, str]
    mix: list[Share]
    by_keyword: int
    by_llm: int

    def conversation_ids(self, topic: str) -> list[str]:
        return [cid for cid, name in self.assignments.items() if name == topic]


class SubTopicLabel(BaseModel):
    id: str
    sub_topic: str


class SubTopicLabels(BaseModel):
    """LLM output: a sub-topic for each conversation of one topic."""

    labels: list[SubTopicLabel]


class TopicSubTopics(BaseModel):
    """Agent 5, one topic: its sub-topic mix, and each conversation's sub-topic."""

    topic: str
    mix: list[Share]
    labels: dict[str, str] = Field(default_factory=dict)  # conversation id -> sub-topic


class SubTopics(BaseModel):
    """Agent 5: sub-topic mix of every topic."""

    topics: list[TopicSubTopics]


class SentimentScore(BaseModel):
    id: str
    label: Literal["positive", "neutral", "negative"]
    score: float = Field(ge=-1, le=1)


class SentimentReading(BaseModel):
    """LLM output: sentiment of each conversation and a one-paragraph summary."""

    scores: list[SentimentScore]
    summary: str


class SentimentSummary(BaseModel):
    """LLM output: one sentence on what drives a topic's sentiment, from its batches' summaries."""

    summary: str


class TopicSentiment(BaseModel):
    """Agent 6, one topic: its sentiment mix, what drives it, and each conversation's label."""

    topic: str
    mix: list[Share]
    mean_score: float
    summary: str
    labels: dict[str, str] = Field(default_factory=dict)  # conversation id -> sentiment


class Sentiment(BaseModel):
    """Agent 6: sentiment per topic."""

    topics: list[TopicSentiment]


class Quote(BaseModel):
    conversation_id: str
    text: str
    sentiment: Literal["positive", "neutral", "negative"]


class QuoteSelection(BaseModel):
    """LLM output: representative quotes for one topic."""

    quotes: list[Quote]


class TopicQuotes(BaseModel):
    topic: str
    quotes: list[Quote]


class Quotes(BaseModel):
    """Agent 7: example quotes per topic."""

    topics: list[TopicQuotes]


class Rates(BaseModel):
    """Fin outcome rates over one group of conversations."""

    group: str
    conversations: int
    resolution_rate: float
    escalation_rate: float


class FinPerformance(BaseModel):
    """Agent 8: how Fin, the AI agent, did."""

    participation_rate: float
    overall: Rates
    by_tier: list[Rates]
    by_topic: list[Rates]
    resolution_states: list[Share]


class Correlation(BaseModel):
    factor: str
    metric: str
    coefficient: float
    n: int


class Correlations(BaseModel):
    """Agent 9: what moves customer ratings."""

    correlations: list[Correlation]
    rating_by_topic: dict[str, float]


class Insights(BaseModel):
    """LLM output: plain-language findings."""

    insights: list[str]


class Quality(BaseModel):
    """Agent 10: anomalies, first-contact resolution and reopen patterns."""

    first_contact_resolution: dict[str, float]
    reopen_rate_by_topic: dict[str, float]
    anomalies: list[str]
    insights: list[str]


class ChurnRisk(BaseModel):
    """Agent 11: conversations that signal a customer may leave."""

    at_risk: list[str]
    rate: float
    by_tier: list[Share]
    by_topic: list[Share]
    summary: str


class Confidence(BaseModel):
    """Agent 12: how far the findings can be trusted."""

    score: int = Field(ge=0, le=100)
    factors: dict[str, float]
    notes: list[str]


class WeekSummary(BaseModel):
    """The figures a later run compares itself with."""

    window_start: date
    window_end: date
    conversations: int
    topic_mix: dict[str, float]
    negative_percent: float
    mean_rating: float | None
    fin_resolution_rate: float


class TopicChange(BaseModel):
    topic: str
    previous_percent: float
    percent: float
    change_points: float


class Trend(BaseModel):
    """Agent 13: week-over-week change against the previous run."""

    previous_window: str | None
    volume_change_percent: float | None
    topic_changes: list[TopicChange]
    summary: str


class Check(BaseModel):
    name: str
    total: float
    ok: bool


class Validation(BaseModel):
    """Agent 14: every percentage breakdown sums to exactly 100."""

    checks: list[Check]


class Narrative(BaseModel):
    """LLM output: the report's executive summary."""

    headline: str
    highlights: list[str]


class OutputFiles(BaseModel):
    """Agent 15: the files written for this run."""

    directory: Path
    files: list[Path]


class Presentation(BaseModel):
    """Agent 16: the Gamma presentation, or why there is none."""

    status: Literal["created", "skipped"]
    url: str | None = None
    reason: str | None = None
    export_url: str | None = None
    generation_id: str | None = None

    @property
    def skipped_reason(self) -> str | None:
        """Why the agent did nothing; the monitor records such an agent as skipped."""
        return self.reason if self.status == "skipped" else None


class Findings(BaseModel):
    """What the agents concluded about each conversation: what `voc eval` scores."""

    topics: Topics
    sub_topics: SubTopics
    sentiment: Sentiment
    quotes: Quotes

    # Prefect walks a flow's return value for futures: a model by `dict(model)` (which
    # iterates it), a dict item by item. Findings hold three labels per conversation, a
    # walk of 0.2-0.3 s of CPU as a run of 10,000 ends; they never hold a future, so
    # iterating them yields no fields. Read them by name or with `model_dump()`.
    def __iter__(self) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        return iter(())


class VoCResult(BaseModel):
    """What the flow returns: this week's summary, the files, the presentation, the findings."""

    summary: WeekSummary
    output: OutputFiles
    presentation: Presentation | None  # None: the Gamma agent failed
    findings: Findings
