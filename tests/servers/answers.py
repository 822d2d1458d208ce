"""A fake model's answer: an instance of the requested JSON schema, made from the prompt.

Arrays of per-conversation items get one item per conversation in the prompt (at
most the prompt's `limit`, when it sets one: "up to 3 quotes"); ids, topic names and
quotes come from the prompt too, so the pipeline's checks (known topics, verbatim
quotes) see a plausible answer. Schemas may be inlined or use `$defs` and `$ref`, as
pydantic writes them.
"""

import json
from typing import Any


def _conversations(prompt: dict) -> list[dict]:
    """The prompt's conversations, a list of `{id, text}` or one object from id to text."""
    found = prompt.get("conversations", [])
    if isinstance(found, dict):
        return [{"id": cid, "text": text} for cid, text in found.items()]
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def _string(name: str, prompt: dict, item: dict | None) -> str:
    if name in ("id", "conversation_id") and item:
        return str(item["id"])
    if name == "topic" and prompt.get("topics"):
        return prompt["topics"][0]["name"]
    if name == "sub_topic" and prompt.get("sub_topics"):
        return prompt["sub_topics"][0]["name"]
    if name == "text" and item:
        return item["text"][:60]
    return f"A plain {name or 'answer'}."


def _resolve(schema: dict, root: dict) -> dict:
    """`schema` with a local `$ref` (`#/$defs/Name`) replaced by what it points at."""
    while "$ref" in schema:
        target: Any = root
        for part in schema["$ref"].lstrip("#/").split("/"):
            target = target[part]
        schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def instance(
    schema: dict,
    prompt: dict,
    name: str = "",
    item: dict | None = None,
    root: dict | None = None,
) -> Any:
    """A value matching `schema`, a JSON schema inlined or with `$defs`/`$ref`."""
    root = schema if root is None else root
    schema = _resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        return instance(schema["anyOf"][0], prompt, name, item, root)
    kind = schema.get("type")
    if kind == "object":
        return {
            key: instance(sub, prompt, key, item, root)
            for key, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        items = _resolve(schema.get("items", {}), root)
        per_item = {"id", "conversation_id"} & set(items.get("properties", {}))
        if per_item and _conversations(prompt):
            chosen = _conversations(prompt)[: prompt.get("limit")]
            return [instance(items, prompt, name, c, root) for c in chosen]
        return [instance(items, prompt, name, item, root) for _ in range(2)]
    if kind == "string":
        return _string(name, prompt, item)
    if kind in ("number", "integer"):
        low = schema.get("minimum", 0)
        return max(low, min(schema.get("maximum", 0), 0))
    if kind == "boolean":
        return True
    return None


def answer(schema: dict, prompt_text: str) -> str:
    """The JSON text of the answer to a prompt (the payload JSON prefect-voc sends)."""
    try:
        prompt = json.loads(prompt_text)
    except ValueError:
        prompt = {}
    return json.dumps(instance(schema, prompt if isinstance(prompt, dict) else {}))
