"""A fake Intercom REST API: conversation search paged by cursor, single conversations and
contacts, shaped as Intercom-OpenAPI describes them (versions 2.11 and 2.15+)."""

import base64
from typing import Any

from tasks.fin_states import states
from tests.servers.base import FakeServer, Reply, Seen

# Intercom-OpenAPI's `intercom_version` enum, as far as these tests use it.
VERSIONS = ("2.11", "2.12", "2.13", "2.14", "2.15", "2.16")


def contact(
    contact_id: str,
    *,
    language: str | None = None,
    country: str | None = None,
    custom_attributes: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A `contact` object (a user) as `GET /contacts/{id}` returns it."""
    return {
        "type": "contact",
        "id": contact_id,
        "external_id": None,
        "role": "user",
        "email": f"{contact_id}@example.com",
        "name": f"Customer {contact_id}",
        "language_override": None,
        "browser_language": language,
        "location": {"type": "location", "country": country, "region": None, "city": None},
        "custom_attributes": custom_attributes or {},
    }


def conversation(
    conversation_id: str,
    created_at: int,
    body: str,
    *,
    tier: str = "paid",
    rating: int | None = None,
    resolution: str | None = None,
    admin: str | None = "Dana",
    customer: str = "c1",
    contacts: tuple[str, ...] | None = None,
    delivered_as: str = "customer_initiated",
    reply: str | None = None,
) -> dict:
    """A conversation object as `GET /conversations/{id}` returns it.

    Customer-initiated, `body` is the customer's; otherwise (`admin_initiated`, say) it
    is the admin's message to `contacts` (default: `customer`), and `reply`, if any, the
    first contact's answer. Contacts are references (type, id, external_id), as the API
    gives them.
    """
    people = contacts or (customer,)
    outbound = delivered_as != "customer_initiated"
    if outbound:
        author = {"type": "admin", "id": "a1", "name": admin, "email": "dana@example.com"}
    else:
        email = f"{people[0]}@example.com"
        author = {"type": "user", "id": people[0], "name": None, "email": email}
    parts = []
    if reply:
        writer = {"type": "user", "id": people[0], "name": None, "email": None}
        parts.append(_part("comment", reply, created_at + 30, writer))
    if admin:
        helper = {"type": "admin", "id": "a1", "name": admin, "email": "dana@example.com"}
        parts.append(_part("comment", "<p>Thanks, looking into it.</p>", created_at + 60, helper))
    return {
        "type": "conversation",
        "id": conversation_id,
        "created_at": created_at,
        "updated_at": created_at + 60,
        "state": "closed",
        "open": False,
        "source": {
            "type": "conversation",
            "id": f"s{conversation_id}",
            "delivered_as": delivered_as,
            "subject": "",
            "body": f"<p>{body}</p>",
            "author": author,
            "attachments": [],
            "url": None,
            "redacted": False,
        },
        "contacts": {
            "type": "contact.list",
            "contacts": [{"type": "contact", "id": p, "external_id": None} for p in people],
        },
        "custom_attributes": {"tier": tier, "language": "en"},
        "conversation_rating": {"rating": rating} if rating else None,
        "ai_agent_participated": resolution is not None,
        "ai_agent": {"resolution_state": resolution, "source_type": "workflow"}
        if resolution
        else None,
        "statistics": {"count_reopens": 0, "count_assignments": 1, "time_to_admin_reply": 60},
        "conversation_parts": {
            "type": "conversation_part.list",
            "conversation_parts": parts,
            "total_count": len(parts),
        },
    }


def _part(kind: str, body: str, created_at: int, author: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "conversation_part",
        "part_type": kind,
        "body": body,
        "created_at": created_at,
        "author": author,
    }


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


class FakeIntercom(FakeServer):
    """Serves `conversations` and `contacts` (full Intercom objects) to a bearer `token`.

    A request names its `Intercom-Version`; a conversation holding a Fin resolution state
    of another version is a test's mistake, answered 500. `end_after_pages` drops the
    next-page cursor after that many pages, the way a search that ends early looks.
    """

    def __init__(
        self,
        conversations: list[dict],
        token: str = "dG9rOjEyMzQ1Njc4OTA=",
        contacts: list[dict] | None = None,
    ):
        super().__init__()
        self.conversations = {str(c["id"]): c for c in conversations}
        self.contacts = {str(c["id"]): c for c in contacts or []}
        self.token = token
        self.end_after_pages: int | None = None

    def route(self, seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            errors = [{"code": "unauthorized", "message": "Access Token Invalid"}]
            return Reply(401, {"type": "error.list", "request_id": "r1", "errors": errors})
        version = seen.headers.get("intercom-version")
        if version not in VERSIONS:
            message = "Requested version is invalid"
            errors = [{"code": "intercom_version_invalid", "message": message}]
            return Reply(400, {"type": "error.list", "errors": errors})
        if seen.method == "GET" and seen.path.startswith("/contacts/"):
            return self._found(self.contacts.get(seen.path.rsplit("/", 1)[1]))
        if seen.method == "POST" and seen.path == "/conversations/search":
            return Reply(200, self.search(seen.body))
        if seen.method == "GET" and seen.path.startswith("/conversations/"):
            found = self.conversations.get(seen.path.rsplit("/", 1)[1])
            if found and not _of_version(found, version):
                return Reply(500, {"message": f"fake: {found['id']} is not of version {version}"})
            return self._found(found)
        return super().route(seen)

    @staticmethod
    def _found(found: dict | None) -> Reply:
        if found is None:
            errors = [{"code": "not_found", "message": "Resource Not Found"}]
            return Reply(404, {"type": "error.list", "errors": errors})
        return Reply(200, found)

    def search(self, body: dict[str, Any]) -> dict[str, Any]:
        after = before = None
        for condition in body["query"]["value"]:
            assert condition["field"] == "created_at"
            if condition["operator"] == ">":
                after = condition["value"]
            elif condition["operator"] == "<":
                before = condition["value"]
        matches = sorted(
            (c for c in self.conversations.values() if after < c["created_at"] < before),
            key=lambda c: (c["created_at"], c["id"]),
        )
        per_page = min(body["pagination"].get("per_page", 20), 150)
        offset = _offset(body["pagination"].get("starting_after"))
        page_number = offset // per_page + 1
        page = matches[offset : offset + per_page]
        pages: dict[str, Any] = {
            "type": "pages",
            "page": page_number,
            "per_page": per_page,
            "total_pages": max(1, -(-len(matches) // per_page)),
        }
        more = offset + per_page < len(matches)
        if more and (self.end_after_pages is None or page_number < self.end_after_pages):
            pages["next"] = {"page": page_number + 1, "starting_after": _cursor(offset + per_page)}
        # The search returns conversations without their parts.
        summaries = [{k: v for k, v in c.items() if k != "conversation_parts"} for c in page]
        return {
            "type": "conversation.list",
            "conversations": summaries,
            "total_count": len(matches),
            "pages": pages,
        }


def _of_version(conversation: dict, version: str) -> bool:
    state = (conversation.get("ai_agent") or {}).get("resolution_state")
    return state is None or state in states(version)
