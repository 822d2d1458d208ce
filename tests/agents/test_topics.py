"""Agents 4 and 5, topics and sub-topics: keywords first, the offline model for the rest."""

from tasks.per_topic import topic_texts
from tasks.sub_topics import sub_topics_for_topic
from tasks.taxonomy import load_taxonomy
from tasks.topics import topic_detection
from tests.agents.builders import LOCAL, conversation, percents, topics_of

TAXONOMY = load_taxonomy()
WEEK = [
    conversation("1", "I was charged twice for my invoice"),
    conversation("2", "Please refund the payment"),
    conversation("3", "I cannot log in, the password reset link is broken"),
    conversation("4", "The export to CSV fails"),
    # No keyword: left to the model, which matches the topic's name or nothing.
    conversation("5", "Mobile version looks odd"),
    conversation("6", "Hello there, what a lovely day"),
]


def test_each_conversation_gets_its_topic():
    found = topic_detection.fn(WEEK, TAXONOMY, LOCAL)
    assert found.assignments == {
        "1": "Billing",
        "2": "Billing",
        "3": "Login & Account Access",
        "4": "Data Export & Reporting",
        "5": "Mobile App",
        "6": "Other",
    }
    assert (found.by_keyword, found.by_llm) == (4, 2)


def test_the_topic_mix_sums_to_exactly_100():
    # 2/6 and four times 1/6: three tenths are missing, given to the first three
    # of the equal remainders in name order; Other keeps 16.6.
    assert percents(topic_detection.fn(WEEK, TAXONOMY, LOCAL).mix) == [
        ("Billing", 2, 33.3),
        ("Data Export & Reporting", 1, 16.7),
        ("Login & Account Access", 1, 16.7),
        ("Mobile App", 1, 16.7),
        ("Other", 1, 16.6),
    ]


def billing_sub_topics() -> list[dict]:
    return [s.model_dump() for s in TAXONOMY.topic("Billing").sub_topics]


def test_sub_topics_of_one_topic():
    texts = [
        {"id": "b1", "text": "I was charged twice this month"},
        {"id": "b2", "text": "Please refund me"},
        {"id": "b3", "text": "I want my money back, refund please"},
        {"id": "b4", "text": "Where do I change the VAT number on the invoice"},
        {"id": "b5", "text": "Hello"},
    ]
    found = sub_topics_for_topic.fn("Billing", texts, billing_sub_topics(), LOCAL)
    assert found.topic == "Billing"
    assert percents(found.mix) == [
        ("Refund request", 2, 40.0),
        ("Double charge", 1, 20.0),
        ("General", 1, 20.0),
        ("Invoices & receipts", 1, 20.0),
    ]


# How customers say they paid twice, beyond the taxonomy's "charged twice".
DOUBLE_CHARGES = [
    "You charged me twice this month",
    "Looks like you charged us twice after the upgrade",
    "I was charged two times for the same plan",
    "I got billed twice for November",
    "There is a double charge on my card",
    "You double-charged us",
    "I see a duplicate charge on my statement",
    "The payment went through twice",
]


def test_everyday_ways_of_saying_charged_twice_are_billing_double_charges():
    week = [conversation(str(n), text) for n, text in enumerate(DOUBLE_CHARGES)]
    found = topic_detection.fn(week, TAXONOMY, LOCAL)
    assert set(found.assignments.values()) == {"Billing"}
    assert found.by_llm == 0  # the keywords alone tell
    texts = [{"id": c.id, "text": c.customer_text} for c in week]
    sub = sub_topics_for_topic.fn("Billing", texts, billing_sub_topics(), LOCAL)
    assert percents(sub.mix) == [("Double charge", len(week), 100.0)]


def test_a_topic_without_sub_topics_is_all_general():
    found = sub_topics_for_topic.fn("Other", [{"id": "6", "text": "Hello"}], [], LOCAL)
    assert percents(found.mix) == [("General", 1, 100.0)]


def test_topic_texts_give_each_topic_its_customers_words():
    week = [
        conversation("1", "Refund please"),
        conversation("2", "Card declined"),
        conversation("3", "Password?"),
    ]
    topics = topics_of({"1": "Billing", "2": "Billing", "3": "Login"})
    assert topic_texts(topics, week) == {
        "Billing": [{"id": "1", "text": "Refund please"}, {"id": "2", "text": "Card declined"}],
        "Login": [{"id": "3", "text": "Password?"}],
    }
