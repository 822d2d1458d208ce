"""A written thread assembled into an Intercom conversation object: state, statistics,
rating, Fin's ``ai_agent`` block, tags and source.
"""

from __future__ import annotations

import statistics

from sample_texts import EXPORT_AT, Json, article, pick, tpl
from sample_thread import Context, subject


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
