"""Agent 15: write report.md (cards split by `---`), results.json and topics.csv."""

import csv
import json
import re
from pathlib import Path

from pydantic import BaseModel

from tasks.agent import agent
from tasks.llm import LLMRequest, LLMSettings, llm_client
from tasks.models import Narrative, OutputFiles, Segmentation, WeekSummary

INSTRUCTIONS = "Write a one-line headline and up to five highlights for this week's report."


# Characters that make markdown inline structure (links, images, emphasis, code, tables,
# strike-through, raw HTML) wherever they stand, and an `&` that would begin a character
# reference: each takes a backslash, which CommonMark shows as the character itself, so
# the raw file still reads as the words ("Login & Account Access", `\*\*loud\*\*`).
_INLINE = re.compile(r"[\\`*_\[\]|~<]|&(?=#?\w+;)")
# GFM's bare URL and e-mail links are found in the text whatever its escapes, by some
# renderers: their `:` of `://`, `.` of `www.` and `@` become numeric references instead.
_AUTOLINK = re.compile(r"@|(?<=\w):(?=//)|(?<=\bwww)\.")
# What makes a block (heading, list, quote, card break `---`, setext underline, ordered
# list `1.`) when it starts a line or a list item: its last character is escaped.
_BLOCK_START = re.compile(r"^(?:[#+\-=>]|\d{1,9}[.)](?=\s|$))")


def _escaped(match: re.Match[str]) -> str:
    return "\\" + match.group()


def _reference(match: re.Match[str]) -> str:
    return f"&#{ord(match.group())};"


def plain(text: object) -> str:
    """Model or customer text as literal markdown: no link, image, markup or block of its own.

    Newlines are folded, and markdown's structural characters escaped, so the words read
    the same, in the file and rendered, and do nothing. Nothing is HTML-escaped here: the
    renderer does that for HTML, and an `&amp;` in a markdown file shows as itself.
    """
    flat = " ".join(str(text).split())
    escaped = _AUTOLINK.sub(_reference, _INLINE.sub(_escaped, flat))
    return _BLOCK_START.sub(lambda m: m.group()[:-1] + "\\" + m.group()[-1], escaped)


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    cells = [[plain(cell) if isinstance(cell, str) else str(cell) for cell in row] for row in rows]
    return lines + ["| " + " | ".join(row) + " |" for row in cells]


def _topic_cards(findings: dict) -> list[str]:
    sub_topics = {t.topic: t.mix for t in findings["sub_topic_detection"].topics}
    sentiment = {t.topic: t for t in findings["topic_sentiment"].topics}
    quotes = {t.topic: t.quotes for t in findings["example_quotes"].topics}
    cards = []
    for share in findings["topic_detection"].mix:
        name = share.name
        lines = [f"## {plain(name)}: {share.percent}% ({share.count} conversations)", ""]
        lines += [f"- {plain(s.name)}: {s.percent}%" for s in sub_topics.get(name, [])]
        if name in sentiment:
            lines += ["", f"Sentiment: {plain(sentiment[name].summary)}"]
        lines += [""] + [f"> “{plain(q.text)}”" for q in quotes.get(name, [])]
        cards.append("\n".join(lines))
    return cards


def _without_tier(segments: Segmentation) -> list[str]:
    """A line saying how many conversations have no tier, when some have none."""
    count = next((s.count for s in segments.tiers if s.name == "unknown"), 0)
    if not count:
        return []
    return ["", f"{count} of {segments.total} conversations have no tier: neither paid nor free."]


def _title(summary: WeekSummary) -> str:
    return f"# Voice of Customer: {summary.window_start:%b %d} to {summary.window_end:%b %d, %Y}"


def empty_report(summary: WeekSummary) -> str:
    """The report of a window without conversations: one card that says so."""
    return f"{_title(summary)}\n\nNo conversations were created in this window.\n"


def render_report(summary: WeekSummary, narrative: Narrative, findings: dict) -> str:
    """The report as markdown cards, one per `---`."""
    fin = findings["fin_performance"]
    quality = findings["quality_insights"]
    churn = findings["churn_risk"]
    trend = findings["trend"]
    confidence = findings["confidence"]
    cards = [
        "\n".join(
            [_title(summary), "", plain(narrative.headline), ""]
            + [f"- {plain(h)}" for h in narrative.highlights]
        ),
        "\n".join(
            ["## Topic mix", ""]
            + _table(
                ["Topic", "Conversations", "%"],
                [[s.name, s.count, s.percent] for s in findings["topic_detection"].mix],
            )
        ),
        *_topic_cards(findings),
        "\n".join(
            [
                "## Fin, the AI agent",
                "",
                f"Took part in {fin.participation_rate}% of conversations.",
                "",
            ]
            + _table(
                ["Tier", "Conversations", "Resolved %", "Escalated %"],
                [
                    [r.group, r.conversations, r.resolution_rate, r.escalation_rate]
                    for r in [fin.overall, *fin.by_tier]
                ],
            )
            + _without_tier(findings["segmentation"])
        ),
        "\n".join(["## Quality", ""] + [f"- {plain(i)}" for i in quality.insights]),
        "\n".join(
            ["## Churn risk", "", f"{churn.rate}% of conversations.", "", plain(churn.summary)]
        ),
        "\n".join(["## Week over week", "", plain(trend.summary)]),
        "\n".join(
            [f"## Confidence: {confidence.score}/100", ""]
            + [f"- {plain(n)}" for n in confidence.notes]
        ),
    ]
    return "\n\n---\n\n".join(cards) + "\n"


def write_topics_csv(path: Path, findings: dict) -> None:
    sentiment = {t.topic: t for t in findings["topic_sentiment"].topics}
    fin = {r.group: r for r in findings["fin_performance"].by_topic}
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(
            [
                "topic",
                "conversations",
                "percent",
                "negative_percent",
                "mean_sentiment",
                "fin_resolution_rate",
            ]
        )
        for share in findings["topic_detection"].mix:
            mood = sentiment.get(share.name)
            negative = (
                next((s.percent for s in mood.mix if s.name == "negative"), 0.0) if mood else 0.0
            )
            writer.writerow(
                [
                    share.name,
                    share.count,
                    share.percent,
                    negative,
                    mood.mean_score if mood else "",
                    fin[share.name].resolution_rate if share.name in fin else "",
                ]
            )


@agent("output_formatting")
def output_formatting(
    run_dir: Path, summary: WeekSummary, findings: dict[str, BaseModel], llm: LLMSettings
) -> OutputFiles:
    """Write the three files into the run's directory."""
    run_dir.mkdir(parents=True, exist_ok=True)
    report = run_dir / "report.md"
    if summary.conversations:
        narrative = _narrative(summary, findings, llm)
        report.write_text(render_report(summary, narrative, findings), encoding="utf-8")
    else:  # nothing to summarise, and no model paid to say so
        report.write_text(empty_report(summary), encoding="utf-8")
    results = run_dir / "results.json"
    document = {"summary": summary.model_dump(mode="json")}
    document |= {name: model.model_dump(mode="json") for name, model in findings.items()}
    results.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
    topics = run_dir / "topics.csv"
    write_topics_csv(topics, findings)
    return OutputFiles(directory=run_dir, files=[report, results, topics])


def _narrative(summary: WeekSummary, findings: dict[str, BaseModel], llm: LLMSettings) -> Narrative:
    """The model's headline and highlights, from the week's main facts."""
    facts = [
        f"{s.name}: {s.percent}% of conversations" for s in findings["topic_detection"].mix[:3]
    ]
    facts += [
        f"Fin resolved {findings['fin_performance'].overall.resolution_rate}% it took part in"
    ]
    top = findings["topic_detection"].mix
    payload = {
        "conversations": summary.conversations,
        "top_topics": [s.name for s in top[:3]],
        "top_percent": top[0].percent if top else 0,
        "facts": facts,
    }
    return llm_client(llm).complete(LLMRequest("write_summary", INSTRUCTIONS, payload, Narrative))
