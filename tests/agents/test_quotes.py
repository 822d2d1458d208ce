"""Agent 7, example quotes: the customers' own words about the topic, copied exactly."""

from tasks.models import Quote
from tasks.quotes import quotes_for_topic
from tasks.taxonomy import load_taxonomy
from tests.agents.builders import LOCAL

BILLING = load_taxonomy().topic("Billing").terms
REFUND = "Hi Dana, I am furious and fed up. Can I get a refund for the unused seats?"
INVOICE = "@TasklaneHQ Where can I download the invoice for May? Ok."
DOUBLE = "This is the worst, most horrible experience ever! We were charged twice in March."
PRAISE = "Your product is absolutely wonderful, we love it to bits! Thanks!"


def texts(*bodies: str) -> list[dict]:
    return [{"id": f"q{i}", "text": body} for i, body in enumerate(bodies, start=1)]


def test_quotes_say_what_the_topic_is_about_not_how_strongly():
    found = quotes_for_topic.fn("Billing", texts(REFUND, INVOICE, DOUBLE, PRAISE), BILLING, LOCAL)
    # The angriest and the warmest sentences name no billing term: none is a quote. The
    # greeting and the @mention are left out; the tone is the quote's own.
    assert sorted(found.quotes, key=lambda q: q.conversation_id) == [
        Quote(
            conversation_id="q1",
            text="Can I get a refund for the unused seats?",
            sentiment="neutral",
        ),
        Quote(
            conversation_id="q2",
            text="Where can I download the invoice for May?",
            sentiment="neutral",
        ),
        Quote(conversation_id="q3", text="We were charged twice in March.", sentiment="neutral"),
    ]


def test_the_most_shared_theme_comes_first_then_other_themes():
    refunds = [f"Please refund the {n} seats we never used last month." for n in (3, 5)]
    found = quotes_for_topic.fn("Billing", texts(INVOICE, *refunds), BILLING, LOCAL)
    # Two conversations ask for a refund, one about an invoice: the refund first, then the
    # invoice, then the second refund (nothing new is left to show).
    assert [q.conversation_id for q in found.quotes] == ["q2", "q1", "q3"]


def test_a_topic_without_terms_gets_no_quotes():
    found = quotes_for_topic.fn(
        "Other", texts("Do you send out stickers for our office?"), [], LOCAL
    )
    assert found.quotes == []


def test_a_long_sentence_is_cut_and_still_counts_as_verbatim():
    long = "The invoice export is terribly broken " + "and again " * 30 + "today."
    found = quotes_for_topic.fn("Billing", texts(long), BILLING, LOCAL)
    (quote,) = found.quotes
    assert quote.text.endswith("…") and len(quote.text) <= 221
    assert quote.text.rstrip("…") == long[: len(quote.text) - 1]
