"""Agent 14: every percentage breakdown in the findings sums to exactly 100.0."""

from pydantic import BaseModel

from tasks.agent import agent
from tasks.models import Check, Share, Validation
from tasks.percent import tenths_total


def breakdowns(name: str, value: object) -> list[tuple[str, list[Share]]]:
    """Every list of `Share`s inside a model, list or dict, named by its path."""
    if isinstance(value, list) and value and all(isinstance(v, Share) for v in value):
        return [(name, value)]
    if isinstance(value, BaseModel):
        label = getattr(value, "topic", None) or getattr(value, "group", None)
        prefix = f"{name}[{label}]" if label else name
        return [
            found
            for field in type(value).model_fields
            for found in breakdowns(f"{prefix}.{field}", getattr(value, field))
        ]
    if isinstance(value, list):
        return [found for i, v in enumerate(value) for found in breakdowns(f"{name}[{i}]", v)]
    return []


class ValidationFailed(ValueError):
    """A breakdown does not sum to 100."""


@agent("validation")
def validation(findings: dict[str, BaseModel]) -> Validation:
    """Check each breakdown; fail with every wrong sum in the message."""
    checks = [
        Check(name=name, total=tenths_total([s.percent for s in shares]) / 10, ok=False)
        for agent_name, model in findings.items()
        for name, shares in breakdowns(agent_name, model)
    ]
    checks = [c.model_copy(update={"ok": c.total == 100.0}) for c in checks]
    wrong = [f"{c.name} sums to {c.total}" for c in checks if not c.ok]
    if wrong:
        raise ValidationFailed("percentages do not sum to 100: " + "; ".join(wrong))
    return Validation(checks=checks)
