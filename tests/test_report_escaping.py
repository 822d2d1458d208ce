"""report.md publishes what models and customers wrote as words only: no link, image or markup."""

import re
from datetime import date
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from tasks.models import (
    ChurnRisk,
    Confidence,
    FinPerformance,
    Narrative,
    Quality,
    Quote,
    Quotes,
    Rates,
    Segmentation,
    Sentiment,
    Share,
    SubTopics,
    TopicQuotes,
    Topics,
    TopicSentiment,
    TopicSubTopics,
    Trend,
    WeekSummary,
)
from tasks.output import render_report

LINK = "[x](javascript:alert(1))"
IMAGE = "<img src=x onerror=alert(1)>"
HOSTILE = [
    LINK,
    IMAGE,
    "![pic](https://evil.example/p.png)",
    "# Heading of its own",
    "---",
    "1. a list",
    "**loud** `code` ~~gone~~ see https://evil.example and www.evil.example or me@evil.example",
    "line one\n\n---\n\n## injected card",
    "<script>alert(2)</script> & <b>bold</b>",
    "&amp; &#42; > quoted",
]
# What render_report itself writes; anything else came from the text it was given.
ALLOWED_TAGS = {
    "h1",
    "h2",
    "p",
    "ul",
    "li",
    "blockquote",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}


def hostile(i: int) -> str:
    return HOSTILE[i % len(HOSTILE)]


def findings() -> dict:
    rates = Rates(group=hostile(1), conversations=2, resolution_rate=50.0, escalation_rate=50.0)
    topic = "Billing"
    return {
        "segmentation": Segmentation(
            total=2,
            tiers=[Share(name="paid", count=2, percent=100.0)],
            handling=[],
            channels=[],
            languages=[],
            human_agents=[],
        ),
        "topic_detection": Topics(
            assignments={"1": topic},
            mix=[Share(name=topic, count=2, percent=100.0)],
            by_keyword=2,
            by_llm=0,
        ),
        "sub_topic_detection": SubTopics(
            topics=[
                TopicSubTopics(
                    topic=topic,
                    mix=[Share(name=hostile(i), count=1, percent=12.5) for i in range(8)],
                )
            ]
        ),
        "topic_sentiment": Sentiment(
            topics=[TopicSentiment(topic=topic, mix=[], mean_score=0.0, summary=hostile(0))]
        ),
        "example_quotes": Quotes(
            topics=[
                TopicQuotes(
                    topic=topic,
                    quotes=[
                        Quote(conversation_id="1", text=hostile(i), sentiment="negative")
                        for i in range(8)
                    ],
                )
            ]
        ),
        "fin_performance": FinPerformance(
            participation_rate=50.0,
            overall=rates,
            by_tier=[rates],
            by_topic=[],
            resolution_states=[],
        ),
        "quality_insights": Quality(
            first_contact_resolution={},
            reopen_rate_by_topic={},
            anomalies=[],
            insights=HOSTILE,
        ),
        "churn_risk": ChurnRisk(at_risk=[], rate=0.0, by_tier=[], by_topic=[], summary=IMAGE),
        "trend": Trend(
            previous_window=None, volume_change_percent=None, topic_changes=[], summary=LINK
        ),
        "confidence": Confidence(score=50, factors={}, notes=HOSTILE),
    }


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []

        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))

    def handle_data(self, data):
        self.text.append(data)


def rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").enable("strikethrough").render(markdown)


SUMMARY = WeekSummary(
    window_start=date(2026, 11, 16),
    window_end=date(2026, 11, 22),
    conversations=2,
    topic_mix={},
    negative_percent=0.0,
    mean_rating=None,
    fin_resolution_rate=50.0,
)


def test_model_and_customer_text_never_becomes_a_link_image_or_markup():
    narrative = Narrative(headline=LINK, highlights=HOSTILE)
    report = render_report(SUMMARY, narrative, findings())
    html = rendered(report)
    tags = Tags()
    tags.feed(html)
    assert {tag for tag, _ in tags.tags} <= ALLOWED_TAGS, html
    assert all(attrs == [] for _, attrs in tags.tags), html
    # The cards are render_report's own: 1 summary, topic mix, 1 topic, Fin, quality,
    # churn, week over week, confidence. None came from the text.
    assert len(re.findall(r"^---$", report, re.MULTILINE)) == 7
    assert html.count("<h2>") == 7 and html.count("<h1>") == 1
    # The words themselves survive, shown as text.
    assert "[x](javascript:alert(1))" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


WORDS = (
    "Login & Account Access: **loud** <script>alert(1)</script> "
    "[x](javascript:alert(1)) &amp; 1 < 2"
)


def test_the_markdown_reads_as_the_words_and_renders_them_as_text():
    report = render_report(SUMMARY, Narrative(headline=WORDS, highlights=[]), findings())
    headline = report.splitlines()[2]
    # In the file: the words, a backslash before what would be markup, no HTML entity.
    assert headline == (
        r"Login & Account Access: \*\*loud\*\* \<script>alert(1)\</script> "
        r"\[x\](javascript:alert(1)) \&amp; 1 \< 2"
    )
    # Rendered to HTML: exactly the words, escaped once, as text.
    assert (
        "<p>Login &amp; Account Access: **loud** &lt;script&gt;alert(1)&lt;/script&gt; "
        "[x](javascript:alert(1)) &amp;amp; 1 &lt; 2</p>"
    ) in rendered(report)
    tags = Tags()
    tags.feed(rendered(report))
    assert WORDS in tags.text
