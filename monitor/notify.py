"""A message through a Prefect notification block when a run fails or stops at its budget.

The block is named by the flow's `notify` parameter, else by `VOC_NOTIFY_BLOCK`, as
`BLOCK-TYPE-SLUG/NAME`: `slack-webhook/voc-alerts`, `custom-webhook/voc-alerts`, or any
other notification block Prefect has (Microsoft Teams, PagerDuty, e-mail, ...).
"""

import os
from typing import Any

from monitor.links import flow_run_url, prefect_ui_url

NOTIFY_BLOCK_ENV = "VOC_NOTIFY_BLOCK"


class NotifyError(RuntimeError):
    """The named block is missing or cannot send messages."""


def block_slug(parameter: str | None) -> str | None:
    """The notification block to use: the flow parameter, else `VOC_NOTIFY_BLOCK`, else none."""
    return parameter or os.environ.get(NOTIFY_BLOCK_ENV) or None


def message(run: dict[str, Any]) -> tuple[str, str]:
    """The subject and body: what happened to which week, why, what it cost, and where to look."""
    window = f"{run.get('window_start')} to {run.get('window_end')}"
    over_budget = run.get("failure_reason") == "budget"
    outcome = "stopped at its budget" if over_budget else run["status"]
    subject = f"voc: {run['command']} run {outcome} ({window})"
    failed = [a["key"] for a in run.get("agents", []) if a["status"] == "failed"]
    lines = [
        f"Run {run['id']} of {run['command']} for {window} {outcome}.",
        f"Error: {run.get('error') or 'none recorded'}",
    ]
    if failed:
        lines.append(f"Failed agents: {', '.join(failed)}")
    if "cost" in run:
        lines.append(f"Spent: ${run['cost']:f} on {run.get('calls', 0)} LLM calls")
    ui = prefect_ui_url()
    if ui:
        lines.append(f"Flow run: {flow_run_url(ui, run['id'])}")
    lines.append(f"Resume it with: voc resume {run['id']}")
    return subject, "\n".join(lines)


def send(slug: str, subject: str, body: str) -> None:
    """Load the notification block `slug` (`TYPE/NAME`) and send the message through it."""
    from prefect.blocks.abstract import NotificationBlock
    from prefect.blocks.core import Block

    try:
        block = Block.load(slug)
    except ValueError as exc:
        raise NotifyError(f"notification block {slug!r} not found: {exc}") from exc
    if not isinstance(block, NotificationBlock):
        raise NotifyError(f"block {slug!r} is a {type(block).__name__}, not a notification block")
    block.notify(body, subject=subject)
