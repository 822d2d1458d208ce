"""Generate the bundled sample of Intercom-style customer-support conversations.

Writes ``tasks/data/sample_conversations.json``: a synthetic but realistic
``conversation.list`` of Intercom REST API (version 2.11) conversation objects for
"Tasklane", a fictional project-management SaaS. It covers two full weeks, Monday
2026-11-09 to Sunday 2026-11-22 (UTC), with a billing spike and more login (SSO)
problems in the second week. It includes Fin (AI agent) and human-handled
conversations, ratings, reopens, PII to redact, Spanish/German/French messages,
ten off-topic questions no taxonomy keyword matches, two HTML-escaping traps,
12 exact duplicate entries (same id) and 6 near duplicates (same customer and first
message within two minutes). Every name, e-mail address, phone and card number is fake.

The texts and names it is made of (topics with their openers and replies, Fin's and
the team's phrases, the other languages, customers, companies, admins, tags) are in
``scripts/sample_templates.json``; this module holds how they are put together. They
are written so that the keywords in ``tasks/data/taxonomy.json`` occur in them;
re-check the taxonomy if you change the templates.

The output is deterministic (fixed seed, standard library only): re-run from the
repository root, and an unchanged generator rewrites the file byte for byte:

    .venv/bin/python scripts/generate_sample.py
    git diff --exit-code tasks/data/sample_conversations.json
"""

from __future__ import annotations

import json
import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache, cached_property
from pathlib import Path
from typing import Any

Json = dict[str, Any]

SEED = 20261109
OUT = Path(__file__).resolve().parent.parent / "tasks" / "data" / "sample_conversations.json"
TEMPLATES = Path(__file__).with_name("sample_templates.json")
START = datetime(2026, 11, 9, tzinfo=UTC)
DAY = 86400
WINDOW_END = int(START.timestamp()) + 14 * DAY - 1  # Sunday 2026-11-22 23:59:59
EXPORT_AT = WINDOW_END + 1 + 10 * 3600  # nothing happens after Monday 10:00 UTC
WEEK_COUNTS = (172, 180)
CUSTOMERS = 280  # English-speaking ones; a few more write in other languages
ODD_PER_WEEK = 5
FOREIGN_PER_LANGUAGE_PER_WEEK = 3
EXACT_DUPLICATES = 12
NEAR_DUPLICATES = 6
PII_SHARE = {"billing": 0.3}  # other topics: PII_DEFAULT
PII_DEFAULT = 0.16
DAY_WEIGHTS = (1.25, 1.2, 1.15, 1.1, 0.95, 0.35, 0.3)
HOUR_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 11, 10, 8, 6, 4, 3, 2, 2, 1)
# Fin outcomes are dealt from this 20-card deck: 35% / 25% / 35% / 5%.
FIN_OUTCOMES = (
    ("confirmed_resolution",) * 7
    + ("assumed_resolution",) * 5
    + ("routed_to_team",) * 7
    + ("abandoned",)
)
PAID_SHARE = 0.6


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


# --------------------------------------------------------------------------- helpers


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


# --------------------------------------------------------------------------- customers


def make_email(rng: random.Random, first: str, last: str, used: set[str]) -> str:
    first_a, last_a = first.lower(), last.lower().replace("'", "")
    local = pick(rng, (f"{first_a}.{last_a}", f"{first_a[0]}{last_a}", f"{first_a}.{last_a[0]}"))
    domain = "example.com" if rng.random() < 0.6 else "example.org"
    email, n = f"{local}@{domain}", 1
    while email in used:
        n += 1
        email = f"{local}{n}@{domain}"
    used.add(email)
    return email


def make_customer(rng: random.Random, name: str, email: str, language: str, paid: bool) -> Customer:
    plan = rng.choices(("Starter", "Pro", "Business"), (40, 40, 20))[0] if paid else "Free"
    return Customer(
        id=f"{rng.getrandbits(96):024x}",
        external_id=f"usr_{rng.randint(100000, 999999)}",
        name=name,
        email=email,
        company=pick(rng, tpl().companies),
        tier="paid" if paid else "free",
        plan=plan,
        language=language,
    )


def english_customers(rng: random.Random, count: int) -> list[Customer]:
    used: set[str] = set()
    paid = [i < round(count * PAID_SHARE) for i in range(count)]
    rng.shuffle(paid)
    people = []
    for is_paid in paid:
        first, last = pick(rng, tpl().first_names), pick(rng, tpl().last_names)
        email = make_email(rng, first, last, used)
        people.append(make_customer(rng, f"{first} {last}", email, "en", is_paid))
    return people


def foreign_customers(rng: random.Random) -> dict[str, list[Customer]]:
    plain = str.maketrans("áéíóúñüöäèç", "aeiounuoaec")
    result: dict[str, list[Customer]] = {}
    for language, names in tpl().foreign_customers.items():
        result[language] = []
        for name in names:
            local = name.lower().translate(plain).replace(" ", ".")
            domain = "example.com" if len(result[language]) % 2 else "example.org"
            paid = rng.random() < PAID_SHARE
            result[language].append(make_customer(rng, name, f"{local}@{domain}", language, paid))
    return result


# --------------------------------------------------------------------------- specs


def random_time(rng: random.Random, week: int) -> int:
    day = rng.choices(range(7), DAY_WEIGHTS)[0]
    hour = rng.choices(range(24), HOUR_WEIGHTS)[0]
    start = START + timedelta(days=7 * week + day, hours=hour)
    return int(start.timestamp()) + rng.randint(0, 3599)


def quota(weights: list[int], total: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder), so the mix is exact."""
    shares = [w * total / sum(weights) for w in weights]
    counts = [int(x) for x in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def topic_mix(rng: random.Random, week: int, total: int) -> list[tuple[str, str]]:
    """The week's (topic, sub-topic) pairs in the weekly proportions, shuffled."""
    mix = []
    for topic, n in zip(
        tpl().topics, quota([t.weights[week] for t in tpl().topics], total), strict=True
    ):
        subs = quota([s.weights[week] for s in topic.subs], n)
        mix += [
            (topic.key, sub.key) for sub, k in zip(topic.subs, subs, strict=True) for _ in range(k)
        ]
    rng.shuffle(mix)
    return mix


def week_specs(rng: random.Random, week: int, count: int) -> list[Spec]:
    times = sorted(random_time(rng, week) for _ in range(count))
    foreign = [(lang, i) for lang in tpl().languages for i in range(FOREIGN_PER_LANGUAGE_PER_WEEK)]
    special = rng.sample(range(count), ODD_PER_WEEK + len(foreign) + 1)
    odd_at = special[:ODD_PER_WEEK]
    foreign_at = dict(zip(special[ODD_PER_WEEK:-1], foreign, strict=True))
    mix = topic_mix(rng, week, count - len(special))
    specs = []
    for i, ts in enumerate(times):
        if i in odd_at:
            text = tpl().odd_questions[week * ODD_PER_WEEK + odd_at.index(i)]
            specs.append(Spec(ts, week, "odd", None, None, text))
        elif i in foreign_at:
            lang, n = foreign_at[i]
            topic, sub, text = (
                tpl().languages[lang].openers[week * FOREIGN_PER_LANGUAGE_PER_WEEK + n]
            )
            specs.append(Spec(ts, week, "foreign", topic, sub, text, lang))
        elif i == special[-1]:
            sub, text = tpl().xss_openers[week]
            specs.append(Spec(ts, week, "xss", "bugs", sub, text))
        else:
            specs.append(Spec(ts, week, "topic", *mix.pop()))
    return specs


# --------------------------------------------------------------------------- conversation


@dataclass
class Context:
    """Everything needed to write one conversation."""

    rng: random.Random
    ids: Ids
    deck: Deck
    spec: Spec
    customer: Customer
    channel: str
    tone: str
    slots: dict[str, str]
    body: str = ""
    pii: str | None = None
    pii_later: bool = False
    parts: list[Json] = field(default_factory=list)
    t: int = 0
    snoozed: bool = False
    reopens: int = 0
    fin_rating: int | None = None
    fin_remark: str | None = None

    @property
    def lang(self) -> Language | None:
        return tpl().languages.get(self.spec.language)

    @property
    def topic(self) -> Topic | None:
        return tpl().topic_by_key.get(self.spec.topic or "")

    @property
    def sub(self) -> Sub | None:
        return sub_of(self.spec.topic, self.spec.sub) if self.spec.topic and self.spec.sub else None

    @property
    def user(self) -> Json:
        c = self.customer
        return {"type": "user", "id": c.id, "name": c.name, "email": c.email}

    def add(
        self,
        kind: str,
        author: Json,
        body: str | None,
        delay: int = 0,
        assigned_to: Admin | None = None,
    ) -> None:
        self.t += delay
        self.parts.append(
            {
                "type": "conversation_part",
                "id": self.ids.next_part(),
                "part_type": kind,
                "body": body,
                "created_at": self.t,
                "updated_at": self.t,
                "notified_at": self.t,
                "assigned_to": {"type": "admin", "id": assigned_to.id} if assigned_to else None,
                "author": author,
                "attachments": [],
                "external_id": None,
                "redacted": False,
            }
        )

    def user_says(self, text: str, delay: int) -> None:
        if self.pii_later and self.pii:
            text, self.pii_later = f"{text} {self.pii}", False
        self.add("comment", self.user, p(text), delay)


def admin_author(admin: Admin) -> Json:
    return {"type": "admin", "id": admin.id, "name": admin.name, "email": admin.email}


def make_slots(rng: random.Random, customer: Customer, created_at: int) -> dict[str, str]:
    plan = customer.plan if customer.plan != "Free" else pick(rng, ("Starter", "Pro"))
    seats = rng.randint(2, 20)
    amount = tpl().plan_prices[plan] * seats * (12 if rng.random() < 0.3 else 1)
    earlier = datetime.fromtimestamp(created_at - rng.randint(1, 25) * DAY, UTC)
    action, action_cap = tpl().actions[rng.randrange(len(tpl().actions))]
    last = customer.name.split()[-1].lower().replace("'", "")
    slots = {key: pick(rng, values) for key, values in tpl().slot_values.items()}
    slots.update(
        {
            "first": customer.first,
            "name": customer.name,
            "company": customer.company,
            "workspace": customer.company,
            "ws_slug": f"{ascii_slug(customer.company)}-{rng.randint(100, 999)}",
            "plan": plan,
            "amount": f"${amount:,.2f}",
            "n": str(rng.choice((3, 5, 8, 12, 40, 250, 1800, 4200))),
            "invoice": f"INV-{rng.randint(10000, 99999)}",
            "date": f"{earlier:%B} {earlier.day}",
            "month": f"{earlier:%B}",
            "vat": f"{pick(rng, ('DE', 'GB', 'NL', 'IE'))}{rng.randint(100000000, 999999999)}",
            "action": action,
            "action_cap": action_cap,
            "ticket": str(rng.randint(1000, 9999)),
            "teammate": pick(rng, tpl().first_names),
            "shot": f"{rng.getrandbits(40):010x}",
            "phone": pick(rng, tpl().phones),
            "card": pick(rng, tpl().cards),
            "alt_email": f"{customer.first.lower()}.{last}{rng.randint(2, 99)}@example.org",
        }
    )
    return slots


def choose_tone(rng: random.Random, spec: Spec) -> str:
    weights = {"cancellation": (35, 55, 10), "features": (5, 55, 40), "performance": (35, 55, 10)}
    angry, neutral, happy = weights.get(spec.topic or "", (20, 58, 22))
    if spec.kind == "odd":
        angry = 0
    return rng.choices(("angry", "neutral", "happy"), (angry, neutral, happy))[0]


def opener_text(ctx: Context) -> str:
    if ctx.spec.text:
        return fill(ctx.spec.text, ctx.slots)
    openers = ctx.sub.openers
    text = fill(openers[ctx.deck.draw(f"{ctx.spec.topic}/{ctx.sub.key}", len(openers))], ctx.slots)
    in_incident = ctx.spec.week == 1 and ctx.spec.topic == "billing"
    if in_incident and ctx.rng.random() < 0.4:
        text += " " + tpl().week2_billing_line
    if ctx.rng.random() < 0.35:
        text += " " + fill(pick(ctx.rng, tpl().details[ctx.topic.details]), ctx.slots)
    return text


def customer_body(ctx: Context) -> str:
    rng = ctx.rng
    if ctx.lang:
        lang = ctx.lang
        return (
            p(lang.greeting) + p(fill(ctx.spec.text, ctx.slots)) + p(fill(lang.signoff, ctx.slots))
        )
    core = opener_text(ctx)
    if ctx.tone == "angry" and ctx.spec.kind != "xss":
        core = f"{pick(rng, tpl().angry_open)} {core} {pick(rng, tpl().angry_close)}"
    elif ctx.tone == "happy":
        core = f"{pick(rng, tpl().happy_open)} {core}"
    if ctx.channel == "twitter":
        return p(f"@TasklaneHQ {core}")
    paragraphs = [p(pick(rng, tpl().greetings))] if rng.random() < 0.65 else []
    paragraphs.append(p(core))
    if ctx.pii and not ctx.pii_later:
        paragraphs.append(p(ctx.pii))
    if ctx.tone == "happy" and rng.random() < 0.6:
        paragraphs.append(p(pick(rng, tpl().happy_close)))
    if ctx.channel == "email" or rng.random() < 0.35:
        paragraphs.append(p(fill(pick(rng, tpl().signoffs), ctx.slots)))
    return "".join(paragraphs)


def subject(ctx: Context) -> str:
    if ctx.channel != "email":
        return ""
    if ctx.spec.kind == "odd":
        return "Quick question"
    if ctx.lang:
        return {"es": "Consulta", "de": "Anfrage", "fr": "Demande"}[ctx.spec.language]
    return ctx.sub.subject if ctx.sub else ""


# --------------------------------------------------------------------------- replies


def admin_reply_body(ctx: Context, admin: Admin, text: str, greet: bool = True) -> str:
    slots = {**ctx.slots, "admin_first": admin.first}
    if ctx.lang:
        head = p(fill(ctx.lang.admin_greeting, slots)) if greet else ""
        return head + p(text)
    head = p(fill(pick(ctx.rng, tpl().admin_greetings), slots)) if greet else ""
    if greet and ctx.tone == "angry":
        head += p(pick(ctx.rng, tpl().apologies))
    sign = fill(pick(ctx.rng, tpl().admin_signoffs), slots)
    return head + p(fill(text, slots)) + (p(sign) if sign else "")


def first_reply_text(ctx: Context) -> str:
    if ctx.spec.kind == "odd":
        return pick(ctx.rng, tpl().odd_replies)
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.replies)
    return pick(ctx.rng, ctx.sub.replies)


def followup_text(ctx: Context) -> str:
    if ctx.spec.kind == "odd":
        return pick(ctx.rng, tpl().odd_followups)
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.followups)
    return pick(ctx.rng, ctx.topic.followups)


def resolution_text(ctx: Context) -> str:
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.resolutions)
    if ctx.spec.kind == "odd":
        return "Found out! I've sent you the details by email."
    return pick(ctx.rng, ctx.topic.resolutions)


def thanks_text(ctx: Context) -> str:
    if ctx.lang:
        return pick(ctx.rng, ctx.lang.thanks)
    return pick(ctx.rng, tpl().user_thanks_angry if ctx.tone == "angry" else tpl().user_thanks)


def note_text(ctx: Context) -> str:
    notes = tpl().generic_notes + (ctx.topic.notes if ctx.topic else ())
    return p(fill(pick(ctx.rng, notes), ctx.slots))


# --------------------------------------------------------------------------- flows


def choose_admin(rng: random.Random, language: str, exclude: Admin | None = None) -> Admin:
    if language != "en" and rng.random() < 0.85:
        return next(a for a in tpl().admins if a.language == language)
    pool = [a for a in tpl().admins if a is not exclude]
    return rng.choices(pool, [a.weight for a in pool])[0]


def fin_answer(ctx: Context) -> str:
    link = article(ctx.spec.topic, ctx.sub, ctx.spec.language)
    anchor = f'<a href="{link["url"]}">{link["title"]}</a>'
    if ctx.lang:
        return p(ctx.lang.fin_intro) + p(anchor)
    return p(pick(ctx.rng, tpl().fin_intros)) + p(ctx.sub.fin) + p(f"Read more: {anchor}")


def fin_flow(ctx: Context) -> str:
    """Fin answers first; returns the ai_agent resolution_state."""
    rng = ctx.rng
    state = FIN_OUTCOMES[ctx.deck.draw("fin", len(FIN_OUTCOMES))]
    ctx.add("comment", tpl().fin, fin_answer(ctx), rng.randint(3, 25))
    if rng.random() < 0.6:
        quick = ctx.lang.fin_quick if ctx.lang else pick(rng, tpl().fin_quick)
        ctx.add("quick_reply", tpl().fin, p(quick), rng.randint(1, 3))
    if state == "confirmed_resolution":
        confirm = pick(rng, ctx.lang.thanks) if ctx.lang else pick(rng, tpl().fin_confirm)
        ctx.user_says(confirm, user_delay(rng, 3))
        ctx.add("close", tpl().fin, None, rng.randint(2, 15))
    elif state == "assumed_resolution":
        ctx.add("close", tpl().fin, None, rng.randint(20 * 60, 3 * 3600))
    elif state == "abandoned":
        ctx.user_says(pick(rng, tpl().abandon_user), user_delay(rng, 2))
        ctx.add("comment", tpl().fin, p(pick(rng, tpl().fin_clarify)), rng.randint(3, 12))
        ctx.add("close", tpl().fin, None, rng.randint(3600, 6 * 3600))
    else:
        ctx.user_says(
            pick(rng, ctx.lang.unhappy if ctx.lang else tpl().fin_unhappy), user_delay(rng, 3)
        )
        handoff = ctx.lang.fin_handoff if ctx.lang else pick(rng, tpl().fin_handoff)
        ctx.add("comment", tpl().fin, p(handoff), rng.randint(3, 10))
        admin = choose_admin(rng, ctx.spec.language)
        ctx.add("assignment", tpl().fin, None, rng.randint(1, 4), assigned_to=admin)
        human_thread(ctx, admin)
    rate_fin(ctx, state)
    return state


def rate_fin(ctx: Context, state: str) -> None:
    rng = ctx.rng
    chance = {"confirmed_resolution": 0.5, "assumed_resolution": 0.15, "routed_to_team": 0.3}
    if rng.random() >= chance.get(state, 0):
        return
    ctx.fin_rating = rng.randint(4, 5) if state != "routed_to_team" else rng.randint(1, 3)
    if rng.random() < 0.4 and not ctx.lang:
        ctx.fin_remark = tpl().fin_rating_remarks[2 if ctx.fin_rating < 4 else rng.randint(0, 1)]


def human_flow(ctx: Context) -> None:
    """No Fin: an admin picks the conversation up and assigns it to themselves."""
    rng = ctx.rng
    admin = choose_admin(rng, ctx.spec.language)
    first_reply = ctx.t + admin_delay(rng, ctx.t, median_first(ctx))
    ctx.t = max(ctx.t + 5, first_reply - rng.randint(20, 600))
    ctx.add("assignment", admin_author(admin), None, assigned_to=admin)
    human_thread(ctx, admin, first_reply - ctx.t)


def median_first(ctx: Context) -> float:
    minutes = 25 if ctx.customer.tier == "paid" else 70
    return minutes / 2 if ctx.customer.plan == "Business" else minutes


def human_thread(ctx: Context, admin: Admin, delay: int | None = None) -> None:
    rng = ctx.rng
    if delay is None:
        delay = admin_delay(rng, ctx.t, median_first(ctx))
    outcome = rng.choices(
        ("quick", "back_forth", "snoozed", "waiting", "unresolved"), (46, 34, 5, 7, 8)
    )[0]
    if ctx.spec.kind == "odd" and outcome == "unresolved":
        outcome = "quick"
    if rng.random() < 0.2:
        ctx.add("note", admin_author(admin), note_text(ctx), max(0, delay - rng.randint(60, 400)))
        delay = rng.randint(60, 400)
    if outcome == "snoozed":
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, pick(rng, tpl().snooze_asks)),
            delay,
        )
        ctx.snoozed = True
        return
    ctx.add(
        "comment", admin_author(admin), admin_reply_body(ctx, admin, first_reply_text(ctx)), delay
    )
    if rng.random() < 0.1:
        admin = hand_over(ctx, admin)
    if outcome == "waiting":
        ctx.user_says(followup_text(ctx), user_delay(rng))
        return
    if outcome == "unresolved":
        text = tpl().unresolved[0] if not ctx.lang else ctx.lang.replies[0]
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, text, False),
            rng.randint(600, 3 * 3600),
        )
        ctx.add("close", admin_author(admin), None, rng.randint(5, 60))
        return
    if outcome == "back_forth":
        ctx.user_says(followup_text(ctx), user_delay(rng))
        ctx.add(
            "comment",
            admin_author(admin),
            admin_reply_body(ctx, admin, resolution_text(ctx), False),
            admin_delay(rng, ctx.t, 12),
        )
    finish(ctx, admin)


def hand_over(ctx: Context, admin: Admin) -> Admin:
    rng = ctx.rng
    other = choose_admin(rng, "en", exclude=admin)
    note = fill(pick(rng, tpl().handover_notes), {"other": other.first})
    ctx.add("note", admin_author(admin), p(note), rng.randint(30, 600))
    ctx.add("assignment", admin_author(admin), None, rng.randint(2, 20), assigned_to=other)
    return other


def finish(ctx: Context, admin: Admin) -> None:
    rng = ctx.rng
    if rng.random() < 0.8:
        ctx.user_says(thanks_text(ctx), user_delay(rng, 6))
        if rng.random() < 0.3 and not ctx.lang:
            ctx.add(
                "comment",
                admin_author(admin),
                p(pick(rng, tpl().admin_wrapups)),
                rng.randint(30, 600),
            )
    ctx.add("close", admin_author(admin), None, rng.randint(20, 1800))
    reopen_chance = 0.18 if ctx.spec.topic in ("bugs", "login") else 0.08
    if ctx.spec.kind != "odd" and rng.random() < reopen_chance:
        reopen(ctx, admin)
        if rng.random() < 0.15:
            reopen(ctx, admin)


def reopen(ctx: Context, admin: Admin) -> None:
    rng = ctx.rng
    ctx.add("open", ctx.user, None, rng.randint(2 * 3600, 3 * DAY))
    ctx.user_says(pick(rng, tpl().reopen_texts) if not ctx.lang else ctx.lang.reopen, 0)
    text = pick(rng, tpl().reopen_replies) if not ctx.lang else ctx.lang.resolutions[0]
    ctx.add(
        "comment",
        admin_author(admin),
        admin_reply_body(ctx, admin, text),
        admin_delay(rng, ctx.t, 20),
    )
    ctx.add("close", admin_author(admin), None, rng.randint(20, 1800))
    ctx.reopens += 1


# --------------------------------------------------------------------------- assembly


def statistics_for(created: int, parts: list[Json]) -> Json:
    def first(kind: str, author: str | None = None) -> int | None:
        times = [
            x["created_at"]
            for x in parts
            if x["part_type"] == kind and (author is None or x["author"]["type"] == author)
        ]
        return times[0] if times else None

    def since(ts: int | None) -> int | None:
        return None if ts is None else ts - created

    closes = [x["created_at"] for x in parts if x["part_type"] == "close"]
    assigned, replied = first("assignment"), first("comment", "admin")
    return {
        "type": "conversation_statistics",
        "time_to_assignment": since(assigned),
        "time_to_admin_reply": since(replied),
        "time_to_first_close": since(closes[0] if closes else None),
        "time_to_last_close": since(closes[-1] if closes else None),
        "median_time_to_reply": median_reply(created, parts),
        "first_contact_reply_at": created,
        "first_assignment_at": assigned,
        "first_admin_reply_at": replied,
        "first_close_at": closes[0] if closes else None,
        "last_close_at": closes[-1] if closes else None,
        "count_reopens": sum(x["part_type"] == "open" for x in parts),
        "count_assignments": sum(x["part_type"] == "assignment" for x in parts),
        "count_conversation_parts": len(parts),
    }


def median_reply(created: int, parts: list[Json]) -> int | None:
    """Median seconds from a customer message to the admin reply that answered it."""
    waiting: int | None = created
    gaps = []
    for x in parts:
        if x["part_type"] != "comment":
            continue
        if x["author"]["type"] == "user" and waiting is None:
            waiting = x["created_at"]
        elif x["author"]["type"] == "admin" and waiting is not None:
            gaps.append(x["created_at"] - waiting)
            waiting = None
    return int(statistics.median(gaps)) if gaps else None


def last_admin(parts: list[Json]) -> str | None:
    admins = [
        x["author"]["id"]
        for x in parts
        if x["author"]["type"] == "admin" and x["part_type"] in ("comment", "close")
    ]
    return admins[-1] if admins else None


def make_rating(ctx: Context, state: str, fin_state: str | None, stats: Json) -> Json | None:
    rng = ctx.rng
    if state != "closed" or rng.random() > 0.45:
        return None
    base = {"confirmed_resolution": 4.7, "assumed_resolution": 3.9, "routed_to_team": 4.1}
    score = base.get(fin_state or "", 2.2 if fin_state else 4.5)
    reply = stats["time_to_admin_reply"]
    if reply is not None:
        score += 0.3 if reply < 1800 else -1.0 if reply > 4 * 3600 else 0
        score -= 0.8 if reply > 12 * 3600 else 0
    score -= 1.2 * ctx.reopens + (0.8 if ctx.tone == "angry" else 0)
    score += (0.3 if ctx.tone == "happy" else 0) + rng.gauss(0, 0.7)
    rating = min(5, max(1, round(score)))
    created = (stats["last_close_at"] or ctx.t) + rng.randint(30, 3600)
    if created > EXPORT_AT:
        return None
    remark = None
    if rng.random() < 0.55:
        if ctx.lang:
            remark = ctx.lang.remark if rating >= 4 else None
        else:
            remark = pick(rng, tpl().rating_remarks[str(rating)])
    admin_id = last_admin(ctx.parts)
    return {
        "rating": rating,
        "remark": remark,
        "created_at": created,
        "contact": {"type": "contact", "id": ctx.customer.id},
        "teammate": {"type": "admin", "id": admin_id} if admin_id else None,
    }


def ai_agent(ctx: Context, fin_state: str | None) -> Json | None:
    if fin_state is None:
        return None
    no_answer = fin_state == "abandoned" and ctx.rng.random() < 0.5
    return {
        "source_type": "workflow" if ctx.rng.random() < 0.7 else "essentials_plan_setup",
        "source_title": "Fin",
        "last_answer_type": None if no_answer else "ai_answer",
        "resolution_state": fin_state,
        "rating": ctx.fin_rating,
        "rating_remark": ctx.fin_remark,
        "content_sources": {
            "type": "content_source.list",
            "total_count": 1,
            "content_sources": [article(ctx.spec.topic, ctx.sub, ctx.spec.language)],
        },
    }


def tags_for(ctx: Context, priority: bool, human: bool) -> list[Json]:
    rng = ctx.rng
    names = []
    topic_tag = tpl().topic_tags.get(ctx.spec.topic or "")
    if ctx.spec.sub == "refund":
        topic_tag = "Refund"
    elif ctx.spec.sub in ("sso", "outage"):
        topic_tag = {"sso": "SSO", "outage": "Outage"}[ctx.spec.sub]
    if topic_tag and rng.random() < (0.6 if human else 0.15):
        names.append(topic_tag)
    if ctx.customer.plan == "Business" and rng.random() < 0.4:
        names.append("VIP")
    if ctx.reopens or (priority and human and rng.random() < 0.5):
        names.append("Escalated")
    return [{"type": "tag", "id": tpl().tags[n], "name": n} for n in names]


def truncate_at_export(ctx: Context) -> str:
    """Drop what would happen after the export; return the conversation state."""
    kept = [x for x in ctx.parts if x["created_at"] <= EXPORT_AT]
    cut = len(kept) < len(ctx.parts)
    ctx.parts = kept
    ctx.reopens = sum(x["part_type"] == "open" for x in kept)
    if ctx.snoozed and not cut:
        return "snoozed"
    return "closed" if kept and kept[-1]["part_type"] == "close" else "open"


def assemble(ctx: Context, conversation_id: str, fin_state: str | None) -> Json:
    state = truncate_at_export(ctx)
    parts, created = ctx.parts, ctx.spec.created_at
    stats = statistics_for(created, parts)
    rating = make_rating(ctx, state, fin_state, stats)
    assignments = [x for x in parts if x["part_type"] == "assignment"]
    assignee = assignments[-1]["assigned_to"]["id"] if assignments else None
    human = assignee is not None
    priority = human and (
        (ctx.customer.plan == "Business" and ctx.rng.random() < 0.35)
        or (ctx.tone == "angry" and ctx.rng.random() < 0.25)
        or ctx.spec.sub == "outage"
    )
    admin_ids = []
    for x in parts:
        if x["author"]["type"] == "admin" and x["author"]["id"] not in admin_ids:
            admin_ids.append(x["author"]["id"])
    team = tpl().teams[ctx.topic.team if ctx.topic else "support"] if human else None
    updated = max(
        [created] + [x["created_at"] for x in parts] + ([rating["created_at"]] if rating else [])
    )
    return {
        "type": "conversation",
        "id": conversation_id,
        "created_at": created,
        "updated_at": updated,
        "waiting_since": None,
        "state": state,
        "open": state != "closed",
        "read": True,
        "priority": "priority" if priority else "not_priority",
        "title": None,
        "source": source(ctx),
        "contacts": {
            "type": "contact.list",
            "contacts": [
                {"type": "contact", "id": ctx.customer.id, "external_id": ctx.customer.external_id}
            ],
        },
        "teammates": {
            "type": "admin.list",
            "admins": [{"type": "admin", "id": a} for a in admin_ids],
        },
        "admin_assignee_id": int(assignee) if assignee else None,
        "team_assignee_id": team,
        "custom_attributes": {
            "tier": ctx.customer.tier,
            "plan": ctx.customer.plan,
            "language": ctx.customer.language,
        },
        "tags": {"type": "tag.list", "tags": tags_for(ctx, priority, human)},
        "conversation_rating": rating,
        "statistics": stats,
        "ai_agent_participated": fin_state is not None,
        "ai_agent": ai_agent(ctx, fin_state),
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
    }


def source(ctx: Context) -> Json:
    return {
        "type": ctx.channel,
        "id": ctx.ids.next_source(),
        "delivered_as": "customer_initiated",
        "subject": subject(ctx),
        "body": ctx.body,
        "author": ctx.user,
        "attachments": [],
        "url": None,
        "redacted": False,
    }


def choose_channel(rng: random.Random, spec: Spec) -> str:
    if spec.kind in ("xss", "foreign"):
        return "conversation" if spec.kind == "xss" or rng.random() < 0.7 else "email"
    return rng.choices(("conversation", "email", "twitter"), (78, 17, 5))[0]


def choose_pii(ctx: Context) -> None:
    rng = ctx.rng
    share = PII_SHARE.get(ctx.spec.topic or "", PII_DEFAULT)
    if ctx.spec.kind != "topic" or ctx.channel == "twitter" or rng.random() >= share:
        return
    kinds = ("card", "phone", "email") if ctx.spec.topic == "billing" else ("phone", "email")
    kind = rng.choices(kinds, (60, 25, 15)[: len(kinds)])[0]
    ctx.pii = fill(pick(rng, tpl().pii[kind]), ctx.slots)
    ctx.pii_later = rng.random() < 0.25


def uses_fin(rng: random.Random, ctx: Context) -> bool:
    if ctx.spec.kind in ("odd", "xss") or ctx.channel == "twitter":
        return False
    return rng.random() < (0.7 if ctx.channel == "conversation" else 0.4)


def build(rng: random.Random, ids: Ids, deck: Deck, spec: Spec, customer: Customer) -> Json:
    channel = choose_channel(rng, spec)
    ctx = Context(
        rng,
        ids,
        deck,
        spec,
        customer,
        channel,
        choose_tone(rng, spec),
        make_slots(rng, customer, spec.created_at),
        t=spec.created_at,
    )
    choose_pii(ctx)
    ctx.body = customer_body(ctx)
    conversation_id = ids.next_conversation()
    fin_state = fin_flow(ctx) if uses_fin(rng, ctx) else None
    if fin_state is None:
        human_flow(ctx)
    if ctx.pii and ctx.pii_later:  # the customer never wrote again: keep it in the first message
        ctx.body += p(f"P.S. {ctx.pii}")
    return assemble(ctx, conversation_id, fin_state)


def near_duplicate(rng: random.Random, ids: Ids, original: Json, customer: Customer) -> Json:
    """The same opening message again from the same customer, within two minutes."""
    created = min(original["created_at"] + rng.randint(30, 110), WINDOW_END)
    spec = Spec(created, 1 if created > WINDOW_END - 7 * DAY else 0, "near", None, None)
    ctx = Context(
        rng,
        ids,
        Deck(rng),
        spec,
        customer,
        original["source"]["type"],
        "neutral",
        {},
        body=original["source"]["body"],
        t=created,
    )
    admin = choose_admin(rng, customer.language)
    ctx.t += admin_delay(rng, ctx.t, 20)
    ctx.add("assignment", admin_author(admin), None, assigned_to=admin)
    ctx.add("comment", admin_author(admin), p(tpl().near_duplicate_reply), rng.randint(10, 90))
    ctx.add("close", admin_author(admin), None, rng.randint(3, 30))
    conversation = assemble(ctx, str(int(original["id"]) + 1), None)
    conversation["source"]["subject"] = original["source"]["subject"]
    conversation["conversation_rating"] = None
    conversation["tags"]["tags"] = [
        {"type": "tag", "id": tpl().tags["Duplicate"], "name": "Duplicate"}
    ]
    return conversation


# --------------------------------------------------------------------------- main


def generate(
    seed: int = SEED, week_counts: tuple[int, int] = WEEK_COUNTS, customers: int = CUSTOMERS
) -> Json:
    """The two weeks' `conversation.list`; other counts make larger data sets (benchmarks)."""
    rng = random.Random(seed)
    ids, deck = Ids(rng), Deck(rng)
    people = english_customers(rng, customers)
    foreign = foreign_customers(rng)
    weeks = week_specs(rng, 0, week_counts[0]) + week_specs(rng, 1, week_counts[1])
    specs = sorted(weeks, key=lambda s: s.created_at)
    conversations: list[Json] = []
    owners: dict[str, Customer] = {}
    for spec in specs:
        if spec.kind == "foreign":
            customer = foreign[spec.language].pop(0)
        else:
            customer = pick_customer(rng, people)
        conversation = build(rng, ids, deck, spec, customer)
        owners[conversation["id"]] = customer
        conversations.append(conversation)
    conversations = add_near_duplicates(rng, ids, conversations, owners)
    return {"type": "conversation.list", "conversations": add_exact_duplicates(rng, conversations)}


def pick_customer(rng: random.Random, people: list[Customer]) -> Customer:
    return people[rng.randrange(len(people))]


def add_near_duplicates(
    rng: random.Random, ids: Ids, conversations: list[Json], owners: dict[str, Customer]
) -> list[Json]:
    candidates = [
        c
        for c in conversations
        if c["custom_attributes"]["language"] == "en"
        and c["source"]["type"] != "twitter"
        and "&lt;" not in c["source"]["body"]
        and c["created_at"] + 120 < WINDOW_END
    ]
    originals = rng.sample(candidates, NEAR_DUPLICATES)
    extra = [near_duplicate(rng, ids, c, owners[c["id"]]) for c in originals]
    return sorted(conversations + extra, key=lambda c: (c["created_at"], int(c["id"])))


def add_exact_duplicates(rng: random.Random, conversations: list[Json]) -> list[Json]:
    """Repeat some conversations a few positions later, as an overlapping page would."""
    chosen = sorted(rng.sample(range(len(conversations)), EXACT_DUPLICATES), reverse=True)
    result = list(conversations)
    for index in chosen:
        copy = json.loads(json.dumps(conversations[index]))
        result.insert(min(len(result), index + 1 + rng.randint(0, 20)), copy)
    return result


def main() -> None:
    data = generate()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.write("\n")
    entries = data["conversations"]
    distinct = len({c["id"] for c in entries})
    print(f"wrote {len(entries)} conversations ({distinct} distinct ids) to {OUT}")


if __name__ == "__main__":
    main()
