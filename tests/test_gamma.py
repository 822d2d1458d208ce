"""The Gamma presentation agent against a loopback server speaking Gamma's v1.0 API."""

from pathlib import Path

import pytest

from tasks.gamma import gamma_presentation
from tasks.models import OutputFiles
from tasks.services.credentials import GAMMA, resolve
from tasks.services.errors import ServiceError
from tasks.services.gamma import GammaClient, generation_body
from tests.servers.base import Reply
from tests.servers.gamma import FakeGamma

REPORT = "# Voice of Customer\n\nHeadline.\n\n---\n\n## Billing: 40%\n\n> “charged twice”\n"


@pytest.fixture
def gamma(monkeypatch):
    with FakeGamma(pending_polls=0) as server:
        monkeypatch.setenv("GAMMA_API_KEY", server.api_key)
        monkeypatch.setenv("GAMMA_BASE_URL", server.url)
        yield server


@pytest.fixture
def output(tmp_path: Path) -> OutputFiles:
    report = tmp_path / "report.md"
    report.write_text(REPORT, encoding="utf-8")
    return OutputFiles(directory=tmp_path, files=[report])


def fast_client() -> GammaClient:
    return GammaClient(resolve(GAMMA), first_poll_s=0.01, poll_s=0.05)


def test_the_report_becomes_a_deck_card_for_card(gamma, output):
    presentation = gamma_presentation.fn(output)
    assert presentation.status == "created" and presentation.skipped_reason is None
    assert presentation.url == "https://gamma.app/docs/voc-gen0001"
    start = gamma.requests[0]
    assert (start.method, start.path) == ("POST", "/v1.0/generations")
    assert start.headers["x-api-key"] == gamma.api_key
    assert start.body == {
        "inputText": REPORT,
        "textMode": "preserve",
        "format": "presentation",
        "cardSplit": "inputTextBreaks",
    }
    assert gamma.requests[1].path == "/v1.0/generations/gen0001"


def test_polls_until_completed_and_returns_the_export(gamma):
    gamma.pending_polls = 3
    generation = fast_client().generate(generation_body(REPORT, "Oasis", "pdf"), max_wait_s=5)
    assert generation.export_url == "https://exports.gamma.app/gen0001.pdf"
    assert len(gamma.requests) == 1 + 4
    assert gamma.requests[0].body["themeId"] == "Oasis"


def test_a_failed_generation_says_why(gamma):
    gamma.fail_generation = True
    with pytest.raises(ServiceError, match="gamma: generation gen0001 failed: Input text could"):
        fast_client().generate(generation_body(REPORT), max_wait_s=5)


def test_the_wait_is_bounded(gamma):
    gamma.pending_polls = 10_000
    with pytest.raises(ServiceError, match="gamma: generation gen0001 still pending after 0.3 s"):
        fast_client().generate(generation_body(REPORT), max_wait_s=0.3)


def test_a_refused_key_is_one_line_without_the_key(gamma, monkeypatch, output):
    monkeypatch.setenv("GAMMA_API_KEY", "sk-gamma-wrong-0123456789")
    with pytest.raises(ServiceError) as raised:
        gamma_presentation.fn(output)
    assert str(raised.value).startswith("gamma: HTTP 401 Unauthorized: the credentials were")
    assert "sk-gamma" not in str(raised.value) and len(gamma.requests) == 1


@pytest.mark.usefixtures("prefect_harness")
def test_without_a_key_the_agent_is_skipped_saying_why(monkeypatch, output):
    monkeypatch.delenv("GAMMA_API_KEY", raising=False)
    presentation = gamma_presentation.fn(output)
    assert presentation.status == "skipped"
    assert presentation.skipped_reason == (
        "no Gamma key: set GAMMA_API_KEY or the voc-gamma-credentials/voc block"
    )


def posts(gamma: FakeGamma) -> int:
    return sum(1 for r in gamma.requests if r.method == "POST")


def test_a_502_after_gamma_accepted_is_not_sent_again(gamma, output):
    gamma.after_accepting.append(Reply(502, {"message": "Bad gateway"}))
    with pytest.raises(ServiceError, match="gamma: HTTP 502"):
        gamma_presentation.fn(output)
    assert posts(gamma) == 1 and len(gamma.generations) == 1  # one deck, paid once


def test_a_429_is_waited_out_and_sent_again(gamma, output):
    gamma.fail_next(Reply(429, {"message": "Too many requests"}, {"retry-after": "0"}))
    presentation = gamma_presentation.fn(output)
    assert presentation.status == "created"
    assert posts(gamma) == 2 and len(gamma.generations) == 1


def test_a_resumed_agent_polls_the_deck_it_started_instead_of_paying_again(gamma, output):
    gamma.pending_polls = 10_000
    with pytest.raises(ServiceError, match="still pending"):
        gamma_presentation.fn(output, max_wait_s=0.2)
    gamma.pending_polls = 0  # Gamma finished it meanwhile
    presentation = gamma_presentation.fn(output)
    assert presentation.generation_id == "gen0001"
    assert posts(gamma) == 1 and len(gamma.generations) == 1
    # Another request for the same report (a theme) is a new deck.
    assert gamma_presentation.fn(output, theme_id="Oasis").generation_id == "gen0002"
