"""Where traces go: OpenTelemetry's own environment variables, or a `TraceExport` block.

Each setting comes from the first place that has it: its environment variable, the
block named by `VOC_OTEL_BLOCK` (read only when that is set), the default. No endpoint
anywhere means no traces. A malformed setting is a one-line `TraceSettingsError`
that names the variable and never repeats a header's value.
"""

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

BLOCK_VARIABLE = "VOC_OTEL_BLOCK"
CAPTURE_VARIABLE = "VOC_OTEL_CAPTURE_CONTENT"
DEFAULT_SERVICE = "prefect-voc"
DEFAULT_TIMEOUT_S = 10.0  # the OTLP exporter's own default
TRACES_PATH = "v1/traces"
# A header name is an HTTP token; a value is printable ASCII without `,` `;` `"` `\`
# (URL-encode anything else): the OTLP exporter spec, as the Python SDK reads it.
_HEADER = re.compile(
    r"[ \t]*[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]*=[ \t]*[\x20\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e]*"
)
_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off", "")


class TraceSettingsError(ValueError):
    """A trace export setting that cannot be used, said in one line."""


@dataclass(frozen=True)
class TraceSettings:
    """One process's trace export: the OTLP/HTTP traces URL and how to talk to it."""

    endpoint: str  # the full traces URL, /v1/traces included
    headers: dict[str, str] = field(repr=False)  # auth: never logged
    service_name: str = DEFAULT_SERVICE
    capture_content: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S


def trace_settings(
    block: Any | None = None, environ: Mapping[str, str] = os.environ
) -> TraceSettings | None:
    """The settings from the environment, then `block` (a `TraceExport`); None: no traces."""
    endpoint = _endpoint(environ, block)
    if endpoint is None:
        return None
    headers_variable = next(
        (
            v
            for v in ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_HEADERS")
            if environ.get(v)
        ),
        None,
    )
    if headers_variable:
        headers = parse_headers(environ[headers_variable], headers_variable)
    elif block is not None and block.headers is not None:
        headers = parse_headers(block.headers.get_secret_value(), "the trace block's headers")
    else:
        headers = {}
    capture = environ.get(CAPTURE_VARIABLE)
    return TraceSettings(
        endpoint=endpoint,
        headers=headers,
        service_name=environ.get("OTEL_SERVICE_NAME")
        or getattr(block, "service_name", None)
        or DEFAULT_SERVICE,
        capture_content=_flag(capture)
        if capture is not None
        else bool(getattr(block, "capture_content", False)),
        timeout_s=_timeout(environ),
    )


def _endpoint(environ: Mapping[str, str], block: Any | None) -> str | None:
    """The traces URL: the traces variable as it is, else a base URL with /v1/traces added."""
    if url := environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        return _checked_url(url, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    base, where = environ.get("OTEL_EXPORTER_OTLP_ENDPOINT"), "OTEL_EXPORTER_OTLP_ENDPOINT"
    if not base and block is not None:
        base, where = block.endpoint, "the trace block's endpoint"
    if not base:
        return None
    return f"{_checked_url(base, where).rstrip('/')}/{TRACES_PATH}"


def _checked_url(url: str, where: str) -> str:
    """An http(s) URL with a host and no credentials in it, or a one-line error."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise TraceSettingsError(f"{where} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TraceSettingsError(f"{where} must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise TraceSettingsError(
            f"{where} has credentials in it: put them in OTEL_EXPORTER_OTLP_HEADERS"
        )
    return url.strip()


def parse_headers(text: str, where: str) -> dict[str, str]:
    """`name=value,name=value` (values URL-encoded) as a dict; a one-line error names the bad
    entry by its position and name only: a header's value is a secret."""
    headers = {}
    for number, entry in enumerate(text.split(","), start=1):
        if not entry.strip():
            continue
        name = entry.partition("=")[0].strip()
        if "=" not in entry or not _HEADER.fullmatch(entry):
            shown = f" ({name})" if "=" in entry and re.fullmatch(r"[\w-]+", name) else ""
            raise TraceSettingsError(
                f"{where}: entry {number}{shown} is not name=value (a header name, '=', "
                "then the value URL-encoded, entries separated by commas)"
            )
        headers[name.lower()] = unquote(entry.partition("=")[2].strip())
    return headers


def _flag(value: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise TraceSettingsError(f"{CAPTURE_VARIABLE} must be true or false, not {value!r}")


def _timeout(environ: Mapping[str, str]) -> float:
    """Seconds one export may take (as the Python OTLP exporter reads the variables)."""
    for variable in ("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"):
        if raw := environ.get(variable):
            try:
                seconds = float(raw)
            except ValueError:
                seconds = -1.0
            if not 0 < seconds < float("inf"):
                raise TraceSettingsError(f"{variable} must be a number of seconds, not {raw!r}")
            return seconds
    return DEFAULT_TIMEOUT_S


def named_block() -> Any | None:
    """The `TraceExport` block named by `VOC_OTEL_BLOCK`, or None when it names none."""
    name = os.environ.get(BLOCK_VARIABLE)
    if not name:
        return None
    from blocks.traces import TraceExport  # imports Prefect's blocks: only when named

    try:
        return TraceExport.load(name)
    except (ValueError, KeyError, RuntimeError, OSError) as exc:
        raise TraceSettingsError(
            f"{BLOCK_VARIABLE}={name}: no voc-trace-export block of that name ({exc})"
        ) from None
