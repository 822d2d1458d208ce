"""Agent 15, output formatting: report.md, results.json and topics.csv carry the numbers."""

import json
from datetime import date

from tasks.models import (
    ChurnRisk,
    Confidence,
    FinPerformance,
    Quality,
    Quote,
    Quotes,
    Rates,
    Segmentation,
    Sentiment,
    SubTopics,
    TopicQuotes,
    TopicSentiment,
    TopicSubTopics,
    Trend,
    WeekSummary,
)
from tasks.output import output_formatting
from tasks.percent import shares
from tests.agents.builders import LOCAL, topics_of

SUMMARY = WeekSummary(
    window_start=date(2025, 11, 17),
    window_end=date(2025, 11, 23),
    conversations=5,
    topic_mix={"Billing": 60.0, "Login": 40.0},
    negative_percent=40.0,
    mean_rating=4.0,
    fin_resolution_rate=50.0,
)
# Customer words with markup in them, which must reach the report as text.
QUOTE = "<b>Refund</b> | now\nplease"


def findings() -> dict:
    """A week of five conversations, 3 Billing and 2 Login, as the agents would report it."""
    return {
        "segmentation": Segmentation(
            total=5,
            tiers=shares({"paid": 4, "unknown": 1}),
            handling=[],
            channels=[],
            languages=[],
            human_agents=[],
        ),
        "topic_detection": topics_of(
            {"1": "Billing", "2": "Billing", "3": "Billing", "4": "Login", "5": "Login"}
        ),
        "sub_topic_detection": SubTopics(
            topics=[
                TopicSubTopics(
                    topic="Billing", mix=shares({"Refund request": 2, "Double charge": 1})
                ),
                TopicSubTopics(topic="Login", mix=shares({"Password reset": 2})),
            ]
        ),
        "topic_sentiment": Sentiment(
            topics=[
                TopicSentiment(
                    topic="Billing",
                    mix=shares({"negative": 2, "neutral": 1}),
                    mean_score=-0.412,
                    summary="Billing: mostly negative.",
                ),
                TopicSentiment(
                    topic="Login",
                    mix=shares({"positive": 2}),
                    mean_score=0.5,
                    summary="Login: mostly positive.",
                ),
            ]
        ),
        "example_quotes": Quotes(
            topics=[
                TopicQuotes(
                    topic="Billing",
                    quotes=[Quote(conversation_id="1", text=QUOTE, sentiment="negative")],
                )
            ]
        ),
        "fin_performance": FinPerformance(
            participation_rate=80.0,
            overall=Rates(group="all", conversations=4, resolution_rate=50.0, escalation_rate=25.0),
            by_tier=[
                Rates(group="paid", conversations=4, resolution_rate=50.0, escalation_rate=25.0),
                Rates(group="unknown", conversations=0, resolution_rate=0.0, escalation_rate=0.0),
            ],
            by_topic=[
                Rates(group="Billing", conversations=3, resolution_rate=33.3, escalation_rate=33.3),
                Rates(group="Login", conversations=1, resolution_rate=100.0, escalation_rate=0.0),
            ],
            resolution_states=shares({"assumed_resolution": 2, "routed_to_team": 1, "unknown": 1}),
        ),
        "quality_insights": Quality(
            first_contact_resolution={},
            reopen_rate_by_topic={},
            anomalies=[],
            insights=["Billing reopens most."],
        ),
        "churn_risk": ChurnRisk(
            at_risk=["1"],
            rate=20.0,
            by_tier=shares({"paid": 1}),
            by_topic=shares({"Billing": 1}),
            summary="1 of 5 conversations show churn signals.",
        ),
        "trend": Trend(
            previous_window=None,
            volume_change_percent=None,
            topic_changes=[],
            summary="No earlier run of this analysis to compare with.",
        ),
        "confidence": Confidence(
            score=49, factors={"volume": 0.025}, notes=["only 5 conversations (fewer than 200)"]
        ),
    }


def test_the_three_files_are_written_into_the_run_directory(tmp_path):
    run_dir = tmp_path / "run"
    written = output_formatting.fn(run_dir, SUMMARY, findings(), LOCAL)
    assert written.directory == run_dir
    assert written.files == [
        run_dir / "report.md",
        run_dir / "results.json",
        run_dir / "topics.csv",
    ]


def test_report_cards_carry_the_numbers(tmp_path):
    output_formatting.fn(tmp_path, SUMMARY, findings(), LOCAL)
    cards = (tmp_path / "report.md").read_text(encoding="utf-8").split("\n\n---\n\n")
    assert cards == [
        "# Voice of Customer: Nov 17 to Nov 23, 2025\n\n"
        "5 conversations; top topic Billing (60.0%).\n\n"
        "- Billing: 60.0% of conversations\n"
        "- Login: 40.0% of conversations\n"
        "- Fin resolved 50.0% it took part in",
        "## Topic mix\n\n"
        "| Topic | Conversations | % |\n|---|---|---|\n"
        "| Billing | 3 | 60.0 |\n| Login | 2 | 40.0 |",
        "## Billing: 60.0% (3 conversations)\n\n"
        "- Refund request: 66.7%\n- Double charge: 33.3%\n\n"
        "Sentiment: Billing: mostly negative.\n\n"
        r"> “\<b>Refund\</b> \| now please”",
        "## Login: 40.0% (2 conversations)\n\n"
        "- Password reset: 100.0%\n\n"
        "Sentiment: Login: mostly positive.\n",
        "## Fin, the AI agent\n\n"
        "Took part in 80.0% of conversations.\n\n"
        "| Tier | Conversations | Resolved % | Escalated % |\n|---|---|---|---|\n"
        "| all | 4 | 50.0 | 25.0 |\n| paid | 4 | 50.0 | 25.0 |\n| unknown | 0 | 0.0 | 0.0 |\n\n"
        "1 of 5 conversations have no tier: neither paid nor free.",
        "## Quality\n\n- Billing reopens most.",
        "## Churn risk\n\n20.0% of conversations.\n\n1 of 5 conversations show churn signals.",
        "## Week over week\n\nNo earlier run of this analysis to compare with.",
        "## Confidence: 49/100\n\n- only 5 conversations (fewer than 200)\n",
    ]


def test_topics_csv_has_a_row_per_topic(tmp_path):
    output_formatting.fn(tmp_path, SUMMARY, findings(), LOCAL)
    lines = (tmp_path / "topics.csv").read_text(encoding="utf-8").splitlines()
    assert lines == [
        "topic,conversations,percent,negative_percent,mean_sentiment,fin_resolution_rate",
        "Billing,3,60.0,66.7,-0.412,33.3",
        "Login,2,40.0,0.0,0.5,100.0",
    ]


def test_results_json_holds_the_summary_and_every_finding(tmp_path):
    given = findings()
    output_formatting.fn(tmp_path, SUMMARY, given, LOCAL)
    document = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert document == {"summary": SUMMARY.model_dump(mode="json")} | {
        name: model.model_dump(mode="json") for name, model in given.items()
    }
    assert document["topic_detection"]["mix"] == [
        {"name": "Billing", "count": 3, "percent": 60.0},
        {"name": "Login", "count": 2, "percent": 40.0},
    ]
    assert document["example_quotes"]["topics"][0]["quotes"][0]["text"] == QUOTE
