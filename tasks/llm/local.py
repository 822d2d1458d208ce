"""The offline provider: deterministic answers from keywords, VADER and templates.

Topics and sub-topics are the options whose keywords the text names; the tone is VADER's
reading of what the customer feels (tasks.llm.tone); quotes are sentences that name the
topic's terms.

It speaks the same interface as a real provider: it receives the request, answers
with JSON text for the requested schema, and reports token counts, which it can
only estimate (and says so).
"""

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tasks.llm.tone import felt, read_tone
from tasks.llm.types import LLMRequest, Reply, Usage
from tasks.text import estimate_tokens, keywords_found

# A quote is a sentence that says something, not "Refund?".
QUOTE_MIN_CHARS = 25
_MENTION = re.compile(r"^(@\w+\s+)+")
_WORD = re.compile(r"\w+")


def _weight(text: str, keywords: list[str]) -> int:
    """The keywords found in the text, each weighing its number of words.

    "weekly report" says more than "report": the more specific phrase wins a tie.
    """
    return sum(len(keyword.split()) for keyword in keywords_found(text, keywords))


def _terms(option: dict[str, Any]) -> list[str]:
    """An option's keywords, and the longer words of its name and description."""
    named = _WORD.findall(f"{option['name']} {option.get('description', '')}".lower())
    return list(option.get("keywords", [])) + [w for w in named if len(w) > 4]


def _best_match(text: str, options: list[tuple[str, list[str]]], fallback: str) -> str:
    """The option whose terms weigh most in the text; the first one on a tie."""
    best, best_weight = fallback, 0
    for name, terms in options:
        weight = _weight(text, terms)
        if weight > best_weight:
            best, best_weight = name, weight
    return best


def _label_each(payload: dict[str, Any], options: str, field: str, fallback: str) -> dict:
    named = [(option["name"], _terms(option)) for option in payload[options]]
    labels = [
        {"id": c["id"], field: _best_match(c["text"], named, fallback)}
        for c in payload["conversations"]
    ]
    return {"labels": labels}


def classify_topics(payload: dict[str, Any]) -> dict[str, Any]:
    return _label_each(payload, "topics", "topic", "Other")


def classify_sub_topics(payload: dict[str, Any]) -> dict[str, Any]:
    return _label_each(payload, "sub_topics", "sub_topic", "General")


def _leaning(counts: Counter) -> str:
    """How a topic's conversations feel, in words: the majority, and which way the rest lean."""
    negative, positive = counts["negative"], counts["positive"]
    majority = next(
        (m for m in ("negative", "neutral", "positive") if counts[m] * 2 > counts.total()), None
    )
    if majority in ("negative", "positive"):
        return f"mostly {majority}"
    mood = "mostly neutral" if majority else "mixed"
    if negative == positive:
        return mood
    return f"{mood}, leaning {'negative' if negative > positive else 'positive'}"


def _sentiment_summary(topic: str, counts: Counter) -> str:
    if not counts.total():
        return f"{topic}: no conversations."
    return (
        f"{topic}: {_leaning(counts)} ({counts['positive']} positive, "
        f"{counts['neutral']} neutral, {counts['negative']} negative of {counts.total()})."
    )


def read_sentiment(payload: dict[str, Any]) -> dict[str, Any]:
    scores = []
    for conversation in payload["conversations"]:
        tone, score = read_tone(conversation["text"])
        scores.append({"id": conversation["id"], "label": tone, "score": score})
    counts = Counter(score["label"] for score in scores)
    return {"scores": scores, "summary": _sentiment_summary(payload["topic"], counts)}


@dataclass
class _Candidate:
    conversation_id: str
    text: str
    terms: set[str]


def _telling_sentence(conversation: dict[str, Any], terms: list[str]) -> _Candidate | None:
    """The conversation's sentence that names most of the topic's terms, if one does."""
    best = None
    for sentence in felt(conversation["text"]):
        sentence = _MENTION.sub("", sentence)
        named = set(keywords_found(sentence, terms))
        long_enough = len(sentence) >= QUOTE_MIN_CHARS
        if long_enough and named and (best is None or len(named) > len(best.terms)):
            best = _Candidate(conversation["id"], sentence, named)
    return best


def summarise_sentiment(payload: dict[str, Any]) -> dict[str, Any]:
    """The summary of a topic read in several batches: as if read in one."""
    return {"summary": _sentiment_summary(payload["topic"], Counter(payload["counts"]))}


def select_quotes(payload: dict[str, Any]) -> dict[str, Any]:
    """Quotes that name the topic's terms, showing what most customers wrote about.

    Each pick is the sentence whose terms the most conversations share, preferring terms
    no earlier pick named, so the quotes cover the topic's common themes, not one of
    them three times. How strongly a sentence is worded plays no part. A topic with no
    terms (Other) has nothing to tell its quotes by, and gets none.
    """
    terms = payload.get("terms", [])
    candidates = [c for c in (_telling_sentence(c, terms) for c in payload["conversations"]) if c]
    common = Counter(term for candidate in candidates for term in candidate.terms)
    picks: list[_Candidate] = []
    covered: set[str] = set()
    while candidates and len(picks) < payload.get("limit", 3):
        pick = max(
            candidates,
            key=lambda c: (
                sum(common[t] for t in c.terms - covered),
                sum(common[t] for t in c.terms),
            ),
        )
        picks.append(pick)
        covered |= pick.terms
        candidates = [c for c in candidates if c.text != pick.text]
    quotes = [
        {"conversation_id": p.conversation_id, "text": p.text, "sentiment": read_tone(p.text)[0]}
        for p in picks
    ]
    return {"quotes": quotes}


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
    "summarise_sentiment": summarise_sentiment,
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
