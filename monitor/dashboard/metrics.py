"""`/metrics`: the store's totals in Prometheus text exposition format (version 0.0.4)."""

from typing import Any

from monitor.stable_json import jsonable

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

USAGE = [
    ("voc_llm_calls_total", "counter", "LLM calls by agent, provider and model.", "calls"),
    ("voc_llm_input_tokens_total", "counter", "Input tokens by agent and model.", "input_tokens"),
    (
        "voc_llm_output_tokens_total",
        "counter",
        "Output tokens by agent and model.",
        "output_tokens",
    ),
    (
        "voc_llm_cached_tokens_total",
        "counter",
        "Cached input tokens by agent and model.",
        "cached_tokens",
    ),
    ("voc_llm_cost_usd_total", "counter", "Cost in US dollars by agent and model.", "cost"),
]


def label_value(value: Any) -> str:
    """A label value escaped as the format asks: backslash, double quote and newline."""
    text = str(value)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def labels(**pairs: Any) -> str:
    """`{name="value",…}` with each value escaped."""
    return "{" + ",".join(f'{k}="{label_value(v)}"' for k, v in pairs.items()) + "}"


def render(data: dict[str, Any]) -> str:
    """The text for `ResultsStore.metrics()`."""
    lines = [
        "# HELP voc_runs Runs in the results store by status.",
        "# TYPE voc_runs gauge",
    ]
    lines += [
        f"voc_runs{labels(status=status)} {count}"
        for status, count in sorted(data["runs_by_status"].items())
    ]
    lines += [
        "# HELP voc_agent_duration_seconds Time each agent took, over its finished runs.",
        "# TYPE voc_agent_duration_seconds summary",
    ]
    for row in data["agent_durations"]:
        tag = labels(agent=row["agent"])
        lines.append(f"voc_agent_duration_seconds_sum{tag} {row['seconds']:.6f}")
        lines.append(f"voc_agent_duration_seconds_count{tag} {row['count']}")
    for name, kind, help_text, column in USAGE:
        lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}"]
        for row in data["usage"]:
            tag = labels(agent=row["agent"], provider=row["provider"], model=row["model"])
            # Money stays a decimal string: no float rounding on its way out.
            lines.append(f"{name}{tag} {jsonable(row[column])}")
    return "\n".join(lines) + "\n"
