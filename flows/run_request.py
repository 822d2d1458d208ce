"""What the dashboard's "Run analysis" form may ask for, checked before Prefect sees it.

The request becomes the parameters of one flow run of the weekly deployment
(flows.launcher), never a command line. Everything a browser sends is validated here
(dates in order, a window of at most 92 days, a positive budget, a known provider), so
a bad request is a 422 that says what is wrong, not a flow run that fails on a worker.
"""

import os
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from tasks.llm.client import PROVIDERS
from tasks.llm.types import LOCAL_MODEL
from tasks.services.urls import BaseURLError, check_base_url

#: The providers the flow knows.
Provider = Literal[PROVIDERS]
#: Sources a browser may name: the bundled sample and the workspace's Intercom. A file
#: path is refused: the worker would read a file a web page chose.
Source = Literal["sample", "intercom"]
MAX_WINDOW_DAYS = 92
WEEK = timedelta(days=7)
#: The servers a browser may send a run to, comma-separated; none unless the operator
#: lists them. The worker sends its provider key to that server: a page allowed to
#: choose any would read the key off a server of its own.
BASE_URLS_VARIABLE = "VOC_DASHBOARD_BASE_URLS"


def _origin_and_path(url: str) -> tuple[str, str, int | None, list[str]]:
    parts: SplitResult = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port, parts.path.strip("/").split("/")


def allowed_base_url(url: str, allowed: list[str]) -> bool:
    """Whether `url` is on one of the `allowed` servers: same scheme, host and port, and
    under its path (whole segments: `/v1` allows `/v1/x`, not `/v10`)."""
    scheme, host, port, path = _origin_and_path(url)
    for entry in allowed:
        a_scheme, a_host, a_port, a_path = _origin_and_path(entry)
        prefix = [segment for segment in a_path if segment]
        if (scheme, host, port) == (a_scheme, a_host, a_port) and path[: len(prefix)] == prefix:
            return True
    return False


def configured_base_urls() -> list[str]:
    """The operator's list from VOC_DASHBOARD_BASE_URLS (empty when unset)."""
    return [u.strip() for u in os.environ.get(BASE_URLS_VARIABLE, "").split(",") if u.strip()]


class RunRequest(BaseModel):
    """One "Run analysis" submission."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    window: Literal["this_week", "last_week", "custom"] = "last_week"
    start: date | None = None
    end: date | None = None
    source: Source = "sample"
    provider: Provider = "local"
    model: str = Field(LOCAL_MODEL, min_length=1, max_length=100, pattern=r"^[\w.:/@+-]+$")
    # An OpenAI-compatible server (vLLM, Ollama, LM Studio); the provider's own otherwise.
    base_url: HttpUrl | None = None
    # USD for the whole run; None: no limit.
    budget: Decimal | None = Field(None, gt=0, max_digits=12, decimal_places=4)
    # The calendar the week is cut in; None: the deployment's `timezone` parameter.
    timezone: str | None = Field(None, max_length=64)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str | None) -> str | None:
        if name is None:
            return None
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {name!r}: use an IANA name like Europe/Berlin"
            ) from None
        return name

    @model_validator(mode="after")
    def _window_in_order(self) -> "RunRequest":
        if self.window == "custom":
            if self.start is None or self.end is None:
                raise ValueError("a custom window needs both start and end dates")
            if self.end < self.start:
                raise ValueError(f"end {self.end} is before start {self.start}")
            days = (self.end - self.start).days + 1
            if days > MAX_WINDOW_DAYS:
                raise ValueError(
                    f"the window is {days} days long; at most {MAX_WINDOW_DAYS} are allowed"
                )
        elif self.start is not None or self.end is not None:
            raise ValueError(f"start and end go with window 'custom', not {self.window!r}")
        if self.base_url is not None:
            self._check_server(str(self.base_url))
        return self

    def _check_server(self, url: str) -> None:
        if self.provider == "local":
            raise ValueError("base_url is for the openai or anthropic provider, not local")
        try:
            check_base_url(url, "base_url")
        except BaseURLError as exc:
            raise ValueError(str(exc)) from None
        if not allowed_base_url(url, configured_base_urls()):
            raise ValueError(
                f"base_url: not a server the operator allows (set {BASE_URLS_VARIABLE}); "
                "leave it empty for the deployment's own"
            )

    def dates(self, today: date) -> tuple[date, date]:
        """The window's first and last day: a week is Monday to Sunday, this one up to today."""
        if self.window == "custom":
            return self.start, self.end
        monday = today - timedelta(days=today.weekday())
        if self.window == "this_week":
            return monday, today
        return monday - WEEK, monday - timedelta(days=1)
