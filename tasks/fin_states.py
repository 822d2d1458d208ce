"""Fin's `ai_agent.resolution_state` values, by Intercom API version, and what each means here.

Intercom-OpenAPI, `ai_agent.resolution_state`: versions 2.11 to 2.14 answer
`assumed_resolution`, `confirmed_resolution`, `routed_to_team`, `abandoned`; from 2.15
on, `assumed_resolution`, `confirmed_resolution`, `escalated`, `negative_feedback`,
`procedure_handoff`. Each maps to one outcome: Fin resolved it, handed it to the team (a
Fin Procedure's handoff too), or neither (the customer left, or said the answer did not
help). No value means one thing in one version and another in the next, so an export
that does not say its version is read with the values of both.
"""

from tasks.models import FinOutcome

#: The version the Intercom client asks for (its `Intercom-Version` header).
PINNED_VERSION = "2.15"
FIRST_NEW_ENUM = (2, 15)
OLD_STATES: dict[str, FinOutcome] = {
    "assumed_resolution": "resolved",
    "confirmed_resolution": "resolved",
    "routed_to_team": "escalated",
    "abandoned": "unresolved",
}
NEW_STATES: dict[str, FinOutcome] = {
    "assumed_resolution": "resolved",
    "confirmed_resolution": "resolved",
    "escalated": "escalated",
    "procedure_handoff": "escalated",
    "negative_feedback": "unresolved",
}
ANY_VERSION = {**OLD_STATES, **NEW_STATES}


class UnknownVersionError(ValueError):
    """Not an Intercom API version this code reads."""


def _number(version: str) -> tuple[int, int]:
    try:
        major, minor = (int(part) for part in version.split("."))
    except ValueError:
        raise UnknownVersionError(f"intercom version {version!r} is not like 2.15") from None
    if (major, minor) < (2, 11):
        raise UnknownVersionError(f"intercom version {version} is older than 2.11, the oldest read")
    return major, minor


def states(version: str | None) -> dict[str, FinOutcome]:
    """The resolution states of Intercom API `version` (None: of any) and their outcomes."""
    if version is None:
        return ANY_VERSION
    return NEW_STATES if _number(version) >= FIRST_NEW_ENUM else OLD_STATES


def outcome(state: str | None, version: str | None) -> FinOutcome | None:
    """What `state` means under `version` (None: any); None when Fin gave no answer.

    A value `version` does not have is a `ValueError` naming the values it has.
    """
    if state is None:
        return None
    known = states(version)
    if state not in known:
        which = f"Intercom API {version}" if version else "any Intercom API version"
        raise ValueError(f"{state!r} is not a resolution state of {which} ({', '.join(known)})")
    return known[state]
