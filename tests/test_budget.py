"""A budget stops a priced run before the call that could pass it, and resume goes on."""

import json
from decimal import Decimal

from tests.servers.openai import FakeOpenAI

MODEL = "gpt-4o-mini"


def test_a_budget_stops_the_run_and_a_larger_one_resumes_it(voc):  # noqa: F811
    with FakeOpenAI() as server:
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": server.api_key}
        stopped = voc("run", "--provider", "openai", "--model", MODEL, "--budget", "0.01", **env)
        assert stopped.returncode == 1
        (line,) = stopped.stderr.strip().splitlines()
        assert "BudgetExceeded: budget exceeded: spent $" in line and "of $0.01" in line
        (run,) = json.loads(voc("runs", "--json").stdout)
        assert (run["status"], run["failure_reason"]) == ("failed", "budget")
        assert Decimal(run["cost"]) <= Decimal("0.01")
        # Every request the server answered is a recorded call: nothing was sent past the limit.
        assert run["calls"] == len(server.usages) > 0

        resumed = voc("resume", run["id"], "--budget", "5", **env)
        assert resumed.returncode == 0, resumed.stderr
        newest = json.loads(voc("runs", "--json").stdout)[0]
        assert newest["status"] == "completed" and newest["resumed_from"] == run["id"]
        assert run["calls"] + newest["calls"] == len(server.usages)
