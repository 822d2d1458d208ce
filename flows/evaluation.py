"""The evaluation flow: analyse a labelled set with one model, then score the findings.

An evaluation is a Prefect flow run of its own (`voc-evaluation`): the analysis runs as
its child flow run (`voice-of-customer`, recorded by the monitor like any run), then one
task per metric scores the run's findings against the labels. The scores go to the
results store with the run (one row per metric) and to a table artifact
(`voc-scores`). Deployed on a schedule over a fixed labelled set, it catches a model
whose answers drift.
"""

from datetime import date
from decimal import Decimal
from pathlib import Path

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from pydantic import BaseModel

from flows.voice_of_customer import voice_of_customer
from monitor.store import resolve_store_url, shared_store
from tasks.labels import LabelledSet, load_labels
from tasks.llm import LOCAL_MODEL
from tasks.scoring import METRIC_TASKS, Score, scoring_inputs
from tasks.taxonomy import load_taxonomy

COMMAND = "voc-evaluation"
ARTIFACT_KEY = "voc-scores"


class EvaluationFailed(RuntimeError):
    """The analysis did not complete: there is nothing to score."""


class Evaluation(BaseModel):
    """What an evaluation returns: the analysed run, the labels, and the scores."""

    run_id: str
    source: str
    labels: str
    provider: str
    model: str
    scores: list[Score]


@task(name="load_labels", cache_policy=NO_CACHE, persist_result=False)
def labelled_set(source: str, labels: str | None) -> LabelledSet:
    """The source's labels, checked to cover every conversation in it."""
    return load_labels(source, Path(labels) if labels else None)


def publish(evaluation: Evaluation) -> None:
    """The scores as a table artifact on the evaluation's flow run."""
    rows = [
        {
            "metric": s.metric,
            "value": "n/a" if s.value is None else round(s.value, 4),
            "run": evaluation.run_id,
            "model": f"{evaluation.provider}/{evaluation.model}",
        }
        for s in evaluation.scores
    ]
    create_table_artifact(
        rows,
        key=ARTIFACT_KEY,
        description=f"Scores of {evaluation.provider}/{evaluation.model} against "
        f"{evaluation.labels}",
    )


@flow(name=COMMAND)
def evaluation(
    source: str = "sample",
    provider: str = "local",
    model: str = LOCAL_MODEL,
    base_url: str | None = None,
    start: date | None = None,
    end: date | None = None,
    labels: str | None = None,
    output_dir: str | None = None,
    store: str | None = None,
    budget: Decimal | None = None,
) -> Evaluation:
    """Analyse `source` (a labelled set) with `provider`/`model`, and score the findings.

    `labels` is the labels file, by default `X.labels.json` beside `X.json`. Without
    dates the window is the set's last week (the 7 days to its newest conversation), the
    week `voc run` analyses for the sample.
    """
    truth = labelled_set(source, labels)
    analysed = voice_of_customer(
        start=start or truth.first,
        end=end or truth.last,
        source=source,
        provider=provider,
        model=model,
        base_url=base_url,
        output_dir=output_dir,
        store=store,
        budget=budget,
        return_state=True,
    )
    run_id = str(analysed.state_details.flow_run_id)
    if not analysed.is_completed():
        raise EvaluationFailed(f"run {run_id} ended {analysed.name.lower()}: nothing to score")
    inputs = scoring_inputs(truth.labels, analysed.result().findings, load_taxonomy())
    futures = [score.submit(inputs) for score in METRIC_TASKS]
    scores = [future.result() for future in futures]
    shared_store(resolve_store_url(store)).record_scores(
        run_id, [s.model_dump() for s in scores], str(truth.path), str(flow_run.id)
    )
    result = Evaluation(
        run_id=run_id,
        source=source,
        labels=str(truth.path),
        provider=provider,
        model=model,
        scores=scores,
    )
    publish(result)
    return result
