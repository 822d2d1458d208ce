"""No credential is ever kept from a URL: refused in one line before anything records it."""

import json
from pathlib import Path

import pytest

from tasks.services.urls import BaseURLError, CredentialsInURLError, check_base_url, join
from tests.servers.openai import FakeOpenAI

SECRET = "S3CRETPASS0123"


@pytest.mark.parametrize(
    "url",
    [
        f"http://user:{SECRET}@127.0.0.1:9/v1",
        f"https://{SECRET}@gateway.example/v1",
        f"https://gateway.example/v1?api-key={SECRET}",
        f"https://gateway.example/v1?api-version=1&Token={SECRET}",
        f"https://gateway.example/v1?sig={SECRET}",
    ],
)
def test_a_url_holding_a_credential_is_refused_without_repeating_it(url):
    with pytest.raises(CredentialsInURLError) as refused:
        check_base_url(url, "--base-url")
    assert SECRET not in str(refused.value)
    assert str(refused.value).startswith("--base-url holds ")


@pytest.mark.parametrize(
    "url", ["ftp://x/v1", "gateway.example/v1", "http://x:port/", "http://x/#f"]
)
def test_a_url_that_is_no_http_url_says_so(url):
    with pytest.raises(BaseURLError, match="--base-url"):
        check_base_url(url, "--base-url")


def test_other_query_parameters_go_after_the_path():
    base = check_base_url("https://x.example/openai/deployments/d/?api-version=2024-06-01", "url")
    assert base == "https://x.example/openai/deployments/d?api-version=2024-06-01"
    assert join(base, "/chat/completions") == (
        "https://x.example/openai/deployments/d/chat/completions?api-version=2024-06-01"
    )


def files_holding(root: Path, secret: str) -> list[str]:
    """Every file under `root` whose bytes contain the secret (stores, logs, outputs)."""
    return [str(p) for p in root.rglob("*") if p.is_file() and secret.encode() in p.read_bytes()]


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["--base-url", f"http://user:{SECRET}@127.0.0.1:9/v1"], {}),
        ([], {"OPENAI_BASE_URL": f"http://127.0.0.1:9/v1?api-key={SECRET}"}),
    ],
)
def test_a_run_given_such_a_url_is_refused_and_records_nothing(
    voc, tmp_path, prefect_home, args, env
):
    ran = voc("run", "--provider", "openai", *args, OPENAI_API_KEY="sk-test-key-0123456789", **env)
    assert ran.returncode == 2
    assert len(ran.stderr.strip().splitlines()) == 1 and "holds" in ran.stderr
    assert SECRET not in ran.stdout + ran.stderr
    assert json.loads(voc("runs", "--json").stdout) == []
    assert files_holding(tmp_path, SECRET) == []
    assert files_holding(prefect_home, SECRET) == []


def test_an_api_version_in_the_base_url_reaches_the_server(voc):
    with FakeOpenAI() as llm:
        base = f"{llm.base_url}?api-version=2024-06-01"
        ran = voc("run", "--provider", "openai", "--base-url", base, OPENAI_API_KEY=llm.api_key)
        assert ran.returncode == 0, ran.stderr
    assert llm.requests
    assert {r.path for r in llm.requests} == {"/v1/chat/completions?api-version=2024-06-01"}


@pytest.mark.usefixtures("prefect_harness")
def test_a_deployment_run_given_such_a_url_fails_in_one_line_and_records_no_secret(
    tmp_path, store_url, output_dir, monkeypatch
):
    """A deployment's parameters never pass through `voc run`: the flow itself refuses."""
    from flows.voice_of_customer import voice_of_customer
    from monitor.store import ResultsStore

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-0123456789")
    state = voice_of_customer(
        provider="openai",
        model="gpt-4o-mini",
        base_url=f"https://user:{SECRET}@gateway.example/v1?api-key={SECRET}",
        output_dir=str(output_dir),
        store=store_url,
        return_state=True,
    )
    assert state.is_failed()
    (run,) = ResultsStore(store_url).runs()
    assert run["status"] == "failed" and SECRET not in (run["error"] or "")
    assert run["parameters"]["base_url"] == ("https://user:***@gateway.example/v1?api-key=***")
    assert files_holding(tmp_path, SECRET) == []
