"""The Intercom source against a loopback server speaking Intercom's REST API, and CSV exports."""

import json
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from monitor.store import ResultsStore
from tasks.load import SourceError, load_conversations
from tasks.services.errors import ServiceError
from tasks.services.http import RESET_WAIT_CAP_S, parse_retry_after
from tasks.services.intercom import EXPORT_NAME, IntercomClient, intercom_credentials
from tasks.services.retry import Backoff
from tests.conftest import intercom_conversation
from tests.servers.base import Reply
from tests.servers.intercom import FakeIntercom

MONDAY = 1_763_337_600  # 2025-11-17 00:00 UTC
WEEK = (date(2025, 11, 17), date(2025, 11, 23))


def conversations(inside: int = 400, outside: int = 20) -> list[dict]:
    made = [
        intercom_conversation(f"in{i}", MONDAY + i * 1500, f"Billing question number {i}")
        for i in range(inside)
    ]
    made += [
        intercom_conversation(f"out{i}", MONDAY - 3600 * (i + 1), "Last week")
        for i in range(outside)
    ]
    made.append(intercom_conversation("edge", MONDAY + 7 * 86_400, "Next Monday, 00:00"))
    return made


@pytest.fixture
def intercom(monkeypatch):
    with FakeIntercom(conversations()) as server:
        monkeypatch.setenv("INTERCOM_TOKEN", server.token)
        monkeypatch.setenv("INTERCOM_BASE_URL", server.url)
        yield server


def test_search_pages_then_reads_each_conversation_within_a_limit(intercom):
    intercom.delay_s = 0.01
    found = IntercomClient(intercom_credentials()).window(*WEEK)
    assert len(found) == 400 and found[0]["id"] == "in0"
    assert all(c["conversation_parts"]["conversation_parts"] for c in found)  # read whole

    searches = [r for r in intercom.requests if r.method == "POST"]
    assert len(searches) == 3  # 150 + 150 + 100
    assert searches[0].body["pagination"] == {"per_page": 150}
    assert searches[1].body["pagination"]["starting_after"]
    conditions = searches[0].body["query"]["value"]
    assert conditions == [
        {"field": "created_at", "operator": ">", "value": MONDAY - 1},
        {"field": "created_at", "operator": "<", "value": MONDAY + 7 * 86_400},
    ]
    first = intercom.requests[0].headers
    assert first["authorization"] == f"Bearer {intercom.token}" and first["intercom-version"]
    assert 1 < intercom.max_in_flight <= 8


def test_rate_limits_are_waited_out(intercom):
    intercom.fail_next(
        Reply(
            429,
            {"type": "error.list", "errors": [{"code": "rate_limit_exceeded"}]},
            headers={"retry-after": "0.2"},
        ),
        times=2,
    )
    found = IntercomClient(intercom_credentials(), Backoff(first_s=0.01)).window(*WEEK)
    assert len(found) == 400


def rate_limited(reset: int) -> Reply:
    """Intercom's 429: the error list, and the limit's reset as UNIX seconds."""
    errors = [{"code": "rate_limit_exceeded", "message": "Exceeded rate limit of 10000 in 60"}]
    headers = {
        "x-ratelimit-limit": "10000",
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": str(reset),
    }
    return Reply(429, {"type": "error.list", "errors": errors}, headers=headers)


def test_a_429_whose_reset_lies_ahead_is_waited_out_until_then(intercom):
    reset = int(time.time()) + 2
    intercom.fail_next(rate_limited(reset))
    found = IntercomClient(intercom_credentials(), Backoff(first_s=0.01)).conversation("in0")
    assert found["id"] == "in0"
    refused, retried = intercom.requests
    assert refused.at < reset <= retried.at < reset + 1  # not before the reset, nor much after


def test_a_reset_ahead_holds_back_every_thread(intercom):
    intercom.delay_s = 0.01
    reset = int(time.time()) + 3
    intercom.fail_next(rate_limited(reset))
    found = IntercomClient(intercom_credentials(), Backoff(first_s=0.01)).window(*WEEK)
    assert len(found) == 400
    refused = intercom.requests[0].at
    # What was already on its way when the 429 came back still arrives; then nothing until
    # the reset, although the client had seven more threads with work to do.
    held = [r.at for r in intercom.requests if refused + 0.5 < r.at < reset]
    assert held == [] and intercom.requests[-1].at >= reset


def test_a_429_whose_reset_has_passed_backs_off_exponentially(intercom):
    intercom.fail_next(rate_limited(int(time.time()) - 30), times=3)
    found = IntercomClient(intercom_credentials(), Backoff(first_s=0.2)).conversation("in0")
    assert found["id"] == "in0"
    arrivals = [r.at for r in intercom.requests]
    gaps = [later - earlier for earlier, later in zip(arrivals, arrivals[1:], strict=False)]
    assert len(gaps) == 3 and all(gap >= 0.2 * 2**n for n, gap in enumerate(gaps))


def test_the_wait_for_a_reset_is_capped_and_a_passed_reset_asks_none():
    now = time.time()
    far = httpx.Headers({"x-ratelimit-reset": str(int(now) + 3600)})
    assert parse_retry_after(far) == RESET_WAIT_CAP_S
    assert parse_retry_after(httpx.Headers({"x-ratelimit-reset": str(int(now) - 1)})) is None
    assert 4 < parse_retry_after(httpx.Headers({"x-ratelimit-reset": str(int(now) + 6)})) <= 6


def test_a_search_that_ends_early_is_an_error(intercom):
    intercom.end_after_pages = 1
    with pytest.raises(ServiceError) as raised:
        IntercomClient(intercom_credentials()).window(*WEEK)
    assert str(raised.value) == (
        "intercom: the search ended after 1 page(s) with 150 of 400 conversations"
    )


def test_a_refused_token_fails_at_once(intercom, monkeypatch):
    monkeypatch.setenv("INTERCOM_TOKEN", "dG9rOndyb25nLXRva2VuLTEyMzQ=")
    with pytest.raises(ServiceError) as raised:
        IntercomClient(intercom_credentials()).window(*WEEK)
    assert str(raised.value).startswith("intercom: HTTP 401 Unauthorized: the credentials were")
    assert "dG9r" not in str(raised.value) and len(intercom.requests) == 1


@pytest.mark.usefixtures("prefect_harness")  # the intercom source reads its block
def test_the_loader_saves_the_export_and_reads_it_back_offline(intercom, tmp_path):
    run_dir = tmp_path / "run"
    loaded = load_conversations.fn("intercom", *WEEK, run_dir)
    export = run_dir / EXPORT_NAME
    assert loaded.files == [export] and loaded.directory == run_dir
    assert len(loaded.conversations) == 400 and loaded.source == "intercom"
    assert json.loads(export.read_text())["type"] == "conversation.list"

    intercom.stop()  # offline from here on
    again = load_conversations.fn(str(export), *WEEK)
    assert [c.id for c in again.conversations] == [c.id for c in loaded.conversations]
    assert again.files == []


def test_csv_exports_are_read_with_loose_headers(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text(
        "Conversation ID,Created at (UTC),Initial message,Teammate reply,Assignee,Tier,"
        "Rating,Fin AI agent resolution\n"
        'c1,2025-11-18T09:30:00Z,"I was charged twice, please refund",On it,Dana,Paid,2,\n'
        "c2,1763510400,Where is my invoice?,,,free,,assumed_resolution\n"
        "c3,2025-11-01 10:00:00,Old one,,,,,\n",
        encoding="utf-8",
    )
    loaded = load_conversations.fn(str(path), *WEEK)
    first, second = loaded.conversations
    assert (loaded.read, loaded.outside_window) == (3, 1)
    assert (first.id, first.tier, first.rating, first.admin_names) == ("c1", "paid", 2, ["Dana"])
    assert first.opening_text == "I was charged twice, please refund"
    assert (second.tier, second.fin_resolution, second.handling) == (
        "free",
        "assumed_resolution",
        "fin_resolved",
    )


def test_a_csv_without_the_required_columns_says_which(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,when\n1,2025-11-18\n")
    with pytest.raises(SourceError, match=r"bad.csv: no column for created_at, body"):
        load_conversations.fn(str(path), *WEEK)


@pytest.mark.usefixtures("prefect_harness")
def test_pages_ending_early_fail_the_run_with_the_agent_and_reason(
    intercom, output_dir: Path, store_url: str
):
    from flows.voice_of_customer import voice_of_customer

    intercom.end_after_pages = 2
    state = voice_of_customer(
        start=WEEK[0],
        end=WEEK[1],
        source="intercom",
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
    assert state.is_failed()
    run = ResultsStore(store_url).run(str(state.state_details.flow_run_id))
    assert run["status"] == "failed" and run["source"] == "intercom"
    assert [(a["key"], a["status"]) for a in run["agents"]] == [("load_conversations", "failed")]
    assert run["agents"][0]["error"] == (
        "ServiceError: intercom: the search ended after 2 page(s) with 300 of 400 conversations"
    )


@pytest.mark.usefixtures("prefect_harness")
def test_no_token_anywhere_is_one_line(monkeypatch):
    monkeypatch.delenv("INTERCOM_TOKEN", raising=False)
    with pytest.raises(ValueError) as raised:
        intercom_credentials()
    assert str(raised.value) == (
        "intercom: no key: set INTERCOM_TOKEN or the voc-intercom-credentials/voc block"
    )
