"""The flow on a real (temporary) Prefect API, recorded into a real SQLite store."""

import asyncio
import hashlib
from datetime import date
from pathlib import Path

import pytest
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

from flows.voice_of_customer import voice_of_customer
from monitor.hooks import wait_for_publishing
from monitor.store import ResultsStore
from tasks.observe import observers
from tests.conftest import intercom_conversation, write_export
from tests.polling import until

pytestmark = pytest.mark.usefixtures("prefect_harness")
MONDAY = 1_763_337_600  # 2025-11-17 00:00 UTC
TEXTS = [
    "I was charged twice this month, please refund me. Call +1 415-555-0132",
    "Where can I download my invoice? Card 4111 1111 1111 1111",
    "I cannot log in, the password reset email never arrives, this is terrible",
    "The login works now, thanks a lot, great support!",
    "What colour is the sky above your office today?",
]


def small_export(path: Path, week_start: int, count: int = 30) -> Path:
    conversations = [
        intercom_conversation(
            f"{week_start}-{i}",
            week_start + i * 3600 * 4,
            TEXTS[i % len(TEXTS)],
            rating=i % 5 + 1,
            resolution=["confirmed_resolution", "routed_to_team", None][i % 3],
            customer=f"c{i}",
        )
        for i in range(count)
    ]
    return write_export(path, conversations)


def run_small_week(tmp_path: Path, output_dir: Path, store: str):
    """The flow over `small_export`'s week of 2025-11-17, in this process; its final state."""
    from flows.voice_of_customer import voice_of_customer

    return voice_of_customer(
        start=date(2025, 11, 17),
        end=date(2025, 11, 23),
        source=str(small_export(tmp_path / "export.json", MONDAY)),
        output_dir=str(output_dir),
        store=store,
        return_state=True,
    )


def prefect_records(flow_run_id: str, names: list[str]) -> tuple[list, list]:
    """The run's task runs and artifacts in Prefect's API, once its task runs have `names`.

    The client reports task runs as events, which the server records a moment later:
    for a while some are missing, and some still carry a temporary name
    (`gamma_presentation-d56`) until the event with the real one arrives. The monitor
    publishes the artifacts after the flow's call returns: they are waited for first.
    """
    assert wait_for_publishing()
    expected = sorted(names)

    async def read() -> tuple[list, list]:
        runs = FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
        async with get_client() as client:
            found = await client.read_task_runs(flow_run_filter=runs)
            return found, await client.read_artifacts(flow_run_filter=runs)

    def complete() -> tuple[list, list] | None:
        found, artifacts = asyncio.run(read())
        return (found, artifacts) if sorted(t.name for t in found) == expected else None

    return until("the server to hold every task run", complete, 10)


@pytest.fixture
def llm_calls_seen():
    """Every LLM call the client reports, counted beside the store."""
    seen: list = []
    observers.llm_call.append(seen.append)
    yield seen
    observers.llm_call.remove(seen.append)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_store_url(request, store_url) -> str:
    """The test's own SQLite file, or the session's PostgreSQL schema."""
    if request.param == "sqlite":
        return store_url
    return request.getfixturevalue("postgres_url")


def test_a_run_records_every_agent_call_and_file(
    tmp_path, output_dir, any_store_url, llm_calls_seen
):
    store_url = any_store_url
    source = small_export(tmp_path / "export.json", MONDAY)
    state = voice_of_customer(
        start=date(2025, 11, 17),
        end=date(2025, 11, 23),
        source=str(source),
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
    assert state.is_completed(), state.message
    run_id = str(state.state_details.flow_run_id)
    run = ResultsStore(store_url).run(run_id)

    assert run["status"] == "completed" and run["ended_at"] is not None
    assert run["agents_done"] == run["agents_total"] == 16
    top_level = [a for a in run["agents"] if a["key"] == a["agent"]]
    assert len(top_level) == 16
    assert all(a["status"] in ("completed", "skipped") for a in run["agents"])
    assert [a["status"] for a in top_level if a["agent"] == "gamma_presentation"] == ["skipped"]

    task_runs, artifacts = prefect_records(run_id, [a["key"] for a in run["agents"]])
    assert sorted(a["key"] for a in run["agents"]) == sorted(t.name for t in task_runs)
    assert {a["agent"] for a in run["agents"] if "[" in a["key"]} == {
        "sub_topic_detection",
        "topic_sentiment",
        "example_quotes",
    }

    assert run["calls"] == len(llm_calls_seen) > 0
    assert run["input_tokens"] == sum(c.usage.input_tokens for c in llm_calls_seen)
    assert run["cost"] == 0  # the offline provider is free

    by_key = {a.key: a for a in artifacts}
    assert by_key["voc-progress"].data == 100.0
    assert by_key["voc-progress"].description == "16/16 agents"
    assert "TOTAL" in by_key["voc-cost-breakdown"].data
    assert "# Voice of Customer" in by_key["voc-report"].data

    run_dir = Path(run["output_dir"])
    assert run_dir.parent == output_dir.resolve()
    assert run_dir.name.startswith("voice-of-customer_Nov-17-to-Nov-23_")
    assert sorted(f["path"] for f in run["files"]) == ["report.md", "results.json", "topics.csv"]
    for f in run["files"]:
        data = (run_dir / f["path"]).read_bytes()
        assert (f["size"], f["sha256"]) == (len(data), hashlib.sha256(data).hexdigest())
    report = (run_dir / "report.md").read_text()
    assert "\n---\n" in report and "415-555" not in report and "4111" not in report


def test_the_next_week_is_compared_with_the_previous_run(tmp_path, output_dir, store_url):
    week = 7 * 86_400
    for offset, name in ((0, "first.json"), (week, "second.json")):
        state = voice_of_customer(
            start=date.fromtimestamp(MONDAY + offset),
            end=date.fromtimestamp(MONDAY + offset + week - 1),
            source=str(
                small_export(tmp_path / name, MONDAY + offset, count=30 + offset // week * 10)
            ),
            output_dir=str(output_dir),
            store=store_url,
            return_state=True,
        )
        assert state.is_completed(), state.message
    result = state.result()
    results = Path(result.output.directory, "results.json").read_text()
    assert '"previous_window": "2025-11-17 to 2025-11-23"' in results
    assert '"volume_change_percent": 33.3' in results


def test_a_malformed_export_fails_the_run_with_the_reason(tmp_path, output_dir, store_url):
    source = tmp_path / "broken.json"
    source.write_text('{"conversations": [{"id": "1"}]}')
    state = voice_of_customer(
        start=date(2025, 11, 17),
        end=date(2025, 11, 23),
        source=str(source),
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
    assert state.is_failed()
    run = ResultsStore(store_url).run(str(state.state_details.flow_run_id))
    assert run["status"] == "failed" and run["ended_at"] is not None
    assert "broken.json: conversation #1 (id 1): source: missing" in run["error"]
    assert [(a["key"], a["status"]) for a in run["agents"]] == [("load_conversations", "failed")]


def test_the_store_can_come_from_a_sqlalchemy_connector_block(tmp_path, output_dir):
    from prefect_sqlalchemy import ConnectionComponents, SqlAlchemyConnector, SyncDriver

    database = tmp_path / "from-block.db"
    SqlAlchemyConnector(
        connection_info=ConnectionComponents(
            driver=SyncDriver.SQLITE_PYSQLITE, database=str(database)
        )
    ).save("voc-test-store", overwrite=True)
    state = voice_of_customer(
        start=date(2025, 11, 17),
        end=date(2025, 11, 23),
        source=str(small_export(tmp_path / "export.json", MONDAY)),
        output_dir=str(output_dir),
        store="block:voc-test-store",
        return_state=True,
    )
    assert state.is_completed(), state.message
    (run,) = ResultsStore(f"sqlite:///{database}").runs()
    assert run["status"] == "completed" and run["parameters"]["store"] == "block:voc-test-store"
    assert not (output_dir / "voc.db").exists()


def test_a_password_in_the_store_url_is_never_recorded():
    from monitor.hooks import recorded_parameters

    recorded = recorded_parameters({"store": "postgresql+psycopg://voc:s3cret@db:5432/voc"})
    assert recorded["store"] == "postgresql+psycopg://voc:***@db:5432/voc"
