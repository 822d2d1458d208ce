"""One request made for many items (conversations) at once, in batches the model can hold.

Each batch's prompt must fit the context window with a margin, and its expected answer
(a fixed part plus so much per item) must fit the output cap: both estimated in
tokens from characters (`tasks.llm.estimate`). A batch the model still finds too large
(a cut reply, a refused prompt) is split in two by the client; a single item too large
for any request is cut short, with a warning.
"""

import json
import logging
from dataclasses import dataclass, replace
from math import ceil
from typing import Any, Generic

from prefect.exceptions import MissingContextError
from prefect.logging import get_run_logger

from tasks.llm.batches import pack
from tasks.llm.estimate import TokenRatio, json_chars, request_chars
from tasks.llm.limits import ModelLimits
from tasks.llm.types import LLMRequest, Output

# Share of the context a request may fill: less while the token estimate is still a
# guess, more once the provider's counts have corrected it.
GUESSED_MARGIN = 0.75
LEARNED_MARGIN = 0.9
# An answer may run this much longer than estimated, plus a few tokens of framing.
ANSWER_MARGIN = 1.25
ANSWER_SLACK = 64
# The answer may take at most this fraction (1/4) of the context.
ANSWER_SHARE = 4
# A reasoning model thinks before it answers, within the same output cap.
REASONING_MIN = 4096
# Text shorter than this is not cut further: the request is too large for other reasons.
SHORTEST_TEXT = 200

log = logging.getLogger("voc.llm")


@dataclass(frozen=True)
class Batched(Generic[Output]):
    """A request to make for many items, in as many batches as the model needs.

    `request` is what every batch shares: its payload without the items, and as
    `max_output_tokens` the answer's fixed part (a summary, a few quotes). The items go
    in `payload[key]`; `answer_chars` is the most one item adds to the answer (its
    label and id), 0 when the answer does not grow with the items.
    """

    request: LLMRequest[Output]
    items: list[dict[str, Any]]
    answer_chars: int = 0
    key: str = "conversations"

    def of(
        self, items: list[dict[str, Any]], answer_tokens: int
    ) -> tuple[LLMRequest[Output], dict[str, str]]:
        """The request for one batch of items, expecting an answer of `answer_tokens`, and
        what each item's number stands for.

        The items go numbered 1, 2, 3, ... in place of their ids: a conversation id of
        twelve digits is four tokens in the prompt and four again in each label.
        """
        numbered = [{**item, "id": str(n)} for n, item in enumerate(items, 1)]
        payload = {**self.request.payload, self.key: numbered}
        ids = {str(n): str(item["id"]) for n, item in enumerate(items, 1)}
        return replace(self.request, payload=payload, max_output_tokens=answer_tokens), ids


# The fields of an answer that name the item they are about.
ID_FIELDS = ("id", "conversation_id")


def restore(output: Output, ids: dict[str, str]) -> Output:
    """The answer with each item's number turned back into the id it stands for."""

    def back(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: ids.get(value, value)
                if key in ID_FIELDS and isinstance(value, str)
                else back(value)
                for key, value in node.items()
            }
        if isinstance(node, list):
            return [back(item) for item in node]
        return node

    return type(output).model_validate(back(output.model_dump()))


def reasoning_room(limits: ModelLimits, answer_tokens: int) -> int:
    """Output tokens to leave a reasoning model for its reasoning, beside the answer."""
    return max(REASONING_MIN, answer_tokens) if limits.reasoning else 0


def answer_budget(limits: ModelLimits) -> int:
    """The longest answer one request may expect: within the output cap, leaving a
    reasoning model its room, and at most a quarter of the context, the rest for the prompt."""
    output = limits.output
    if limits.reasoning:
        output = (output - REASONING_MIN) // 2
    return max(1, min(output, limits.context // ANSWER_SHARE))


@dataclass(frozen=True)
class Sizer:
    """Sizes batches and their output caps for one model, from the client's estimates."""

    limits: ModelLimits
    prompt: TokenRatio
    answer: TokenRatio

    def answer_tokens(self, job: Batched, count: int) -> int:
        """The output cap a batch of `count` items asks for: its expected answer, with room."""
        expected = job.request.max_output_tokens + self.answer.tokens(job.answer_chars) * count
        return ceil(expected * ANSWER_MARGIN) + ANSWER_SLACK

    def prompt_budget(self) -> int:
        """Prompt tokens one request may hold, its longest answer set aside."""
        margin = LEARNED_MARGIN if self.prompt.learned else GUESSED_MARGIN
        answer = answer_budget(self.limits)
        return int(self.limits.context * margin) - answer - reasoning_room(self.limits, answer)

    def weights(self, job: Batched) -> list[float]:
        """Each item's share of what one request holds: 1 is a full request."""
        prompt_left = self.prompt_budget() - self.prompt.tokens(request_chars(job.of([], 0)[0]))
        fixed = self.answer_tokens(job, 0)
        answer_left = answer_budget(self.limits) - fixed
        per_answer = self.answer.tokens(job.answer_chars) * ANSWER_MARGIN / max(1, answer_left)
        per_answer = per_answer if job.answer_chars else 0.0
        # Read once: the ratio may be learned from other threads' replies meanwhile.
        chars_per_token = self.prompt.chars_per_token()
        prompt_share = max(1, prompt_left)
        return [
            max(ceil((json_chars(item) + 2) / chars_per_token) / prompt_share, per_answer)
            for item in job.items
        ]

    def batches(self, job: Batched, slots: int) -> list[list[dict[str, Any]]]:
        """The items in batches that each fit one request, filling `slots` per round.

        An item too large for any request goes alone, its text cut to fit.
        """
        weights = self.weights(job)
        batches = []
        for r in pack(weights, slots):
            items = job.items[r.start : r.stop]
            if len(items) == 1 and weights[r.start] > 1:
                items = [shortened(job, items[0], 0.9 / weights[r.start]) or items[0]]
            batches.append(items)
        return batches


def shortened(job: Batched, item: dict[str, Any], keep: float = 0.5) -> dict[str, Any] | None:
    """`item` with only the `keep` share of its text, or None when it is already short."""
    text = item.get("text", "")
    if len(text) < SHORTEST_TEXT:
        return None
    cut = {**item, "text": text[: int(len(text) * keep)]}
    warn(
        f"voc: {job.request.purpose}: item {item.get('id')} is too large for one "
        f"request to the model; its text is cut from {len(text):,} to "
        f"{len(cut['text']):,} characters"
    )
    return cut


def warn(message: str) -> None:
    """A warning in the task run's log (kept by Prefect), or this module's outside a run."""
    try:
        get_run_logger().warning(message)
    except MissingContextError:
        log.warning(message)


def answer_chars(items: list[dict[str, Any]], **fields: Any) -> int:
    """Characters of the longest answer to one item: its number and `fields`, as JSON."""
    longest_number = "9" * len(str(len(items)))
    return len(json.dumps({"id": longest_number, **fields}, ensure_ascii=False)) + 2
