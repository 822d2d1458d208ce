"""Where a run's OpenTelemetry traces go, as a Prefect block, for workers without OTEL_* variables.

Save one (`TraceExport(endpoint=...).save("voc")`) and name it on the worker with
`VOC_OTEL_BLOCK=voc`. OpenTelemetry's own environment variables, when set, win over
each of its fields (see `monitor.traces.settings`).
"""

from typing import ClassVar

from prefect.blocks.core import Block
from pydantic import Field, SecretStr


class TraceExport(Block):
    """An OTLP/HTTP endpoint, its auth headers, the service name, and whether to send text."""

    # Saved blocks are found by this name's slug (`voc-trace-export`): it must never change.
    _block_type_name: ClassVar[str] = "VoC Trace Export"
    _description: ClassVar[str] = "Where prefect-voc exports its OpenTelemetry traces."

    endpoint: str = Field(
        description="the OTLP/HTTP base URL, as OTEL_EXPORTER_OTLP_ENDPOINT "
        "(http://127.0.0.1:6006 for Phoenix); /v1/traces is added"
    )
    headers: SecretStr | None = Field(
        default=None,
        description="as OTEL_EXPORTER_OTLP_HEADERS: name=value pairs, comma separated "
        "(Authorization=Basic%20<base64 of public:secret key> for Langfuse)",
    )
    service_name: str = Field(default="prefect-voc", description="as OTEL_SERVICE_NAME")
    capture_content: bool = Field(
        default=False,
        description="as VOC_OTEL_CAPTURE_CONTENT: put the (PII-redacted) prompts and replies "
        "on the LLM spans",
    )
