"""Stable JSON, the one form every `--json` answer and API response takes.

Ids as strings, money as decimal strings in USD, times in ISO 8601. Kept apart from
the terminal renderer so the web server never imports rich.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` with Decimals, dates and tuples turned into their stable JSON form."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
