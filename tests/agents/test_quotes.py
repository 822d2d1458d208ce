"""Agent 7, example quotes: the customers' own words, copied exactly."""

from tasks.models import Quote
from tasks.quotes import quotes_for_topic
from tests.agents.builders import LOCAL

ANGRY = "Hi Dana, the invoice page is broken and I am furious. Fix it."
HAPPY = "Your new billing dashboard is absolutely wonderful and fast! Thanks!"
ASKING = "Where can I download the receipt for May? Ok."
FURIOUS = "This is the worst, most horrible billing experience ever. Bye."


def texts(*bodies: str) -> list[dict]:
    return [{"id": f"q{i}", "text": body} for i, body in enumerate(bodies, start=1)]


def test_each_conversations_strongest_sentence_verbatim_most_negative_first():
    found = quotes_for_topic.fn("Billing", texts(ANGRY, HAPPY, ASKING), LOCAL)
    # The greeting is left out, short sentences and thanks are not quotes.
    assert found.quotes == [
        Quote(
            conversation_id="q1",
            text="the invoice page is broken and I am furious.",
            sentiment="negative",
        ),
        Quote(
            conversation_id="q3",
            text="Where can I download the receipt for May?",
            sentiment="neutral",
        ),
        Quote(
            conversation_id="q2",
            text="Your new billing dashboard is absolutely wonderful and fast!",
            sentiment="positive",
        ),
    ]
    bodies = {t["id"]: t["text"] for t in texts(ANGRY, HAPPY, ASKING)}
    assert all(q.text in bodies[q.conversation_id] for q in found.quotes)


def test_with_more_than_three_the_two_most_negative_and_the_most_positive():
    found = quotes_for_topic.fn("Billing", texts(ANGRY, HAPPY, ASKING, FURIOUS), LOCAL)
    assert [q.sentiment for q in found.quotes] == ["negative", "negative", "positive"]
    assert {q.conversation_id for q in found.quotes[:2]} == {"q1", "q4"}
    assert found.quotes[2].conversation_id == "q2"


def test_a_long_sentence_is_cut_and_still_counts_as_verbatim():
    long = "The invoice export is terribly broken " + "and again " * 30 + "today."
    found = quotes_for_topic.fn("Billing", texts(long), LOCAL)
    (quote,) = found.quotes
    assert quote.text.endswith("…") and len(quote.text) <= 221
    assert quote.text.rstrip("…") == long[: len(quote.text) - 1]
