"""A run's spending limit, checked before every LLM call is made.

Each call reserves its worst case (its prompt plus the most it may answer, at the
model's price) before it is sent; the reservation turns into the call's actual cost
once it is recorded. Concurrent agents reserve under one lock, so the run's spend,
reserved spend included, never passes the limit.
"""

import json
import threading
from dataclasses import dataclass, field
from decimal import Decimal

from monitor.pricing import price
from tasks.llm.types import LLMRequest, Usage

MESSAGE_OVERHEAD = 64  # tokens a provider adds around the messages, generously


def worst_prompt_tokens(request: LLMRequest) -> int:
    """An upper bound on the prompt's tokens: no tokenizer makes more tokens than characters."""
    schema = json.dumps(request.output.model_json_schema())
    # The messages include a rejected reply and its correction when the call is a retry.
    sent = sum(len(message["content"]) for message in request.messages())
    return len(request.instructions) + sent + len(schema) + MESSAGE_OVERHEAD


class BudgetExceeded(RuntimeError):
    """The next LLM call could take the run past its budget."""


@dataclass
class Budget:
    """The limit, what was spent, and what calls in flight may still spend."""

    limit: Decimal
    spent: Decimal = Decimal(0)
    reserved: Decimal = Decimal(0)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The reservation of the call this thread is making (calls are synchronous).
    _in_flight: threading.local = field(default_factory=threading.local)

    def reserve(self, provider: str, model: str, request: LLMRequest) -> None:
        """Reserve the call's worst case, or refuse it."""
        worst = price(
            provider, model, Usage(worst_prompt_tokens(request), request.max_output_tokens)
        )
        with self.lock:
            if self.spent + self.reserved + worst > self.limit:
                raise BudgetExceeded(
                    f"budget exceeded: spent ${self.spent:f} of ${self.limit:f} "
                    f"(the next call could cost up to ${worst:f})"
                )
            self.reserved += worst
        self._in_flight.worst = worst

    def settle(self, cost: Decimal) -> None:
        """The call this thread made cost `cost`: release its reservation."""
        worst = getattr(self._in_flight, "worst", Decimal(0))
        self._in_flight.worst = Decimal(0)
        with self.lock:
            self.reserved -= worst
            self.spent += cost
