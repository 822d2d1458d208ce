"""JSON schemas of an agent's output model, as the providers' structured outputs want them."""

from functools import cache
from typing import Any

from pydantic import BaseModel


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            target = defs[node["$ref"].rsplit("/", 1)[-1]]
            rest = {k: v for k, v in node.items() if k != "$ref"}
            return _inline({**target, **rest}, defs)
        return {k: _inline(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


# Both are built once per output model (pydantic generates the schema anew on every
# call, a millisecond each, for every request): callers share the result, read only.
@cache
def output_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every `$ref` inlined (the output models are not recursive)."""
    schema = model.model_json_schema()
    return _inline(schema, schema.get("$defs", {}))


def _strict(node: Any) -> Any:
    """OpenAI's strict mode: closed objects, every property required, no defaults."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {
        key: {name: _strict(prop) for name, prop in value.items()}
        if key == "properties"
        else _strict(value)
        for key, value in node.items()
        if key != "default"
    }
    if node.get("type") == "object":
        if isinstance(node.get("additionalProperties"), dict) or "properties" not in node:
            raise ValueError("open object")  # a dict field: strict mode cannot express it
        node["additionalProperties"] = False
        node["required"] = list(node["properties"])
    return node


@cache
def strict_schema(model: type[BaseModel]) -> dict[str, Any] | None:
    """The schema in OpenAI's strict form, or None when the model cannot be expressed so."""
    try:
        return _strict(output_schema(model))
    except ValueError:
        return None
