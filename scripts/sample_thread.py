"""One sample conversation's thread: the customer's message, Fin's answer, the team's
replies, notes, hand-overs, closes and reopens, as Intercom conversation parts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sample_texts import (
    DAY,
    FIN_OUTCOMES,
    Admin,
    Customer,
    Deck,
    Ids,
    Json,
    Language,
    Spec,
    Sub,
    Topic,
    admin_delay,
    article,
    ascii_slug,
    fill,
    p,
    pick,
    sub_of,
    tpl,
    user_delay,
)


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
