"""The voice-of-customer flow: sixteen agents, each a Prefect task, recorded by the monitor."""

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from prefect import flow
from prefect.client.schemas.objects import FlowRun
from prefect.futures import PrefectFuture, wait
from prefect.runtime import flow_run
from prefect.utilities.annotations import opaque
from pydantic import TypeAdapter

from flows.requests_out import requests_started
from monitor.hooks import RunSpec, flow_hooks, recorded_parameters
from monitor.store import resolve_output_dir, resolve_store_url, shared_store
from tasks.churn import churn_risk
from tasks.confidence import confidence
from tasks.correlation import correlation_analysis
from tasks.fin import fin_performance
from tasks.gamma import gamma_presentation
from tasks.llm import LOCAL_MODEL, LLMSettings
from tasks.load import load_conversations
from tasks.models import Conversation, Findings, Topics, VoCResult, WeekSummary
from tasks.output import output_formatting
from tasks.preprocess import preprocess
from tasks.quality import quality_insights
from tasks.quotes import example_quotes
from tasks.segmentation import segmentation
from tasks.sentiment import topic_sentiment
from tasks.sub_topics import sub_topic_detection
from tasks.taxonomy import Taxonomy, load_taxonomy
from tasks.topics import topic_detection
from tasks.trend import trend, week_summary
from tasks.validation import validation
from tasks.window import WindowError, analysis_window

COMMAND = "voice-of-customer"
AGENTS = 16
_dates = TypeAdapter(date | None)


def run_directory(output_dir: Path, start: date, end: date, started: datetime, run_id: str) -> Path:
    """`<output dir>/voice-of-customer_Nov-6-to-Nov-13_6-00-07pm_1a2b3c`, created for this run.

    The window and the time keep it readable; the run id's first characters make it
    unique. It is created exclusively: two runs never write into one folder.
    """
    window = f"{start:%b}-{start.day}-to-{end:%b}-{end.day}"
    hour = started.strftime("%I").lstrip("0")
    clock = f"{hour}-{started:%M-%S}{started.strftime('%p').lower()}"
    path = output_dir / f"{COMMAND}_{window}_{clock}_{run_id[:6]}"
    path.mkdir(parents=True)
    return path


def previous_week(store: str | None, start: date) -> WeekSummary | None:
    """The summary of the last completed run before this window, from the results store."""
    summary = shared_store(resolve_store_url(store)).previous_summary(COMMAND, start)
    return WeekSummary.model_validate(summary) if summary else None


def run_spec(run: FlowRun) -> RunSpec:
    """What the monitor records about a run of this flow, from its parameters, as it opens."""
    params = run.parameters
    start, end = run_window(params, run)
    budget = params.get("budget")
    return RunSpec(
        command=COMMAND,
        agents_total=AGENTS,
        store_url=resolve_store_url(params.get("store")),
        window_start=start,
        window_end=end,
        source=str(params.get("source")),
        provider=params.get("provider"),
        model=params.get("model"),
        # The window worked out, so `voc resume` analyses the same week.
        parameters=recorded_parameters({**params, "start": start, "end": end}),
        resume_key=params.get("resume_key"),
        budget=Decimal(str(budget)) if budget is not None else None,
        notify=params.get("notify"),
    )


def run_window(params: dict, run: FlowRun) -> tuple[date | None, date | None]:
    """The window the flow works out, from the parameters and the run's scheduled start."""
    start = _dates.validate_python(params.get("start"))
    end = _dates.validate_python(params.get("end"))
    scheduled = run.expected_start_time or datetime.now(UTC)
    try:
        return analysis_window(start, end, scheduled, params.get("timezone") or "UTC")
    except WindowError:
        return start, end  # the flow itself fails, saying why


def submit_per_topic(
    topics: Topics | opaque,
    conversations: list[Conversation] | opaque,
    taxonomy: Taxonomy,
    llm: LLMSettings,
    concurrency: int,
) -> tuple[PrefectFuture, PrefectFuture, PrefectFuture]:
    """Start the three agents that run one task per topic, `concurrency` topics each at once.

    All three share the provider's limit of requests in flight, so together they keep it
    full while any one waits on its largest topic.
    """
    per_topic = dict(topics=topics, conversations=conversations, llm=llm, concurrency=concurrency)
    return (
        sub_topic_detection.submit(taxonomy=taxonomy, **per_topic),
        topic_sentiment.submit(**per_topic),
        example_quotes.submit(taxonomy=taxonomy, **per_topic),
    )


@flow(name=COMMAND, **flow_hooks(describe=run_spec))
def voice_of_customer(
    start: date | None = None,
    end: date | None = None,
    source: str = "sample",
    provider: str = "local",
    model: str = LOCAL_MODEL,
    base_url: str | None = None,
    output_dir: str | None = None,
    store: str | None = None,
    # All ten topics of the taxonomy at once: with five, the last topics' requests (and
    # their sentiment summaries) started late and took one more round of the request
    # slots at the end (bench/RESULTS.md, issue 15, third pass).
    topic_concurrency: int = 10,
    resume_key: str | None = None,
    budget: Decimal | None = None,
    timezone: str = "UTC",
    notify: str | None = None,
) -> VoCResult:
    """Analyse the conversations created from `start` to `end` (inclusive).

    Without dates, the window is the 7 full days (in `timezone`) before the flow run's
    scheduled start, so a late or re-run deployment run analyses the week it was meant for.
    Runs given the `resume_key` of an earlier run reuse its completed agents' results.
    With a `budget` (USD), an LLM call that could take the run past it is not made.
    `notify` names a Prefect notification block (`slack-webhook/voc-alerts`) told when
    the run fails or stops at its budget; see monitor.notify.
    """
    start, end = analysis_window(start, end, flow_run.scheduled_start_time, timezone)
    llm = LLMSettings(provider=provider, model=model, base_url=base_url)
    out = resolve_output_dir(output_dir)
    run_dir = run_directory(out, start, end, datetime.now().astimezone(), flow_run.id)
    taxonomy = load_taxonomy()

    loaded = load_conversations(source, start, end, run_dir)
    # Prefect walks every task input looking for futures, object by object, twice per
    # task run (seconds per agent at 10,000 conversations); these inputs are plain data.
    clean = preprocess(opaque(loaded.conversations))
    conversations = opaque(clean.conversations)
    segments = segmentation.submit(conversations)
    topics = topic_detection(conversations, taxonomy, llm)
    assigned = opaque(topics)

    started = requests_started()
    before = started.count
    per_topic = submit_per_topic(assigned, conversations, taxonomy, llm, topic_concurrency)
    sub_topics, sentiment, quotes = per_topic
    # The agents below need the CPU more than the model (quality and churn ask it one
    # short question each): they start once the per-topic agents fill the request slots.
    started.wait(llm.concurrency, since=before, futures=per_topic)
    fin = fin_performance.submit(conversations, assigned)
    correlations = correlation_analysis.submit(conversations, assigned)
    quality = quality_insights.submit(conversations, assigned, llm)
    churn = churn_risk.submit(conversations, assigned, llm)
    trust = confidence.submit(
        conversations, clean.duplicates_removed, assigned, clean.messages_truncated
    )
    futures = [segments, sub_topics, sentiment, quotes, fin, correlations, quality, churn, trust]
    wait(futures)

    summary = week_summary(loaded, clean, topics, sentiment.result(), fin.result())
    week_trend = trend(summary, previous_week(store, start), llm)
    findings = {
        "segmentation": segments.result(),
        "topic_detection": topics,
        "sub_topic_detection": sub_topics.result(),
        "topic_sentiment": sentiment.result(),
        "example_quotes": quotes.result(),
        "fin_performance": fin.result(),
        "correlation": correlations.result(),
        "quality_insights": quality.result(),
        "churn_risk": churn.result(),
        "confidence": trust.result(),
        "trend": week_trend,
    }
    validation(opaque(findings))
    output = output_formatting(run_dir, summary, opaque(findings), llm)
    # The report is written: a failed deck is the Gamma agent's failure (recorded, with
    # its reason), not the run's.
    presentation = gamma_presentation(output, return_state=True)
    deck = presentation.result() if presentation.is_completed() else None
    scored = Findings(
        topics=topics,
        sub_topics=findings["sub_topic_detection"],
        sentiment=findings["topic_sentiment"],
        quotes=findings["example_quotes"],
    )
    return VoCResult(summary=summary, output=output, presentation=deck, findings=scored)
