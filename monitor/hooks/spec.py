"""`RunSpec`: what a flow tells the monitor about one of its runs as the run opens.

The flow works these out from its own parameters (the monitor never reads them by
name) and hands them over through the `describe` function given to `flow_hooks`.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from pydantic_core import to_jsonable_python

from tasks.services.urls import CREDENTIAL_PARAMETERS


@dataclass(frozen=True)
class RunSpec:
    """One flow run as the monitor records it: where, what, which week, within what limits."""

    command: str  # the flow's name, as runs are listed
    agents_total: int
    store_url: str  # resolved (a block read), password included: never recorded
    window_start: date | None
    window_end: date | None
    source: str
    provider: str | None
    model: str | None
    parameters: dict[str, Any]  # JSON, masked (`recorded_parameters`): what `voc resume` passes
    resume_key: str | None = None  # runs sharing it resume each other; default the run's id
    budget: Decimal | None = None  # USD
    notify: str | None = None  # a notification block, `TYPE/NAME`; see monitor.notify


def recorded_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """The parameters as JSON, with the password and credential query parameters (`api-key`,
    `token`, ...) of any URL among them masked: a deployment run's parameters are not
    checked by `voc run`, and must not put a key into the store."""
    return {name: _masked(value) for name, value in to_jsonable_python(parameters).items()}


def _masked(value: Any) -> Any:
    if not isinstance(value, str) or "://" not in value:
        return value
    try:
        parts = urlsplit(value)
        password = parts.password
    except ValueError:  # not a URL after all
        return value
    if password is not None:
        host = parts.netloc.rpartition("@")[2]
        parts = parts._replace(netloc=f"{parts.username}:***@{host}")
    query = [
        (name, "***" if name.lower() in CREDENTIAL_PARAMETERS else given)
        for name, given in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return parts._replace(query=urlencode(query, safe="*")).geturl() if query else parts.geturl()
