"""The sample generator's material: ``sample_templates.json`` read into dataclasses,
the calendar it is set in, and small text and timing helpers.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

START = datetime(2026, 11, 9, tzinfo=UTC)
DAY = 86400
WINDOW_END = int(START.timestamp()) + 14 * DAY - 1  # Sunday 2026-11-22 23:59:59
EXPORT_AT = WINDOW_END + 1 + 10 * 3600  # nothing happens after Monday 10:00 UTC
# Fin outcomes are dealt from this 20-card deck: 35% / 25% / 35% / 5%.
FIN_OUTCOMES = (
    ("confirmed_resolution",) * 7
    + ("assumed_resolution",) * 5
    + ("routed_to_team",) * 7
    + ("abandoned",)
)
TEMPLATES = Path(__file__).with_name("sample_templates.json")
Json = dict[str, Any]


@dataclass(frozen=True)
class Sub:
    """A sub-topic: what customers write and how Fin and the team answer."""

    key: str
    weights: tuple[int, int]
    subject: str
    openers: tuple[str, ...]
    fin: str
    article: str
    replies: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """A topic with its sub-topics and the texts shared by them."""

    key: str
    weights: tuple[int, int]
    team: str
    details: str
    subs: tuple[Sub, ...]
    followups: tuple[str, ...]
    resolutions: tuple[str, ...]
    notes: tuple[str, ...]


@dataclass(frozen=True)
class Language:
    """Texts for a non-English conversation."""

    greeting: str
    signoff: str
    admin_greeting: str
    fin_intro: str
    fin_quick: str
    fin_handoff: str
    thanks: tuple[str, ...]
    unhappy: tuple[str, ...]
    replies: tuple[str, ...]
    followups: tuple[str, ...]
    resolutions: tuple[str, ...]
    remark: str
    reopen: str
    openers: tuple[tuple[str, str, str], ...]


@dataclass(frozen=True)
class Admin:
    """A teammate who answers conversations."""

    id: str
    name: str
    weight: int
    language: str

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def email(self) -> str:
        return self.name.lower().replace(" ", ".") + "@example.com"


@dataclass
class Customer:
    """A contact who writes in."""

    id: str
    external_id: str
    name: str
    email: str
    company: str
    tier: str
    plan: str
    language: str

    @property
    def first(self) -> str:
        return self.name.split()[0]


@dataclass(frozen=True)
class Spec:
    """What one conversation is about, before it is written."""

    created_at: int
    week: int
    kind: str  # topic | odd | foreign | xss
    topic: str | None
    sub: str | None
    text: str | None = None
    language: str = "en"


class Deck:
    """Deals template indexes in shuffled rounds, so every template gets used."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.left: dict[str, list[int]] = {}

    def draw(self, key: str, size: int) -> int:
        if not self.left.get(key):
            order = list(range(size))
            self.rng.shuffle(order)
            self.left[key] = order
        return self.left[key].pop()


class Ids:
    """Increasing numeric-string ids for conversations, sources and parts."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.conversation = 215470311000
        self.source = 2046183000
        self.part = 29480310000

    def next_conversation(self) -> str:
        self.conversation += self.rng.randint(3, 60)
        return str(self.conversation)

    def next_source(self) -> str:
        self.source += self.rng.randint(1, 40)
        return str(self.source)

    def next_part(self) -> str:
        self.part += self.rng.randint(1, 25)
        return str(self.part)


@dataclass(frozen=True)
class Templates:
    """The texts and names of ``sample_templates.json``: what conversations are made of."""

    topics: tuple[Topic, ...]
    languages: dict[str, Language]
    admins: tuple[Admin, ...]
    texts: dict[str, Any]

    @cached_property
    def topic_by_key(self) -> dict[str, Topic]:
        return {t.key: t for t in self.topics}

    @cached_property
    def sub_index(self) -> dict[tuple[str, str], int]:
        pairs = ((t.key, s.key) for t in self.topics for s in t.subs)
        return {pair: i for i, pair in enumerate(pairs)}

    def __getattr__(self, name: str) -> Any:
        try:
            return self.texts[name]
        except KeyError:
            raise AttributeError(name) from None


def frozen(value: Any) -> Any:
    """JSON lists as tuples, all the way down: the templates are never changed."""
    if isinstance(value, list):
        return tuple(frozen(v) for v in value)
    if isinstance(value, dict):
        return {k: frozen(v) for k, v in value.items()}
    return value


@cache
def tpl() -> Templates:
    """The templates, read once."""
    data = frozen(json.loads(TEMPLATES.read_text(encoding="utf-8")))
    topics = tuple(
        Topic(**{**t, "subs": tuple(Sub(**s) for s in t["subs"])}) for t in data.pop("topics")
    )
    languages = {k: Language(**v) for k, v in data.pop("languages").items()}
    admins = tuple(Admin(**a) for a in data.pop("admins"))
    return Templates(topics, languages, admins, data)


def p(text: str) -> str:
    return f"<p>{text}</p>"


def fill(template: str, slots: dict[str, str]) -> str:
    return template.format_map(slots)


def ascii_slug(text: str) -> str:
    cleaned = text.replace("&amp;", "and").lower()
    return "-".join("".join(c if c.isalnum() else " " for c in cleaned).split())


def article(topic: str, sub: Sub, language: str) -> Json:
    number = 9120400 + tpl().sub_index[(topic, sub.key)] * 37
    return {
        "content_type": "article",
        "url": f"https://help.example.com/{language}/articles/{number}-{ascii_slug(sub.article)}",
        "title": sub.article,
        "locale": language,
    }


def sub_of(topic: str, key: str) -> Sub:
    return next(s for s in tpl().topic_by_key[topic].subs if s.key == key)


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def working_time(rng: random.Random, ts: int) -> int:
    """The moment, at or after `ts`, when someone on the team picks the message up."""
    moment = datetime.fromtimestamp(ts, UTC)
    if moment.weekday() < 5 and 7 <= moment.hour < 20:
        return ts
    day = moment.replace(hour=7, minute=0, second=0)
    if moment.hour >= 7 or moment.weekday() >= 5:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return int(day.timestamp()) + rng.randint(300, 3600)


def admin_delay(rng: random.Random, now: int, median_minutes: float) -> int:
    delay = max(40, int(rng.lognormvariate(math.log(median_minutes * 60), 0.9)))
    return working_time(rng, now + delay) - now


def user_delay(rng: random.Random, median_minutes: float = 8) -> int:
    return max(20, int(rng.lognormvariate(math.log(median_minutes * 60), 1.0)))
