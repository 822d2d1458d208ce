"""How right a run's findings are: pure functions of the truth and the predictions.

Truth and predictions are dicts keyed by conversation id, and each function scores the
`ids` it is given: the conversations the run analysed (after the window and the
de-duplication). A conversation with no prediction counts as a miss. A function with
nothing to score returns None rather than a number that would mean something.
"""

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tasks.text import keyword_hits

Labels = Mapping[str, str | None]
SENTIMENTS = ("negative", "neutral", "positive")
NONE = "none"  # the confusion matrix's column for a conversation the model gave no label


def accuracy(truth: Labels, predicted: Labels, ids: Sequence[str]) -> float | None:
    """Share of `ids` whose predicted label equals the true one."""
    if not ids:
        return None
    return sum(1 for i in ids if i in predicted and predicted[i] == truth[i]) / len(ids)


def _f1(true_positive: int, false_positive: int, false_negative: int) -> float:
    found, actual = true_positive + false_positive, true_positive + false_negative
    precision = true_positive / found if found else 0.0
    recall = true_positive / actual if actual else 0.0
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def macro_f1(truth: Labels, predicted: Labels, ids: Sequence[str]) -> float | None:
    """The mean F1 over every label that is true or predicted for one of `ids`.

    A label that is neither (a topic with no conversation) does not count; one only
    predicted, or only true, scores 0 and pulls the mean down.
    """
    if not ids:
        return None
    pairs = [(truth[i], predicted.get(i)) for i in ids]
    classes = {t for t, _ in pairs} | {p for _, p in pairs if p is not None}
    scores = [
        _f1(
            sum(1 for t, p in pairs if t == c and p == c),
            sum(1 for t, p in pairs if t != c and p == c),
            sum(1 for t, p in pairs if t == c and p != c),
        )
        for c in classes
    ]
    return sum(scores) / len(scores)


def sub_topic_accuracy(
    true_topics: Labels,
    true_subs: Labels,
    predicted_topics: Labels,
    predicted_subs: Labels,
    ids: Sequence[str],
) -> float | None:
    """Sub-topic accuracy over the conversations whose topic was found right."""
    right = [i for i in ids if predicted_topics.get(i) == true_topics[i]]
    return accuracy(true_subs, predicted_subs, right)


def confusion(truth: Labels, predicted: Labels, ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counts of true label (rows, the three sentiments) by predicted label (columns)."""
    counted = Counter((truth[i], predicted.get(i) or NONE) for i in ids)
    columns = list(SENTIMENTS) + sorted({p for _, p in counted} - set(SENTIMENTS))
    rows = list(SENTIMENTS) + sorted({t for t, _ in counted} - set(SENTIMENTS))
    return {t: {p: counted[(t, p)] for p in columns} for t in rows}


@dataclass(frozen=True)
class QuoteRef:
    """A quote the run chose for a topic, and the conversation it came from."""

    topic: str
    conversation_id: str
    text: str


def is_relevant(quote: QuoteRef, true_topics: Labels, keywords: Mapping[str, list[str]]) -> bool:
    """Whether the quote's conversation is truly of its topic, and its text names the topic:
    at least one keyword of the topic or of one of its sub-topics (as a whole word)."""
    if true_topics.get(quote.conversation_id) != quote.topic:
        return False
    return keyword_hits(quote.text, keywords.get(quote.topic, [])) > 0


def quote_relevance(
    quotes: Sequence[QuoteRef], true_topics: Labels, keywords: Mapping[str, list[str]]
) -> float | None:
    """Share of the quotes that are relevant (`is_relevant`)."""
    if not quotes:
        return None
    return sum(1 for q in quotes if is_relevant(q, true_topics, keywords)) / len(quotes)


def mix_errors(truth: Labels, predicted: Labels, ids: Sequence[str]) -> dict[str, float]:
    """Per topic, how many percentage points its predicted share is off its true share."""
    if not ids:
        return {}
    true_counts = Counter(truth[i] for i in ids)
    predicted_counts = Counter(predicted.get(i) for i in ids)
    topics = sorted(set(true_counts) | {t for t in predicted_counts if t is not None})
    return {t: round(abs(predicted_counts[t] - true_counts[t]) * 100 / len(ids), 2) for t in topics}
