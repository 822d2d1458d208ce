"""A fake Intercom REST API: conversation search paged by cursor, and single conversations."""

import base64
from typing import Any

from tests.servers.base import FakeServer, Reply, Seen


def _cursor(offset: int) -> str:
    return base64.b64encode(f"offset:{offset}".encode()).decode()


def _offset(cursor: str | None) -> int:
    return int(base64.b64decode(cursor).decode().split(":")[1]) if cursor else 0


class FakeIntercom(FakeServer):
    """Serves `conversations` (full Intercom objects) to a bearer `token`.

    `end_after_pages` drops the next-page cursor after that many pages, the way a
    search that ends early looks.
    """

    def __init__(self, conversations: list[dict], token: str = "dG9rOjEyMzQ1Njc4OTA="):
        super().__init__()
        self.conversations = {str(c["id"]): c for c in conversations}
        self.token = token
        self.end_after_pages: int | None = None

    def route(self, seen: Seen) -> Reply:
        if seen.headers.get("authorization") != f"Bearer {self.token}":
            errors = [{"code": "unauthorized", "message": "Access Token Invalid"}]
            return Reply(401, {"type": "error.list", "request_id": "r1", "errors": errors})
        if seen.method == "POST" and seen.path == "/conversations/search":
            return Reply(200, self.search(seen.body))
        if seen.method == "GET" and seen.path.startswith("/conversations/"):
            found = self.conversations.get(seen.path.rsplit("/", 1)[1])
            if found is None:
                errors = [{"code": "not_found", "message": "Resource Not Found"}]
                return Reply(404, {"type": "error.list", "errors": errors})
            return Reply(200, found)
        return super().route(seen)

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
