"""The evaluation's metrics on hand-made labels, degenerate cases included."""

import pytest

from tasks import metrics
from tasks.metrics import QuoteRef

IDS = ["1", "2", "3", "4"]
TRUE = {"1": "Billing", "2": "Billing", "3": "Login", "4": "Bugs"}


def test_accuracy_counts_a_conversation_without_a_prediction_as_a_miss():
    predicted = {"1": "Billing", "2": "Login", "3": "Login"}
    assert metrics.accuracy(TRUE, predicted, IDS) == 0.5
    assert metrics.accuracy(TRUE, TRUE, IDS) == 1.0
    assert metrics.accuracy(TRUE, predicted, []) is None


def test_macro_f1_weighs_each_topic_alike():
    predicted = {"1": "Billing", "2": "Billing", "3": "Login", "4": "Login"}
    # Billing 1.0; Login: precision 1/2, recall 1 -> 2/3; Bugs: never found -> 0.
    assert metrics.macro_f1(TRUE, predicted, IDS) == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert metrics.macro_f1(TRUE, TRUE, IDS) == 1.0
    assert metrics.macro_f1(TRUE, predicted, []) is None


def test_a_model_that_answers_one_label_for_everything():
    one = dict.fromkeys(IDS, "Billing")
    assert metrics.accuracy(TRUE, one, IDS) == 0.5
    # Billing: precision 2/4, recall 1 -> 2/3; Login and Bugs: 0.
    assert metrics.macro_f1(TRUE, one, IDS) == pytest.approx(2 / 9)
    assert metrics.mix_errors(TRUE, one, IDS) == {"Billing": 50.0, "Bugs": 25.0, "Login": 25.0}
    assert metrics.confusion({"1": "negative", "2": "positive"}, dict.fromkeys("12", "neutral"),
                             ["1", "2"]) == {
        "negative": {"negative": 0, "neutral": 1, "positive": 0},
        "neutral": {"negative": 0, "neutral": 0, "positive": 0},
        "positive": {"negative": 0, "neutral": 1, "positive": 0},
    }  # fmt: skip


def test_an_empty_topic_does_not_count_and_an_only_predicted_one_does():
    # "Cancellation" has no conversation at all: not a class. "Login" only predicted: F1 0.
    predicted = {"1": "Billing", "2": "Login"}
    truth = {"1": "Billing", "2": "Billing"}
    assert metrics.macro_f1(truth, predicted, ["1", "2"]) == pytest.approx((2 / 3 + 0) / 2)
    assert metrics.mix_errors(truth, predicted, ["1", "2"]) == {"Billing": 50.0, "Login": 50.0}
    assert metrics.mix_errors(truth, predicted, []) == {}


def test_a_label_the_taxonomy_lacks_is_a_miss_not_a_crash():
    truth = {"1": "Shipping", "2": "Billing"}
    predicted = {"1": "Other", "2": "Billing"}
    assert metrics.accuracy(truth, predicted, ["1", "2"]) == 0.5
    assert metrics.macro_f1(truth, predicted, ["1", "2"]) == pytest.approx(1 / 3)


def test_sub_topic_accuracy_counts_only_conversations_whose_topic_was_right():
    true_subs = {"1": "Refund", "2": "Invoice", "3": "SSO", "4": None}
    predicted_topics = {"1": "Billing", "2": "Billing", "3": "Bugs", "4": "Bugs"}
    predicted_subs = {"1": "Refund", "2": "Refund", "3": "SSO", "4": None}
    # 3 is wrong on topic (not scored, though its sub-topic matches); of 1, 2, 4: 1 and 4.
    value = metrics.sub_topic_accuracy(TRUE, true_subs, predicted_topics, predicted_subs, IDS)
    assert value == pytest.approx(2 / 3)
    nothing_right = dict.fromkeys(IDS, "Other")
    assert metrics.sub_topic_accuracy(TRUE, true_subs, nothing_right, {}, IDS) is None


def test_sentiment_confusion_has_a_column_for_conversations_left_unlabelled():
    truth = {"1": "negative", "2": "negative", "3": "positive"}
    predicted = {"1": "negative", "2": "positive"}
    assert metrics.accuracy(truth, predicted, ["1", "2", "3"]) == pytest.approx(1 / 3)
    assert metrics.confusion(truth, predicted, ["1", "2", "3"]) == {
        "negative": {"negative": 1, "neutral": 0, "positive": 1, "none": 0},
        "neutral": {"negative": 0, "neutral": 0, "positive": 0, "none": 0},
        "positive": {"negative": 0, "neutral": 0, "positive": 0, "none": 1},
    }


KEYWORDS = {"Billing": ["invoice", "charged twice"], "Login": ["password", "sso"]}


@pytest.mark.parametrize(
    ("quote", "relevant"),
    [
        (QuoteRef("Billing", "1", "I was charged twice this month."), True),
        (QuoteRef("Billing", "1", "The INVOICE is wrong"), True),  # case does not matter
        (QuoteRef("Billing", "1", "This is really frustrating."), False),  # no term
        (QuoteRef("Billing", "1", "Invoices everywhere"), False),  # whole words only
        (QuoteRef("Login", "1", "My password fails"), False),  # conversation is Billing
        (QuoteRef("Other", "5", "Do you have a mobile app?"), False),  # no terms at all
    ],
)
def test_a_quote_is_relevant_when_its_conversation_is_of_its_topic_and_names_it(quote, relevant):
    truth = {"1": "Billing", "5": "Other"}
    assert metrics.is_relevant(quote, truth, KEYWORDS) is relevant


def test_quote_relevance_is_the_share_of_relevant_quotes():
    truth = {"1": "Billing", "3": "Login"}
    quotes = [
        QuoteRef("Billing", "1", "Refund the invoice"),
        QuoteRef("Login", "3", "SSO is down"),
        QuoteRef("Login", "3", "Please help"),
    ]
    assert metrics.quote_relevance(quotes, truth, KEYWORDS) == pytest.approx(2 / 3)
    assert metrics.quote_relevance([], truth, KEYWORDS) is None
