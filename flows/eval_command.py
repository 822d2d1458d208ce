"""`voc eval`: evaluate one or several models on a labelled set and print one table.

Each model is an evaluation flow run of its own (flows.evaluation), one after the
other, on one Prefect API; the table shows each model's cost, tokens, scores and wall
time, read back from the results store.
"""

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from rich.table import Table

from flows.run_inputs import BadInput, check_output_dir, check_run_inputs
from monitor.store import ResultsStore, resolve_output_dir

# The metrics as the table heads them; the last is an error in points (lower is better).
HEADS = {
    "topic_accuracy": "Topic",
    "topic_macro_f1": "Topic F1",
    "sub_topic_accuracy": "Sub-topic",
    "sentiment_accuracy": "Sentiment",
    "quote_relevance": "Quotes",
    "topic_mix_max_error": "Mix ±pts",
}


@dataclass(frozen=True)
class Candidate:
    """A model to evaluate, with the provider that serves it."""

    provider: str
    model: str


def provider_of(model: str, provider: str | None) -> str:
    """`provider` when given; else the local model's, or the one genai-prices knows it by."""
    from genai_prices import Usage, calc_price

    from tasks.llm import DEFAULT_MODELS, PROVIDERS

    if provider:
        return provider
    if model == DEFAULT_MODELS["local"]:
        return "local"
    try:
        found = calc_price(Usage(input_tokens=0, output_tokens=0), model_ref=model).provider.id
    except LookupError:
        found = None
    if found not in PROVIDERS:
        raise BadInput(f"cannot tell which provider serves model {model!r}: pass --provider")
    return found


def candidates(provider: str | None, model: str | None, models: str | None) -> list[Candidate]:
    """The models `--model`/`--models` name (default: the provider's), each with its provider."""
    from tasks.llm import DEFAULT_MODELS

    if model and models:
        raise BadInput("give --model or --models, not both")
    if models:
        names = [name.strip() for name in models.split(",") if name.strip()]
    else:
        names = [model or DEFAULT_MODELS.get(provider or "local", DEFAULT_MODELS["local"])]
    if not names:
        raise BadInput("--models names no model")
    return [Candidate(provider_of(name, provider), name) for name in names]


@dataclass(frozen=True)
class Request:
    """What `voc eval` was asked, checked."""

    source: str
    labels: Path | None
    start: date | None
    end: date | None
    base_url: str | None
    output_dir: Path  # VOC_OUTPUT_DIR, else the voc home's
    candidates: list[Candidate]


def check_request(
    source: str,
    labels: Path | None,
    start: date | None,
    end: date | None,
    provider: str | None,
    model: str | None,
    models: str | None,
    base_url: str | None,
) -> Request:
    """Everything an evaluation needs, checked before the first run starts (BadInput)."""
    from tasks.labels import LabelsError, load_labels

    chosen = candidates(provider, model, models)
    first, last = start or date.min, end or date.max
    flow_source = source
    for candidate in chosen:
        flow_source = check_run_inputs(
            source, first, last, candidate.provider, candidate.model, base_url
        )
    try:
        load_labels(flow_source, labels)
    except LabelsError as exc:
        raise BadInput(str(exc)) from exc
    out = resolve_output_dir(None)
    check_output_dir(out)
    return Request(flow_source, labels, start, end, base_url, out, chosen)


@dataclass(frozen=True)
class Outcome:
    """One model's evaluation: its run in the store, its scores, how long it took."""

    candidate: Candidate
    run: dict[str, Any] | None
    scores: list[dict[str, Any]]
    wall_s: float
    error: str | None = None


def evaluate(
    request: Request, candidate: Candidate, results: ResultsStore, store: str | None
) -> Outcome:
    """Run one evaluation flow into `results` (`store` its URL as the user gave it, None
    for the default); its run and scores as the store recorded them."""
    from flows.evaluation import evaluation

    began = time.perf_counter()
    state = evaluation(
        source=request.source,
        provider=candidate.provider,
        model=candidate.model,
        base_url=request.base_url,
        start=request.start,
        end=request.end,
        labels=str(request.labels) if request.labels else None,
        output_dir=str(request.output_dir),
        store=store,
        return_state=True,
    )
    wall = time.perf_counter() - began
    if not state.is_completed():
        message = (state.message or state.name).splitlines()[0]
        return Outcome(candidate, None, [], wall, error=message)
    run = results.run(state.result().run_id)
    return Outcome(candidate, run, run["scores"], wall)


def shown(value: float | None, metric: str) -> str:
    """A score for the table: points for the mix error, otherwise a share to 3 places."""
    if value is None:
        return "n/a"
    return f"{value:.2f}" if metric == "topic_mix_max_error" else f"{value:.3f}"


def scores_table(outcomes: list[Outcome]) -> Table:
    """One row per model: cost, tokens (in and out), each score, wall time."""
    table = Table("Model", "Cost", "Tokens", *HEADS.values(), "Wall")
    for column in table.columns[1:]:
        column.justify = "right"
    for outcome in outcomes:
        name = outcome.candidate.model
        if outcome.run is None:
            table.add_row(name, "failed", *[""] * (len(HEADS) + 1), f"{outcome.wall_s:.1f}s")
            continue
        run, values = outcome.run, {s["metric"]: s["value"] for s in outcome.scores}
        table.add_row(
            name,
            f"${run['cost']:.6f}",
            f"{run['input_tokens'] + run['output_tokens']:,}",
            *(shown(values.get(metric), metric) for metric in HEADS),
            f"{outcome.wall_s:.1f}s",
        )
    return table


def notes(outcomes: list[Outcome]) -> list[str]:
    """What the table cannot show: each model's run (or why it failed), labels the taxonomy
    lacks, what the scores are against."""
    lines = []
    for outcome in outcomes:
        name = f"{outcome.candidate.provider}/{outcome.candidate.model}"
        if outcome.error:
            lines.append(f"{name}: {outcome.error}")
            continue
        lines.append(f"{name}: run {outcome.run['id'][:8]} (voc show {outcome.run['id'][:8]})")
        detail = {s["metric"]: s["detail"] for s in outcome.scores}
        unknown = detail.get("topic_accuracy", {}).get("unknown_topics") or {}
        if unknown:
            listed = ", ".join(f"{topic} ({n})" for topic, n in sorted(unknown.items()))
            lines.append(
                f"{name}: labels name topics the taxonomy lacks, counted as misses: {listed}"
            )
    scored = [o for o in outcomes if o.scores]
    if scored:
        lines.append(
            f"Scored against {scored[0].scores[0]['labels']}: shares right, 1.000 is all; "
            "Mix ±pts is the largest gap between a topic's found and true share, in points."
        )
    return lines


def as_json(outcomes: list[Outcome]) -> list[dict[str, Any]]:
    """The outcomes as `voc eval --json` prints them."""
    return [
        {
            "provider": o.candidate.provider,
            "model": o.candidate.model,
            "run_id": o.run["id"] if o.run else None,
            "cost": o.run["cost"] if o.run else None,
            "input_tokens": o.run["input_tokens"] if o.run else None,
            "output_tokens": o.run["output_tokens"] if o.run else None,
            "wall_s": round(o.wall_s, 3),
            "error": o.error,
            "scores": o.scores,
        }
        for o in outcomes
    ]
