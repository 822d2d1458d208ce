"""`agent`: wrap a plain function as a Prefect task that can be resumed and is watched.

Every agent persists its result under a cache key made of its inputs, its source
code and the run's resume key. A fresh run has a key of its own, so it computes
everything anew; `voc resume` (or a Prefect retry of the flow run) reuses the key,
so the agents that completed are read back from their persisted results instead of
being run, and paid for, again.
"""

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from prefect import task
from prefect.cache_policies import TASK_SOURCE, CachePolicy
from prefect.context import TaskRunContext
from prefect.utilities.hashing import hash_objects
from pydantic_core import PydanticSerializationError, to_json

from tasks.models import Record
from tasks.observe import notify_task_state

RESUME_KEY = "resume_key"
STATE_HOOKS: dict[str, Any] = {
    "on_running": [notify_task_state],
    "on_completion": [notify_task_state],
    "on_failure": [notify_task_state],
}


@dataclass
class ResumeKey(CachePolicy):
    """The flow's `resume_key` parameter, or else the flow run's id."""

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if flow_parameters.get(RESUME_KEY):
            return str(flow_parameters[RESUME_KEY])
        return str(task_ctx.task_run.flow_run_id) if task_ctx else None


# Several agents of a run take the same list of records: hashing 10,000 conversations
# takes ~0.2 s, and agents start at once. Each record's digest is kept on the (frozen)
# record, so a list's digest is a digest of its members' digests; the last few lists'
# digests are also kept, by identity (the list held, so its id is not reused), and one
# thread at a time digests a list: two agents submitted together (segmentation and topic
# detection) hashed the same 10,000 conversations side by side, 0.2 s of CPU twice.
RECORD_LISTS_KEPT = 4
_record_lists: OrderedDict[int, tuple[list, int, bytes]] = OrderedDict()
_digesting = threading.Lock()


def _records_digest(records: list[Record]) -> bytes:
    """The digest of a list of records, computed once per list."""
    with _digesting:
        kept = _record_lists.get(id(records))
        if kept and kept[0] is records and kept[1] == len(records):
            return kept[2]
        digest = hashlib.md5(usedforsecurity=False)
        digest.update(b"[%d" % len(records))
        for record in records:
            digest.update(record.digest if isinstance(record, Record) else to_json(record))
        digest.update(b"]")
        _record_lists[id(records)] = (records, len(records), digest.digest())
        while len(_record_lists) > RECORD_LISTS_KEPT:
            _record_lists.popitem(last=False)
    return digest.digest()


def _feed_items(digest: Any, value: list | tuple) -> None:
    digest.update(b"[%d" % len(value))
    for item in value:
        _feed(digest, item)
    digest.update(b"]")


def _feed(digest: Any, value: Any) -> None:
    """Add `value` to `digest` a list item at a time, never as one document."""
    if isinstance(value, list) and value and isinstance(value[0], Record):
        digest.update(_records_digest(value))
    elif isinstance(value, list | tuple):
        _feed_items(digest, value)
    elif isinstance(value, set | frozenset):  # a set's order differs from process to process
        _feed(digest, sorted(to_json(item) for item in value))
    else:
        digest.update(to_json(value))


@dataclass
class StreamedInputs(CachePolicy):
    """Prefect's `Inputs`, hashed without building the inputs' JSON whole.

    `Inputs` dumps all the inputs to one JSON document, pydantic models turned into
    dicts first: for 50,000 conversations 82 MB of JSON and several times that in
    dicts, per agent, and nine agents take them at once. This hashes each list item's
    JSON (pydantic's serializer) as it goes. Equal inputs still give equal keys.
    """

    exclude: list[str] = field(default_factory=list)

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if not inputs:
            return None
        digest = hashlib.md5(usedforsecurity=False)
        for name in sorted(set(inputs) - set(self.exclude)):
            digest.update(name.encode())
            try:
                _feed(digest, inputs[name])
            except PydanticSerializationError:  # not plain data: as Prefect would hash it
                digest.update(hash_objects(inputs[name], raise_on_failure=True).encode())
        return digest.hexdigest()


# Where an agent writes is not what it computes: a resumed run has a directory of its
# own, and its agents must still find the results the first run persisted.
WHERE_TO_WRITE = ["directory", "run_dir"]
RESUMABLE = StreamedInputs(exclude=WHERE_TO_WRITE) + TASK_SOURCE + ResumeKey()


def agent(name: str, *, task_run_name: str | None = None) -> Callable:
    """Decorator: the function becomes the task `name`; its runs are named `task_run_name`.

    Top-level agents keep the agent's name as the run name, so monitor rows are keyed
    by it; per-topic runs are named `agent[topic]`.
    """

    def wrap(fn: Callable) -> Any:
        return task(
            fn,
            name=name,
            task_run_name=task_run_name or name,
            cache_policy=RESUMABLE,
            persist_result=True,
            **STATE_HOOKS,
        )

    return wrap
