"""Generate the bundled sample of Intercom-style customer-support conversations.

Writes ``tasks/data/sample_conversations.json``, and beside it the truth each conversation
was generated from (``sample_conversations.labels.json``: topic, sub-topic, the customer's
sentiment, Fin's outcome, per conversation id, for ``voc eval``): a synthetic but realistic
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
``scripts/sample_templates.json``. This module decides who writes when about what and
adds the duplicates; ``sample_texts.py`` reads the templates, ``sample_thread.py``
writes each conversation's thread and ``sample_intercom.py`` assembles it into an
Intercom conversation object. The texts are written so that the keywords in
``tasks/data/taxonomy.json`` occur in them; re-check the taxonomy if you change them.

The output is deterministic (fixed seed, standard library only): re-run from the
repository root, and an unchanged generator rewrites the file byte for byte:

    .venv/bin/python scripts/generate_sample.py
    git diff --exit-code tasks/data/sample_conversations.json
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from sample_intercom import assemble
from sample_texts import (
    DAY,
    START,
    WINDOW_END,
    Customer,
    Deck,
    Ids,
    Json,
    Spec,
    admin_delay,
    fill,
    p,
    pick,
    tpl,
)
from sample_thread import (
    Context,
    admin_author,
    choose_admin,
    choose_tone,
    customer_body,
    fin_flow,
    human_flow,
    make_slots,
)

SEED = 20261109
DATA = Path(__file__).resolve().parent.parent / "tasks" / "data"
OUT = DATA / "sample_conversations.json"
LABELS_OUT = DATA / "sample_conversations.labels.json"
TONE_SENTIMENT = {"angry": "negative", "neutral": "neutral", "happy": "positive"}
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
PAID_SHARE = 0.6


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


def taxonomy_names() -> dict[tuple[str, str], tuple[str, str]]:
    """(topic key, sub key) of the templates -> (topic, sub-topic) names of the taxonomy.

    The templates list the topics and their sub-topics in the taxonomy's order.
    """
    taxonomy = json.loads((DATA / "taxonomy.json").read_text(encoding="utf-8"))["topics"]
    names = {}
    for topic, named in zip(tpl().topics, taxonomy, strict=True):
        for sub, sub_named in zip(topic.subs, named["sub_topics"], strict=True):
            names[(topic.key, sub.key)] = (named["name"], sub_named["name"])
    return names


def truth(spec: Spec, tone: str, fin_state: str | None, names: dict) -> Json:
    """What a conversation was generated to be about: the labels `voc eval` scores against."""
    topic, sub_topic = names.get((spec.topic, spec.sub), ("Other", None))
    return {
        "topic": topic,
        "sub_topic": sub_topic,
        "sentiment": TONE_SENTIMENT[tone],
        "fin": fin_state,
    }


def build(
    rng: random.Random, ids: Ids, deck: Deck, spec: Spec, customer: Customer
) -> tuple[Json, Json]:
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
    labels = truth(spec, ctx.tone, fin_state, taxonomy_names())
    return assemble(ctx, conversation_id, fin_state), labels


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


def generate(
    seed: int = SEED, week_counts: tuple[int, int] = WEEK_COUNTS, customers: int = CUSTOMERS
) -> Json:
    """The two weeks' `conversation.list`; other counts make larger data sets (benchmarks)."""
    return generate_labelled(seed, week_counts, customers)[0]


def generate_labelled(
    seed: int = SEED, week_counts: tuple[int, int] = WEEK_COUNTS, customers: int = CUSTOMERS
) -> tuple[Json, Json]:
    """The `conversation.list` and, per conversation id, the truth it was generated from."""
    rng = random.Random(seed)
    ids, deck = Ids(rng), Deck(rng)
    people = english_customers(rng, customers)
    foreign = foreign_customers(rng)
    weeks = week_specs(rng, 0, week_counts[0]) + week_specs(rng, 1, week_counts[1])
    specs = sorted(weeks, key=lambda s: s.created_at)
    conversations: list[Json] = []
    owners: dict[str, Customer] = {}
    labels: dict[str, Json] = {}
    for spec in specs:
        if spec.kind == "foreign":
            customer = foreign[spec.language].pop(0)
        else:
            customer = pick_customer(rng, people)
        conversation, labels_of_one = build(rng, ids, deck, spec, customer)
        owners[conversation["id"]] = customer
        labels[conversation["id"]] = labels_of_one
        conversations.append(conversation)
    conversations = add_near_duplicates(rng, ids, conversations, owners, labels)
    data = {
        "type": "conversation.list",
        "intercom_version": "2.11",  # the API version whose values the conversations hold
        "conversations": add_exact_duplicates(rng, conversations),
    }
    return data, {"labels": labels}


def pick_customer(rng: random.Random, people: list[Customer]) -> Customer:
    return people[rng.randrange(len(people))]


def add_near_duplicates(
    rng: random.Random,
    ids: Ids,
    conversations: list[Json],
    owners: dict[str, Customer],
    labels: dict[str, Json],
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
    for original, copy in zip(originals, extra, strict=True):
        labels[copy["id"]] = labels[original["id"]]
    return sorted(conversations + extra, key=lambda c: (c["created_at"], int(c["id"])))


def add_exact_duplicates(rng: random.Random, conversations: list[Json]) -> list[Json]:
    """Repeat some conversations a few positions later, as an overlapping page would."""
    chosen = sorted(rng.sample(range(len(conversations)), EXACT_DUPLICATES), reverse=True)
    result = list(conversations)
    for index in chosen:
        copy = json.loads(json.dumps(conversations[index]))
        result.insert(min(len(result), index + 1 + rng.randint(0, 20)), copy)
    return result


def write_json(path: Path, data: Json) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        json.dump(data, handle, indent=1, ensure_ascii=False)
        handle.write("\n")


def main() -> None:
    data, labels = generate_labelled()
    OUT.parent.mkdir(parents=True, exist_ok=True)
    write_json(OUT, data)
    write_json(LABELS_OUT, labels)
    entries = data["conversations"]
    distinct = len({c["id"] for c in entries})
    print(f"wrote {len(entries)} conversations ({distinct} distinct ids) to {OUT}")
    print(f"wrote the truth of {len(labels['labels'])} conversations to {LABELS_OUT}")


if __name__ == "__main__":
    main()
