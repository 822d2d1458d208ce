"""The customer's tone, read offline from their own words with VADER and complaint cues.

VADER scores every word it knows, and in a support message most of those words are not
feelings: "failed", "error", "wrong" name the problem, "please", "help", "like", "free",
"credit" are requests and products. A customer who writes "my card was declined, can you
help?" reports a problem calmly; one who writes "this is unacceptable, third time!!" is
angry. So the tone is read only from what expresses a feeling:

- courtesies (thanks, regards, "hope you're well", "have a great day") and greetings are
  left out: everyone writes them, whatever they feel;
- the words that name a fault, an action or a product are taken out of VADER's lexicon,
  and wishes ("it would be great if") are not praise;
- a question asks rather than feels, so it can only count against (a rhetorical one);
- complaint cues VADER does not know ("fed up", "ASAP", "third time", "!!", "considering
  alternatives") make the tone negative;
- otherwise the sentence with the strongest feeling decides, when it is strong enough.
"""

import re

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from tasks.text import sentences

# How strong a sentence's feeling (VADER's compound score) must be to set the tone.
FEELING = 0.5
# VADER's words that, in a support message, name a fault, a request or a product, not a feeling.
# fmt: off
NOT_FEELINGS = (
    # faults
    "error", "errors", "fail", "fails", "failed", "failing", "failure", "problem", "problems",
    "crash", "crashed", "broken", "wrong", "dead", "stuck", "lag", "warning", "denied",
    "rejected", "invalid", "expired", "mistake", "worse", "lost", "miss", "missing",
    # actions
    "stop", "stopped", "block", "blocked", "blocking", "kill", "killed", "cut", "drop", "drag",
    "cancel", "cancelled", "charge", "charged", "pay", "save", "saved", "share", "shared",
    "sharing", "play", "improve", "increase",
    # requests and answers
    "please", "help", "like", "want", "sure", "true", "no", "yes", "ok", "okay", "fine",
    # products and plans
    "support", "supported", "free", "credit", "top", "ready", "clear", "clean", "secure", "safe",
)
# fmt: on
COURTESY = re.compile(
    r"\b(thanks?|thx|cheers|appreciated?|regards|best wishes|sorry|welcome|hope you|"
    r"have a (good|great|nice|lovely)|you'?re the best)\b",
    re.IGNORECASE,
)
# A wish, from "would" to the end of its clause: "it would be super useful", "we'd love".
WISH = re.compile(r"(\bwould|'d|\bcould)\b[^.!?,;]*", re.IGNORECASE)
COMPLAINT = re.compile(
    r"fed up|unacceptable|ridiculous|outrageous|\basap\b|\burgent|immediately|yet again|"
    r"\b(second|third|fourth|fifth|\d+(st|nd|rd|th)) time\b|!!|\?!|\?\?|^seriously\?|"
    r"considering (alternatives|other|switching|leaving)|switch(ing)? to (another|a competitor)|"
    r"costing us|waste of|expect (a|an) (reply|response|answer|fix)|"
    r"took (long enough|ages|forever|days)|not (happy|impressed|acceptable)|nobody (cares|seems)|"
    r"disappoint|frustrat|annoy|furious|angry|terrible|awful|worst|useless|how hard can|"
    r"what a joke|\bfinally\b|can'?t believe|still waiting|keeps? (breaking|crashing|failing)",
    re.IGNORECASE,
)
_vader = SentimentIntensityAnalyzer()
for _word in NOT_FEELINGS:
    _vader.lexicon.pop(_word, None)


def label(score: float) -> str:
    """The label of a tone score: beyond FEELING either way, else neutral."""
    if score >= FEELING:
        return "positive"
    if score <= -FEELING:
        return "negative"
    return "neutral"


def felt(text: str) -> list[str]:
    """The text's sentences that can carry a feeling: greetings and courtesies left out."""
    return [s for s in sentences(text) if not COURTESY.search(s)]


def sentence_feeling(sentence: str) -> float:
    """VADER's compound score of one sentence, questions counting only when negative."""
    score = _vader.polarity_scores(WISH.sub(" ", sentence))["compound"]
    return min(score, 0.0) if sentence.rstrip("…").endswith("?") else score


def read_tone(text: str) -> tuple[str, float]:
    """The label and a score from -1 to 1 of the feeling in what the customer wrote."""
    kept = felt(text.replace("\u2019", "'"))  # "can’t" as VADER spells it
    strongest = max((sentence_feeling(s) for s in kept), key=abs, default=0.0)
    if any(COMPLAINT.search(s) for s in kept):
        strongest = min(strongest, -FEELING)
    return label(strongest), strongest
