"""Failure and budget-stop messages through a Prefect notification block, to a loopback webhook."""

from datetime import date
from decimal import Decimal

import pytest
from prefect.blocks.notifications import CustomWebhookNotificationBlock
from prefect.settings import PREFECT_UI_URL, temporary_settings

from flows.voice_of_customer import voice_of_customer
from monitor.notify import NotifyError, message, send
from monitor.store import ResultsStore
from tests.servers.base import FakeServer, Reply, Seen
from tests.servers.openai import FakeOpenAI
from tests.test_flow import MONDAY, small_export

pytestmark = pytest.mark.usefixtures("prefect_harness")
WEEK = {"start": date(2025, 11, 17), "end": date(2025, 11, 23)}


class Webhook(FakeServer):
    """A loopback webhook receiver: takes any POST."""

    def route(self, seen: Seen) -> Reply:
        return Reply(204) if seen.method == "POST" else super().route(seen)


@pytest.fixture
def webhook():
    """The receiver, and a saved `custom-webhook/voc-test-alerts` block that posts to it."""
    with Webhook() as receiver:
        CustomWebhookNotificationBlock(
            name="voc",
            url=f"{receiver.url}/hook",
            json_data={"subject": "{{subject}}", "body": "{{body}}"},
        ).save("voc-test-alerts", overwrite=True)
        yield receiver


def test_a_failed_run_sends_one_message_saying_why(tmp_path, output_dir, store_url, webhook):
    missing = tmp_path / "missing.json"
    state = voice_of_customer(
        **WEEK,
        source=str(missing),
        output_dir=str(output_dir),
        store=store_url,
        notify="custom-webhook/voc-test-alerts",
        return_state=True,
    )
    assert state.is_failed()
    run_id = str(state.state_details.flow_run_id)
    (sent,) = webhook.requests
    assert sent.path == "/hook"
    assert sent.body["subject"] == "voc: voice-of-customer run failed (2025-11-17 to 2025-11-23)"
    assert f"Run {run_id} of voice-of-customer" in sent.body["body"]
    assert "SourceError" in sent.body["body"] and "missing.json" in sent.body["body"]
    assert "Failed agents: load_conversations" in sent.body["body"]
    assert f"voc resume {run_id}" in sent.body["body"]


def test_a_budget_stop_sends_a_message_through_the_block_named_in_the_environment(
    tmp_path, output_dir, store_url, webhook, monkeypatch
):
    monkeypatch.setenv("VOC_NOTIFY_BLOCK", "custom-webhook/voc-test-alerts")
    with (
        temporary_settings(updates={PREFECT_UI_URL: "http://prefect.example:4200/"}),
        FakeOpenAI() as openai,
    ):
        monkeypatch.setenv("OPENAI_API_KEY", openai.api_key)
        monkeypatch.setenv("OPENAI_BASE_URL", openai.base_url)
        state = voice_of_customer(
            **WEEK,
            source=str(small_export(tmp_path / "export.json", MONDAY)),
            provider="openai",
            model="gpt-4o-mini",
            output_dir=str(output_dir),
            store=store_url,
            budget=Decimal("0.000001"),
            return_state=True,
        )
    assert state.is_failed()
    run_id = str(state.state_details.flow_run_id)
    assert ResultsStore(store_url).run(run_id)["failure_reason"] == "budget"
    (sent,) = webhook.requests
    assert sent.body["subject"].startswith("voc: voice-of-customer run stopped at its budget")
    assert "BudgetExceeded" in sent.body["body"]
    assert f"Flow run: http://prefect.example:4200/runs/flow-run/{run_id}" in sent.body["body"]


def test_a_completed_run_or_one_without_a_block_sends_nothing(
    tmp_path, output_dir, store_url, webhook
):
    completed = voice_of_customer(
        **WEEK,
        source=str(small_export(tmp_path / "export.json", MONDAY)),
        output_dir=str(output_dir),
        store=store_url,
        notify="custom-webhook/voc-test-alerts",
        return_state=True,
    )
    assert completed.is_completed()
    failed = voice_of_customer(
        **WEEK,
        source="/nonexistent.json",
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
    assert failed.is_failed()
    assert webhook.requests == []


def test_a_missing_block_is_named():
    with pytest.raises(NotifyError, match="'custom-webhook/no-such-block' not found"):
        send("custom-webhook/no-such-block", "subject", "body")


def test_the_message_of_a_run_the_store_knows():
    run = {
        "id": "abc",
        "command": "voice-of-customer",
        "status": "failed",
        "window_start": date(2026, 11, 16),
        "window_end": date(2026, 11, 22),
        "error": "BudgetExceeded: budget exceeded: spent $0.01 of $0.01",
        "failure_reason": "budget",
        "agents": [
            {"key": "trend", "status": "failed"},
            {"key": "topic_detection", "status": "completed"},
        ],
        "cost": Decimal("0.0100"),
        "calls": 7,
    }
    subject, body = message(run)
    assert subject == "voc: voice-of-customer run stopped at its budget (2026-11-16 to 2026-11-22)"
    assert "Failed agents: trend" in body and "Spent: $0.0100 on 7 LLM calls" in body
