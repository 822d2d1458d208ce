"""Conversations of a window from Intercom's REST API.

Intercom-OpenAPI, at the pinned `Intercom-Version` (tasks.fin_states). `POST
/conversations/search` on `created_at`, paged with `pagination.starting_after` (150 a
page, Intercom's most), finds the window's conversations; the search returns them
without their parts, so each is then read whole with `GET /conversations/{id}`, a
bounded number at a time. A conversation names its contacts only by id: each contact is
read once with `GET /contacts/{id}` and takes the reference's place, so the saved
export holds their language, location and custom attributes.

429s and 5xx are retried: a 429 with its `X-RateLimit-Reset` ahead holds back every
request of the client until then, else the backoff applies.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from tasks.fin_states import PINNED_VERSION
from tasks.services.credentials import INTERCOM, Credentials, require_key, resolve
from tasks.services.errors import ServiceError
from tasks.services.http import ServiceClient
from tasks.services.limits import RateLimiter
from tasks.services.retry import Backoff

PER_PAGE = 150
CONCURRENCY = 8
EXPORT_NAME = "intercom_export.json"


def window_query(start: date, end: date, starting_after: str | None = None) -> dict[str, Any]:
    """The search body for conversations created from `start` to `end` (UTC days, inclusive)."""
    first = int(datetime.combine(start, time(), UTC).timestamp())
    after_last = int(datetime.combine(end + timedelta(days=1), time(), UTC).timestamp())
    pagination: dict[str, Any] = {"per_page": PER_PAGE}
    if starting_after:
        pagination["starting_after"] = starting_after
    return {
        "query": {
            "operator": "AND",
            "value": [
                {"field": "created_at", "operator": ">", "value": first - 1},
                {"field": "created_at", "operator": "<", "value": after_last},
            ],
        },
        "pagination": pagination,
    }


class IntercomClient:
    """Reads conversations with an access token, retrying what is worth retrying."""

    def __init__(
        self,
        credentials: Credentials,
        backoff: Backoff | None = None,
        timeout_s: float = 60,
        version: str = PINNED_VERSION,
    ) -> None:
        self.version = version
        self.http = ServiceClient(
            INTERCOM,
            credentials,
            headers={"accept": "application/json", "intercom-version": version},
            timeout_s=timeout_s,
            connections=CONCURRENCY,
            backoff=backoff,
        )
        self.limiter = RateLimiter(CONCURRENCY)

    def read(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """One read (searches are reads too), retried; a 429's wait holds back every thread."""

        def once() -> dict[str, Any]:
            with self.limiter.slot():
                return self.http.attempt(method, path, body)

        return self.http.backoff.run(once, self._cool_down)

    def _cool_down(self, error: ServiceError) -> None:
        if error.status == 429 and error.retry_after:
            self.limiter.cool_down(error.retry_after)

    def search(self, start: date, end: date) -> list[dict[str, Any]]:
        """Every conversation the search finds in the window (without parts), page by page."""
        found: dict[str, dict] = {}
        cursor, total, pages = None, None, 0
        while True:
            page = self.read("POST", "/conversations/search", window_query(start, end, cursor))
            pages += 1
            total = page.get("total_count", total)
            for conversation in page.get("conversations") or []:
                found[str(conversation["id"])] = conversation
            following = ((page.get("pages") or {}).get("next") or {}).get("starting_after")
            if not following or following == cursor:
                break
            cursor = following
        if total is not None and len(found) < total:
            raise ServiceError(
                f"intercom: the search ended after {pages} page(s) with {len(found)} of "
                f"{total} conversations"
            )
        return list(found.values())

    def conversation(self, conversation_id: str) -> dict[str, Any]:
        """One conversation with its parts."""
        return self.read("GET", f"/conversations/{conversation_id}")

    def contact(self, contact_id: str) -> dict[str, Any] | None:
        """One contact; None if it is gone (deleted or merged since the conversation)."""
        try:
            return self.read("GET", f"/contacts/{contact_id}")
        except ServiceError as error:
            if error.status == 404:
                return None
            raise

    def window(self, start: date, end: date, concurrency: int = CONCURRENCY) -> list[dict]:
        """The window's conversations, each read whole, `concurrency` at a time, in search order,
        with their contacts in place of the references."""
        ids = [str(c["id"]) for c in self.search(start, end)]
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            conversations = list(pool.map(self.conversation, ids))
            contact_ids = list(dict.fromkeys(str(c["id"]) for c in _contacts(conversations)))
            found = dict(zip(contact_ids, pool.map(self.contact, contact_ids), strict=True))
        for reference in _contacts(conversations):
            reference.update(found.get(str(reference["id"])) or {})
        return conversations


def _contacts(conversations: list[dict]) -> list[dict]:
    """Every contact reference of the conversations, as the objects they are in."""
    return [
        contact
        for conversation in conversations
        for contact in (conversation.get("contacts") or {}).get("contacts") or []
        if contact.get("id")
    ]


def intercom_credentials() -> Credentials:
    """The token and base URL, or a one-line `MissingCredentialsError`."""
    return require_key(INTERCOM, resolve(INTERCOM))


def download(start: date, end: date, directory: Path) -> Path:
    """Save the window's conversations as `intercom_export.json` in `directory`.

    The file is a `conversation.list`, so `--source` takes it to repeat a run offline; its
    `intercom_version` says which API version's values it holds.
    """
    client = IntercomClient(intercom_credentials())
    conversations = client.window(start, end)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / EXPORT_NAME
    document = {
        "type": "conversation.list",
        "intercom_version": client.version,
        "conversations": conversations,
        "total_count": len(conversations),
    }
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path
