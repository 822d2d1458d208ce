"""The offline provider: deterministic answers from keywords, VADER and templates.

It speaks the same interface as a real provider: it receives the request, answers
with JSON text for the requested schema, and reports token counts, which it can
only estimate (and says so).
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from typing import Any

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tasks.llm.types import LLMRequest, Reply, Usage
from tasks.text import estimate_tokens, keyword_hits, sentences

# Courtesies carry strong sentiment but say nothing about the product.
PLEASANTRIES = re.compile(
    r"thank|hope you|you're the best|appreciate|cheers|regards|have a (good|great|nice)",
    re.IGNORECASE,
)
_vader = SentimentIntensityAnalyzer()


def sentiment_label(score: float) -> str:
    """VADER's usual cut-offs on the compound score."""
    if score >= 0.05:
        return "positive"
    if score <= -0.05:
        return "negative"
    return "neutral"


def _best_match(text: str, options: list[dict[str, Any]], fallback: str) -> str:
    """The option whose keywords (or words of its name and description) occur most often."""
    best, best_hits = fallback, 0
    for option in options:
        words = list(option.get("keywords", []))
        words += option["name"].lower().replace("&", " ").split()
        words += [w for w in option.get("description", "").lower().split() if len(w) > 4]
        hits = keyword_hits(text, words)
        if hits > best_hits:
            best, best_hits = option["name"], hits
    return best


def classify_topics(payload: dict[str, Any]) -> dict[str, Any]:
    labels = [
        {"id": c["id"], "topic": _best_match(c["text"], payload["topics"], "Other")}
        for c in payload["conversations"]
    ]
    return {"labels": labels}


def classify_sub_topics(payload: dict[str, Any]) -> dict[str, Any]:
    labels = [
        {"id": c["id"], "sub_topic": _best_match(c["text"], payload["sub_topics"], "General")}
        for c in payload["conversations"]
    ]
    return {"labels": labels}


def read_sentiment(payload: dict[str, Any]) -> dict[str, Any]:
    scores = []
    for conversation in payload["conversations"]:
        compound = _vader.polarity_scores(conversation["text"])["compound"]
        scores.append(
            {"id": conversation["id"], "label": sentiment_label(compound), "score": compound}
        )
    counts = Counter(score["label"] for score in scores)
    mood = max(("negative", "neutral", "positive"), key=lambda label: counts[label])
    summary = (
        f"{payload['topic']}: mostly {mood} ({counts['positive']} positive, "
        f"{counts['neutral']} neutral, {counts['negative']} negative of {len(scores)})."
    )
    return {"scores": scores, "summary": summary}


def select_quotes(payload: dict[str, Any]) -> dict[str, Any]:
    scored, seen = [], set()
    for conversation in payload["conversations"]:
        # The conversation's most telling sentence: the one with the strongest feeling.
        candidates = [
            s
            for s in sentences(conversation["text"])
            if len(s) >= 25 and s not in seen and not PLEASANTRIES.search(s)
        ]
        if not candidates:
            continue
        rated = [(_vader.polarity_scores(s)["compound"], s) for s in candidates]
        compound, text = max(rated, key=lambda pair: abs(pair[0]))
        seen.add(text)
        scored.append((compound, conversation["id"], text))
    scored.sort()
    picks = scored[:2] + scored[-1:] if len(scored) > 3 else scored
    quotes = [
        {"conversation_id": cid, "text": text, "sentiment": sentiment_label(score)}
        for score, cid, text in dict.fromkeys(picks)
    ]
    return {"quotes": quotes[: payload.get("limit", 3)]}


def write_insights(payload: dict[str, Any]) -> dict[str, Any]:
    return {"insights": [f"{fact}." for fact in payload["facts"]][: payload.get("limit", 5)]}


def write_summary(payload: dict[str, Any]) -> dict[str, Any]:
    top = payload["top_topics"]
    headline = (
        f"{payload['conversations']} conversations; top topic {top[0]} ({payload['top_percent']}%)."
        if top
        else f"{payload['conversations']} conversations."
    )
    return {"headline": headline, "highlights": payload["facts"][:5]}


HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "classify_topics": classify_topics,
    "classify_sub_topics": classify_sub_topics,
    "read_sentiment": read_sentiment,
    "select_quotes": select_quotes,
    "write_insights": write_insights,
    "write_summary": write_summary,
}


class LocalProvider:
    """Answers every request offline; cost 0, token counts estimated."""

    name = "local"

    def send(self, request: LLMRequest, model: str) -> Reply:
        handler = HANDLERS.get(request.purpose)
        if handler is None:
            raise ValueError(f"local provider cannot answer {request.purpose!r}")
        text = json.dumps(handler(request.payload), ensure_ascii=False)
        usage = Usage(
            input_tokens=estimate_tokens(request.instructions + request.prompt()),
            output_tokens=estimate_tokens(text),
            estimated=True,
        )
        return Reply(text=text, usage=usage, finish_reason="stop")
