"""What the dashboard's "Run analysis" form may ask for, checked before Prefect sees it.

The request becomes the parameters of one flow run of the weekly deployment
(flows.launcher), never a command line. Everything a browser sends is validated here
(dates in order, a window of at most 92 days, a positive budget, a known provider), so
a bad request is a 422 that says what is wrong, not a flow run that fails on a worker.
"""

from datetime import date, timedelta
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

from tasks.llm.client import PROVIDERS
from tasks.llm.types import LOCAL_MODEL

#: The providers the flow knows.
Provider = Literal[PROVIDERS]
#: Sources a browser may name: the bundled sample and the workspace's Intercom. A file
#: path is refused: the worker would read a file a web page chose.
Source = Literal["sample", "intercom"]
MAX_WINDOW_DAYS = 92
WEEK = timedelta(days=7)


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
        if self.base_url is not None and self.provider == "local":
            raise ValueError("base_url is for the openai or anthropic provider, not local")
        return self

    def dates(self, today: date) -> tuple[date, date]:
        """The window's first and last day: a week is Monday to Sunday, this one up to today."""
        if self.window == "custom":
            return self.start, self.end
        monday = today - timedelta(days=today.weekday())
        if self.window == "this_week":
            return monday, today
        return monday - WEEK, monday - timedelta(days=1)
