"""Agent 2: strip HTML, drop duplicates and redact PII before anything reaches a model."""

import re
from collections import Counter
from datetime import timedelta

from tasks.agent import agent
from tasks.models import CUSTOMER_AUTHORS, Conversation, Message, Preprocessed
from tasks.text import html_to_text

# Customers paste logs and dumps: every pattern runs in linear time on any input. A match
# may start only where its run starts (the lookbehinds), and possessive runs never give back
# what they took, so no starting point rescans the text after it.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]++@[\w-]++(?:\.[\w-]++)+")
CARD = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# The longest run of phone characters; `phone` below trims it to its last digit.
PHONE_RUN = re.compile(r"(?<![\w+])\+?\(?\d[\d ().-]*+")
NEAR_DUPLICATE_WINDOW = timedelta(minutes=10)
# A message longer than this is a pasted dump, not something a person wrote: it is cut
# before any model sees it, and counted.
MAX_MESSAGE_CHARS = 20_000


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def redact(text: str, counts: Counter) -> str:
    """Replace card numbers, e-mail addresses and phone numbers, counting each kind."""

    def card(match: re.Match[str]) -> str:
        if not _luhn_valid(re.sub(r"\D", "", match.group())):
            return match.group()
        counts["card"] += 1
        return "[card]"

    def phone(match: re.Match[str]) -> str:
        run = match.group()
        number = run.rstrip(" ().-")
        # E.164 numbers have at most 15 digits; longer runs are ids or order numbers.
        if not 9 <= sum(c.isdigit() for c in number) <= 15:
            return run
        counts["phone"] += 1
        return "[phone]" + run[len(number) :]

    def email(match: re.Match[str]) -> str:
        counts["email"] += 1
        return "[email]"

    text = CARD.sub(card, text)
    text = EMAIL.sub(email, text)
    return PHONE_RUN.sub(phone, text)


def bounded(text: str, counts: Counter) -> str:
    """The text cut at MAX_MESSAGE_CHARS, counting each cut."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    counts["truncated"] += 1
    return text[:MAX_MESSAGE_CHARS] + " [cut]"


def _clean(conversation: Conversation, counts: Counter) -> Conversation:
    # New records rather than `model_copy`, which would give each copy its own field set.
    messages = [
        Message(
            **{
                **dict(m),
                "text": redact(bounded(html_to_text(m.text), counts), counts),
                "author_name": None if m.author_type in CUSTOMER_AUTHORS else m.author_name,
            }
        )
        for m in conversation.messages
    ]
    return Conversation(**{**dict(conversation), "messages": messages, "customer_email": None})


def _resend_key(conversation: Conversation) -> tuple[tuple[str, ...], str] | None:
    """Its customers and the first message they wrote; None if no known customer wrote.

    An outbound message is one conversation per contact, all opening alike: they differ
    by customer, and one whose customer never answered is nobody's resend.
    """
    wrote = (m for m in conversation.messages if m.author_type in CUSTOMER_AUTHORS)
    first = next(wrote, None)
    if first is None or not conversation.customer_ids:
        return None
    return tuple(conversation.customer_ids), first.text.strip()


def deduplicate(conversations: list[Conversation]) -> list[Conversation]:
    """Drop repeated ids, and the same customers' same first message sent again within minutes."""
    kept: list[Conversation] = []
    seen_ids: set[str] = set()
    last_sent: dict[tuple[tuple[str, ...], str], Conversation] = {}
    for conversation in sorted(conversations, key=lambda c: (c.created_at, c.id)):
        key = _resend_key(conversation)
        earlier = last_sent.get(key) if key else None
        near = earlier and conversation.created_at - earlier.created_at <= NEAR_DUPLICATE_WINDOW
        if conversation.id in seen_ids or near:
            continue
        seen_ids.add(conversation.id)
        if key:
            last_sent[key] = conversation
        kept.append(conversation)
    return kept


@agent("preprocess")
def preprocess(conversations: list[Conversation]) -> Preprocessed:
    """Clean the conversations; the redaction counts say what was found."""
    unique = deduplicate(conversations)
    counts: Counter = Counter({"email": 0, "phone": 0, "card": 0})
    cleaned = [_clean(c, counts) for c in unique]
    truncated = counts.pop("truncated", 0)
    return Preprocessed(
        conversations=cleaned,
        duplicates_removed=len(conversations) - len(unique),
        redactions=dict(counts),
        messages_truncated=truncated,
    )
