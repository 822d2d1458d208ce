"""The offline provider's answers on hand-made texts whose right answers are known.

Each request goes through `LocalProvider.send`, as the client sends it, and the reply is
read back with the agent's own output model.
"""

import pytest

from tasks.llm.local import LocalProvider
from tasks.llm.tone import read_tone
from tasks.llm.types import LOCAL_MODEL, LLMRequest
from tasks.models import QuoteSelection, SentimentReading, SubTopicLabels, TopicLabels
from tasks.taxonomy import load_taxonomy
from tasks.text import keywords_found

TAXONOMY = load_taxonomy()


def ask(purpose: str, payload: dict, output: type):
    reply = LocalProvider().send(LLMRequest(purpose, "Answer.", payload, output), LOCAL_MODEL)
    assert reply.usage.estimated and reply.usage.input_tokens > 0
    return output.model_validate_json(reply.text)


def items(*texts: str) -> list[dict]:
    return [{"id": f"c{i}", "text": text} for i, text in enumerate(texts, start=1)]


@pytest.mark.parametrize(
    ("text", "tone"),
    [
        # A problem told calmly is not a feeling: "declined", "failed", "help" are not moods.
        ("My card was declined and the payment failed. Can you help?", "neutral"),
        ("The export is broken, the CSV has the wrong dates.", "neutral"),
        # Courtesies and greetings are written whatever one feels.
        ("Hi team, thanks so much in advance, have a great day!", "neutral"),
        ("Hi, where do I find my invoices? Cheers, Sam", "neutral"),
        # Wishes and questions ask; they do not praise.
        ("It would be great to have dark mode.", "neutral"),
        ("Is there a PDF export? That would be super useful.", "neutral"),
        ("What's the best way to set up projects for a big team?", "neutral"),
        ("Love the new board view, it's brilliant.", "positive"),
        ("The new timeline is fantastic, exactly what we needed.", "positive"),
        ("I hate the new layout.", "negative"),
        # Negation: VADER turns "love" and "happy" around.
        ("I don't love the new layout.", "negative"),
        ("Not happy at all with the new board view.", "negative"),
        ("I don\u2019t love the new layout.", "negative"),  # a typographic apostrophe
        # Complaint cues VADER does not know.
        ("Honestly, I'm fed up.", "negative"),
        ("Third time writing about this!! Please sort it out ASAP.", "negative"),
        ("We are considering alternatives.", "negative"),
        ("Still waiting on a reply from last week.", "negative"),
        ("The app keeps crashing, what's going on??", "negative"),
        ("I can't believe how bad the new editor is.", "negative"),
        # A complaint outweighs a compliment in the same message.
        ("Love Tasklane, but this is unacceptable.", "negative"),
        # Rhetorical questions can complain.
        ("Why is this so slow, it is a disaster?", "negative"),
        # Degenerate: nothing, a greeting alone, a language VADER does not read.
        ("", "neutral"),
        ("Hi,", "neutral"),
        ("Hola, no puedo iniciar sesión.", "neutral"),
    ],
)
def test_the_tone_is_what_the_customer_feels(text, tone):
    label, score = read_tone(text)
    assert label == tone
    assert -1 <= score <= 1
    assert (score >= 0.5) == (tone == "positive") and (score <= -0.5) == (tone == "negative")


def test_sentiment_scores_each_conversation_and_says_which_way_the_topic_leans():
    reading = ask(
        "read_sentiment",
        {
            "topic": "Billing",
            "conversations": items(
                "I was charged twice this month.",
                "Where can I download my invoice?",
                "This is unacceptable, I was double charged again!!",
                "Payment failed for our renewal. Thanks!",
            ),
        },
        SentimentReading,
    )
    assert [(s.id, s.label) for s in reading.scores] == [
        ("c1", "neutral"),
        ("c2", "neutral"),
        ("c3", "negative"),
        ("c4", "neutral"),
    ]
    assert reading.summary == (
        "Billing: mostly neutral, leaning negative (0 positive, 3 neutral, 1 negative of 4)."
    )


@pytest.mark.parametrize(
    ("texts", "summary"),
    [
        (["I hate it.", "Awful, just awful.", "Fine."], "mostly negative (0 positive, 1 neutral"),
        (["I love it!", "Brilliant work.", "Meh."], "mostly positive (2 positive, 1 neutral"),
        (["I love it!", "I hate it.", "Ok.", "Sure."], "mixed (1 positive, 2 neutral"),
        (["I love it!", "I hate it.", "Ok.", "Sure.", "No."], "mostly neutral (1 positive, 3"),
        (["I love it!", "Awesome!", "I hate it.", "Ok."], "mixed, leaning positive (2 positive"),
        (["I love it!", "I hate it."], "mixed (1 positive, 0 neutral, 1 negative of 2)"),
        ([], "no conversations"),
    ],
)
def test_the_summary_names_the_majority_and_the_lean(texts, summary):
    payload = {"topic": "Login", "conversations": items(*texts)}
    reading = ask("read_sentiment", payload, SentimentReading)
    assert reading.summary.startswith(f"Login: {summary}")
    assert len(reading.scores) == len(texts)


def test_quotes_name_the_topic_and_come_from_their_conversation_verbatim():
    conversations = items(
        "Hi, this is really frustrating. Can you refund the seats we removed last week?",
        "@TasklaneHQ First of all, great product! Why do I see two charges on my credit card?",
        "Where can I download the invoice with our VAT number?",
        "Sorry.",
    )
    payload = {"topic": "Billing", "terms": TAXONOMY.topic("Billing").terms, "limit": 3}
    selection = ask("select_quotes", {**payload, "conversations": conversations}, QuoteSelection)
    texts = {c["id"]: c["text"] for c in conversations}
    assert sorted((q.conversation_id, q.text) for q in selection.quotes) == [
        ("c1", "Can you refund the seats we removed last week?"),
        ("c2", "Why do I see two charges on my credit card?"),
        ("c3", "Where can I download the invoice with our VAT number?"),
    ]
    assert all(q.text in texts[q.conversation_id] for q in selection.quotes)


def test_quotes_keep_to_the_limit_and_never_repeat_a_sentence():
    same = "Please refund the annual renewal, we meant to stay on monthly."
    conversations = items(same, same, "I need a receipt for the March payment, as a PDF.")
    payload = {"topic": "Billing", "terms": TAXONOMY.topic("Billing").terms, "limit": 2}
    selection = ask("select_quotes", {**payload, "conversations": conversations}, QuoteSelection)
    assert [q.text for q in selection.quotes] == [
        same,
        "I need a receipt for the March payment, as a PDF.",
    ]


@pytest.mark.parametrize(
    ("terms", "texts"),
    [
        ([], ["Do you send out stickers for our office wall?"]),  # Other: no terms
        (["refund"], []),  # no conversations
        (["refund"], ["Refund?", "Thanks for the quick refund, you're the best!"]),  # short, thanks
        (["refund"], ["The board view is slow and I am very angry about it."]),  # off topic
    ],
)
def test_no_quote_when_nothing_names_the_topic(terms, texts):
    payload = {"topic": "Billing", "terms": terms, "limit": 3, "conversations": items(*texts)}
    assert ask("select_quotes", payload, QuoteSelection).quotes == []


def test_a_request_without_terms_is_answered_without_quotes():
    payload = {"topic": "Billing", "conversations": items("Please refund the unused seats now.")}
    assert ask("select_quotes", payload, QuoteSelection).quotes == []


def test_the_more_specific_keyword_wins_a_tie():
    sub_topics = [s.model_dump() for s in TAXONOMY.topic("Data Export & Reporting").sub_topics]
    texts = items(
        "The weekly report email stopped arriving on Mondays.",  # "report" and "weekly report"
        "The burndown report shows the wrong numbers.",
        "Nothing here matches.",
    )
    payload = {"topic": "Data Export & Reporting", "sub_topics": sub_topics, "conversations": texts}
    labels = ask("classify_sub_topics", payload, SubTopicLabels).labels
    assert [label.sub_topic for label in labels] == [
        "Scheduled reports",
        "Reports & analytics",
        "General",
    ]


def test_topics_from_keywords_and_the_words_of_names_and_descriptions():
    topics = [t.model_dump(exclude={"sub_topics"}) for t in TAXONOMY.topics]
    texts = items(
        "Can I get my money back for March?",  # a keyword
        "Our subscription should be cancelled, not renewed.",  # "subscription", a description word
        "Who designed your logo?",
    )
    labels = ask("classify_topics", {"topics": topics, "conversations": texts}, TopicLabels).labels
    assert [label.topic for label in labels] == ["Billing", "Cancellation", "Other"]
    assert ask("classify_topics", {"topics": topics, "conversations": []}, TopicLabels).labels == []


def test_keywords_are_found_as_whole_words_phrases_included():
    text = "Re-export the CSV: the API key is in the report."
    keywords = ["export", "csv", "api key", "port", "key is", "reports"]
    assert keywords_found(text, keywords) == ["export", "csv", "api key", "key is"]
    assert keywords_found("", keywords) == [] and keywords_found(text, []) == []
