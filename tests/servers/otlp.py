"""An OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf), keeping every span it is sent.

Decoded with OpenTelemetry's own protobuf definitions; spans come out in the shape
`tests.trace_checks` reads (as Phoenix's REST API returns them).
"""

import base64
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from tests.servers.base import FakeServer, Reply, Seen


def _value(any_value: dict[str, Any]) -> Any:
    """An OTLP AnyValue (as protobuf's JSON mapping gives it) as a Python value."""
    (kind, value), *_ = any_value.items()
    if kind == "arrayValue":
        return [_value(v) for v in value.get("values", [])]
    if kind == "intValue":
        return int(value)
    return value


def _attributes(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {item["key"]: _value(item["value"]) for item in items}


class FakeCollector(FakeServer):
    """Takes trace exports as a collector does; `spans` holds what it took, `resources`
    the resource attributes each batch came with."""

    def __init__(self) -> None:
        super().__init__()
        self.spans: list[dict[str, Any]] = []
        self.resources: list[dict[str, Any]] = []

    @property
    def endpoint(self) -> str:
        return self.url

    def route(self, seen: Seen) -> Reply:
        if seen.method != "POST" or seen.path != "/v1/traces":
            return super().route(seen)
        request = ExportTraceServiceRequest.FromString(seen.body or b"")
        for resource_spans in MessageToDict(request).get("resourceSpans", []):
            self.resources.append(_attributes(resource_spans["resource"].get("attributes", [])))
            for scope in resource_spans.get("scopeSpans", []):
                self.spans += [_span(span) for span in scope.get("spans", [])]
        body = ExportTraceServiceResponse().SerializeToString()
        return Reply(200, body, headers={"content-type": "application/x-protobuf"})


def _span(span: dict[str, Any]) -> dict[str, Any]:
    """One span as Phoenix's REST API shows it: ids in hex, attributes flat."""
    attributes = _attributes(span.get("attributes", []))
    return {
        "name": span["name"],
        "context": {"trace_id": _hex(span["traceId"]), "span_id": _hex(span["spanId"])},
        "parent_id": _hex(span["parentSpanId"]) if span.get("parentSpanId") else None,
        "span_kind": attributes.get("openinference.span.kind", "UNKNOWN"),
        "status_code": span.get("status", {}).get("code", "STATUS_CODE_UNSET")[12:],
        "attributes": attributes,
        "events": [{"name": e["name"]} for e in span.get("events", [])],
    }


def _hex(encoded: str) -> str:
    """Protobuf's JSON mapping writes bytes in base64; trace and span ids are read in hex."""
    return base64.b64decode(encoded).hex()
