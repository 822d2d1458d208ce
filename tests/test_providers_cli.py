"""`voc run` with real providers, as a user runs it, against loopback servers.

Each server speaks the service's wire format; `voc` is a real process, so the only
things between it and the server are the environment variables a user would set.
"""

import json
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from genai_prices import Usage as PriceUsage
from genai_prices import calc_price

from tests.conftest import intercom_conversation
from tests.servers.anthropic import FakeAnthropic
from tests.servers.base import Reply
from tests.servers.gamma import FakeGamma
from tests.servers.intercom import FakeIntercom
from tests.servers.openai import FakeOpenAI


@pytest.fixture(scope="module")
def prefect_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


def read_json(done: subprocess.CompletedProcess):
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def openai_price(usage: dict) -> Decimal:
    cached = usage["prompt_tokens_details"]["cached_tokens"]
    return calc_price(
        PriceUsage(
            input_tokens=usage["prompt_tokens"],
            output_tokens=usage["completion_tokens"],
            cache_read_tokens=cached or None,
        ),
        model_ref="gpt-4o-mini",
        provider_id="openai",
    ).total_price


def test_openai_run_costs_what_genai_prices_says_the_reported_usage_costs(voc):
    with FakeOpenAI() as llm, FakeGamma(pending_polls=0) as gamma:
        llm.fail_next(
            Reply(
                429,
                {"error": {"message": "Rate limit reached for requests"}},
                headers={"retry-after": "1"},
            )
        )
        ran = voc(
            "run",
            "--provider", "openai",
            "--model", "gpt-4o-mini",
            OPENAI_BASE_URL=llm.base_url,
            OPENAI_API_KEY=llm.api_key,
            GAMMA_BASE_URL=gamma.url,
            GAMMA_API_KEY=gamma.api_key,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    (run,) = read_json(voc("runs", "--json"))
    shown = read_json(voc("show", run["id"], "--json"))
    rows = read_json(voc("export", "--format", "json", "--run", run["id"]))

    # Every attempt is a row: the 429 too, with no tokens and no cost.
    assert len(rows) == len(llm.requests) == len(llm.usages) + 1
    (refused,) = [r for r in rows if r["error"]]
    assert refused["attempt"] == 1 and "HTTP 429" in refused["error"]
    assert (refused["input_tokens"], Decimal(refused["cost"])) == (0, 0)
    assert any(r["attempt"] == 2 and r["purpose"] == refused["purpose"] for r in rows)

    # Each call costs what genai-prices charges for the usage the server reported.
    answered = [r for r in rows if not r["error"]]
    recorded = Counter(
        (r["input_tokens"], r["output_tokens"], r["cached_tokens"], Decimal(r["cost"]))
        for r in answered
    )
    reported = Counter(
        (
            u["prompt_tokens"],
            u["completion_tokens"],
            u["prompt_tokens_details"]["cached_tokens"],
            openai_price(u),
        )
        for u in llm.usages
    )
    assert recorded == reported
    assert any(r["cached_tokens"] for r in answered)  # some prompts were cached ...
    assert {(r["provider"], r["model"], r["estimated"]) for r in rows} == {
        ("openai-compatible", "gpt-4o-mini", False)
    }
    total = sum(openai_price(u) for u in llm.usages)
    assert Decimal(shown["cost"]) == total > 0
    assert shown["calls"] == len(rows)

    # The deck: Gamma got report.md as it is, and the run keeps its URL.
    gamma_agent = [a for a in shown["agents"] if a["agent"] == "gamma_presentation"]
    assert [a["status"] for a in gamma_agent] == ["completed"]
    assert shown["gamma_url"] == "https://gamma.app/docs/voc-gen0001"
    report = Path(shown["output_dir"], "report.md").read_text(encoding="utf-8")
    assert gamma.requests[0].body["inputText"] == report


def test_anthropic_cache_reads_and_writes_are_priced_as_such(voc):
    with FakeAnthropic(cache_read=2048, cache_write=512) as llm:
        ran = voc(
            "run",
            "--provider", "anthropic",
            ANTHROPIC_BASE_URL=llm.url,
            ANTHROPIC_API_KEY=llm.api_key,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    (run,) = read_json(voc("runs", "--json"))
    rows = read_json(voc("export", "--format", "json", "--run", run["id"]))
    assert rows and {(r["provider"], r["model"]) for r in rows} == {
        ("anthropic", "claude-haiku-4-5")
    }
    for row in rows:
        expected = calc_price(
            PriceUsage(
                input_tokens=row["input_tokens"],
                output_tokens=row["output_tokens"],
                cache_read_tokens=2048,
                cache_write_tokens=512,
            ),
            model_ref="claude-haiku-4-5",
            provider_id="anthropic",
        ).total_price
        assert row["cached_tokens"] == 2048 and Decimal(row["cost"]) == expected


def test_a_refused_key_fails_the_run_in_one_line_and_is_written_nowhere(
    voc, tmp_path, prefect_home
):
    key = "sk-live-refused-0123456789abcdef"
    with FakeOpenAI() as llm:
        ran = voc("run", "--provider", "openai", OPENAI_BASE_URL=llm.base_url, OPENAI_API_KEY=key)
    assert ran.returncode == 1
    last = ran.stderr.strip().splitlines()[-1]
    assert (
        last.startswith("voc: run failed: agent ")
        and (
            "ServiceError: openai-compatible: HTTP 401 Unauthorized: the credentials were refused "
            "(check OPENAI_API_KEY or the voc-openai-credentials/voc block)"
        )
        in last
    )
    (run,) = read_json(voc("runs", "--json"))
    assert run["status"] == "failed"
    for text in (ran.stdout, ran.stderr):
        assert key not in text and "cdef" not in text
    for root in (tmp_path, prefect_home):
        for path in root.rglob("*"):
            if path.is_file():
                assert key.encode() not in path.read_bytes(), path


def test_intercom_source_downloads_saves_and_repeats_offline(voc):
    monday = 1_763_337_600
    conversations = [
        intercom_conversation(f"i{i}", monday + i * 3000, f"I was charged twice, case {i}")
        for i in range(160)
    ]
    with FakeIntercom(conversations) as intercom:
        ran = voc(
            "run",
            "--source", "intercom",
            "--start", "2025-11-17",
            "--end", "2025-11-23",
            INTERCOM_BASE_URL=intercom.url,
            INTERCOM_TOKEN=intercom.token,
        )  # fmt: skip
        assert ran.returncode == 0, ran.stderr
    (first,) = read_json(voc("runs", "--json"))
    shown = read_json(voc("show", first["id"], "--json"))
    assert "intercom_export.json" in [f["path"] for f in shown["files"]]
    export = Path(shown["output_dir"], "intercom_export.json")

    again = voc("run", "--source", str(export), "--start", "2025-11-17", "--end", "2025-11-23")
    assert again.returncode == 0, again.stderr
    second = read_json(voc("runs", "--json"))[0]
    assert second["id"] != first["id"]
    assert second["summary"]["conversations"] == first["summary"]["conversations"] == 160


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (
            ["--provider", "anthropic"],
            {},
            "voc: anthropic: no key: set ANTHROPIC_API_KEY or the "
            "voc-anthropic-credentials/voc block",
        ),
        (
            ["--provider", "openai", "--model", "gpt-imaginary"],
            {"OPENAI_API_KEY": "sk-x-0123456789", "OPENAI_BASE_URL": "https://api.openai.com/v1"},
            "voc: no price known for model 'gpt-imaginary' of openai in genai-prices "
            "(a self-hosted model needs --base-url)",
        ),
        (
            ["--provider", "mistral"],
            {},
            "voc: unknown provider 'mistral' (choose from local, openai, anthropic)",
        ),
        (
            ["--base-url", "http://127.0.0.1:9/v1"],
            {},
            "voc: --base-url is for openai or anthropic, not local",
        ),
    ],
)
def test_bad_provider_settings_are_one_line_and_exit_2(voc, args, env, message):
    done = voc("run", *args, **env)
    assert (done.returncode, done.stderr.strip()) == (2, message)


def test_a_self_hosted_model_runs_free(voc):
    with FakeOpenAI(api_key=None) as llm:  # Ollama and friends take no key
        ran = voc(
            "run", "--provider", "openai", "--model", "llama3.1:8b", "--base-url", llm.base_url
        )
        assert ran.returncode == 0, ran.stderr
    (run,) = read_json(voc("runs", "--json"))
    rows = read_json(voc("export", "--format", "json", "--run", run["id"]))
    assert rows and all(Decimal(r["cost"]) == 0 and r["input_tokens"] > 0 for r in rows)
    assert "authorization" not in llm.requests[0].headers
