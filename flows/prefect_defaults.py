"""Prefect settings every `voc` command starts with, unless the environment sets them.

Its log lines (tracebacks included) stay out of the live view, since the store records
each failure as one line (PREFECT_LOGGING_LEVEL=INFO brings them back); a busy 2-core
machine, or several `voc run` at once, may need more than the default 20 s to start
the temporary API server each run brings up; and an offline machine logs no telemetry
errors.

The temporary server records task runs from the events the client sends, by default
one database transaction (its INSERT compiled anew) per event: at 10,000 conversations
that was 1.8 s of the server's CPU in the 3 s the per-topic agents take, on the cores
the run itself needs (bench/RESULTS.md, issue 15). In batches of up to 100, written at
least every second, it was 0.6 s. The same task runs and states are recorded (at most a
second later; the last batch as the server stops); nothing of ours reads them during a run.
"""

import os

PREFECT_DEFAULTS = {
    "PREFECT_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_LOGGING_LEVEL": "CRITICAL",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
}


def apply_prefect_defaults() -> None:
    """Set PREFECT_DEFAULTS where the environment does not: before Prefect is imported."""
    for name, value in PREFECT_DEFAULTS.items():
        os.environ.setdefault(name, value)
