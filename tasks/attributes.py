"""Where the tier and language breakdowns find their values in an Intercom conversation.

Intercom has no tier: a workspace keeps its plan in a custom attribute it names itself,
on the conversation or on the contact, so the tier is read only from the attribute the
user names (`VOC_INTERCOM_TIER_ATTRIBUTE`, or the Intercom block's `tier_attribute`).
The language is a named custom attribute's (`VOC_INTERCOM_LANGUAGE_ATTRIBUTE`,
`language_attribute`) when one is named, else the contact's own: its
`language_override`, else its `browser_language` (`pt-BR` counts as `pt`). The country
is the contact's `location.country`.
"""

import os
from typing import Any

from pydantic import BaseModel, ConfigDict

from tasks.models import Tier
from tasks.services.credentials import INTERCOM, load_block

UNKNOWN = "unknown"
# What workspaces write in an attribute for "not recorded": no value, like an empty one.
NO_VALUE = frozenset({"", "none", "null", "n/a", "na", "-", UNKNOWN})


class AttributeMap(BaseModel):
    """The custom attributes holding the tier and the language; None: Intercom's defaults.

    A tier value is `free` when it is one of `free_values` (any case), else `paid`; a
    placeholder such as `none` is no value (`unknown`, neither).
    """

    model_config = ConfigDict(frozen=True)

    tier: str | None = None
    language: str | None = None
    free_values: tuple[str, ...] = ("free",)


#: The names the bundled sample and CSV exports (as read here) keep them under.
OWN_EXPORTS = AttributeMap(tier="tier", language="language")


def configured(read_block: bool) -> AttributeMap:
    """The user's map: each name from its environment variable, else (`read_block`) the
    Intercom block's."""
    names = {
        "tier": os.environ.get("VOC_INTERCOM_TIER_ATTRIBUTE"),
        "language": os.environ.get("VOC_INTERCOM_LANGUAGE_ATTRIBUTE"),
    }
    block = load_block(INTERCOM.block) if read_block and None in names.values() else None
    if block is not None:
        names["tier"] = names["tier"] or block.tier_attribute
        names["language"] = names["language"] or block.language_attribute
    free = os.environ.get("VOC_INTERCOM_FREE_VALUES")
    values = tuple(v.strip() for v in free.split(",") if v.strip()) if free else ("free",)
    return AttributeMap(tier=names["tier"], language=names["language"], free_values=values)


def _attribute(name: str, conversation: dict[str, Any], contact: dict[str, Any]) -> str | None:
    """A custom attribute's value on the conversation, else on its (first) contact; None
    when neither holds one (missing, empty, or a placeholder such as `none`)."""
    for owner in (conversation, contact):
        raw = (owner.get("custom_attributes") or {}).get(name)
        value = "" if raw is None else str(raw).strip()
        if value.casefold() not in NO_VALUE:
            return value
    return None


def tier_of(conversation: dict[str, Any], contact: dict[str, Any], names: AttributeMap) -> Tier:
    """`paid`, `free`, or `unknown` when no tier attribute is named or it has no value."""
    value = _attribute(names.tier, conversation, contact) if names.tier else None
    if value is None:
        return UNKNOWN
    free = {v.casefold() for v in names.free_values}
    return "free" if value.casefold() in free else "paid"


def country_of(contact: dict[str, Any]) -> str:
    """The country of the contact's `location`, or `unknown`."""
    return ((contact.get("location") or {}).get("country") or UNKNOWN).strip() or UNKNOWN


def language_of(conversation: dict[str, Any], contact: dict[str, Any], names: AttributeMap) -> str:
    """The named attribute's language, else the contact's, else `unknown`."""
    if names.language:
        return _attribute(names.language, conversation, contact) or UNKNOWN
    spoken = contact.get("language_override") or contact.get("browser_language")
    return str(spoken).split("-")[0].strip().lower() if spoken else UNKNOWN
