"""`voc` as a user runs it: a real process, a real Prefect, a real SQLite store."""

import csv
import io
import json
import re
import subprocess
import sys
import textwrap
from decimal import Decimal

import pytest

from tests.conftest import intercom_conversation, write_export

#: The columns `voc export` and `/api/export` have always had, in their order, then the
#: ones added since.
EXPORT_HEADER = (
    "id,run_id,agent,agent_key,provider,model,purpose,input_tokens,output_tokens,"
    "cached_tokens,cache_write_tokens,estimated,latency_ms,attempt,cost,error,created_at,"
    "cache_write_1h_tokens"
)


def test_run_on_the_sample_then_read_it_back(voc):
    ran = voc("run")
    assert ran.returncode == 0, ran.stderr
    # Nothing on stderr from voc or its own Prefect server stopping (no traceback).
    assert not re.search(r"Traceback|Exception|Error", ran.stderr), ran.stderr
    assert "TOTAL" in ran.stdout and "gamma_presentation" in ran.stdout
    assert "Same tokens on gpt-4o-mini" in ran.stdout

    runs = json.loads(voc("runs", "--json").stdout)
    assert len(runs) == 1
    run = runs[0]
    assert (run["status"], run["agents_done"], run["agents_total"]) == ("completed", 16, 16)
    assert (run["window_start"], run["window_end"]) == ("2026-11-16", "2026-11-22")

    shown = json.loads(voc("show", run["id"][:8], "--json").stdout)
    agents = shown["agents"]
    assert shown["calls"] == sum(a["calls"] for a in agents) > 0
    assert Decimal(shown["cost"]) == sum(Decimal(a["cost"]) for a in agents)
    assert shown["input_tokens"] == sum(a["input_tokens"] for a in agents)
    assert len([a for a in agents if a["key"] == a["agent"]]) == 16

    exported = voc("export", "--format", "csv", "--run", run["id"])
    assert exported.stdout.split("\n", 1)[0] == EXPORT_HEADER
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert len(rows) == shown["calls"]
    assert sum(int(r["input_tokens"]) for r in rows) == shown["input_tokens"]
    assert {r["estimated"] for r in rows} == {"True"}
    as_json = json.loads(voc("export", "--format", "json").stdout)
    assert [r["id"] for r in as_json] == [int(r["id"]) for r in rows]

    stats = json.loads(voc("stats", "--json").stdout)
    assert (stats["runs"], stats["success_rate"]) == (1, 100.0)

    readable = voc("show", run["id"])
    assert "report.md" in readable.stdout and "TOTAL" in readable.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--start", "2026-11-20", "--end", "2026-11-10", "--source", "x.json"],
            "voc: --end 2026-11-10 is before --start 2026-11-20",
        ),
        (["--model", "gpt-imaginary"], "voc: unknown model 'gpt-imaginary' for provider local"),
        (["--source", "missing.json"], "voc: source file not found: missing.json"),
        (["--output-dir", "not-a-dir/sub"], "voc: output directory not-a-dir/sub is not writable"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(voc, tmp_path, args, message):
    (tmp_path / "not-a-dir").write_text("a file, not a directory")
    (tmp_path / "x.json").write_text("[]")
    ran = voc("run", *args)
    assert ran.returncode == 2
    assert len(ran.stderr.strip().splitlines()) == 1
    assert ran.stderr.startswith(message)
    assert json.loads(voc("runs", "--json").stdout) == []


def test_a_malformed_export_fails_the_run_and_says_why(voc, tmp_path):
    good = intercom_conversation("1", 1_763_337_600, "invoice please")
    write_export(tmp_path / "export.json", [good, {"id": "2", "created_at": 1_763_337_700}])
    ran = voc("run", "--source", "export.json", "--start", "2025-11-17", "--end", "2025-11-23")
    assert ran.returncode == 1
    assert ran.stderr.strip().splitlines() == [
        "voc: run failed: agent load_conversations: SourceError: export.json: "
        "conversation #2 (id 2): source: missing"
    ]
    (run,) = json.loads(voc("runs", "--json").stdout)
    assert run["status"] == "failed" and run["ended_at"]
    assert "conversation #2 (id 2): source: missing" in run["error"]


def test_show_of_an_unknown_run_is_one_line_and_exit_2(voc):
    ran = voc("show", "nope")
    assert (ran.returncode, ran.stderr) == (2, "voc: no run with id 'nope'\n")


def test_a_store_that_cannot_be_opened_is_one_line_and_exit_2(voc):
    ran = voc("run", "--store", "postgresql+psycopg://voc:s3cret@127.0.0.1:1/voc")
    assert ran.returncode == 2
    assert ran.stderr.startswith(
        "voc: cannot open the results store postgresql+psycopg://voc:***@127.0.0.1:1/voc: "
        "connection failed"
    )
    assert len(ran.stderr.strip().splitlines()) == 1 and "s3cret" not in ran.stderr


def test_importing_the_cli_leaves_the_environment_and_prefect_alone():
    """Prefect's defaults for `voc` are set when a command runs, before it imports Prefect."""
    code = """
        import os, sys
        before = dict(os.environ)
        import flows.cli
        assert dict(os.environ) == before, "importing the CLI changed the environment"
        assert "prefect" not in sys.modules, "importing the CLI imported Prefect"
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
