"""The voice-of-customer flow timed alone, in this process: what the flow benchmarks share."""

import time
from typing import Any


def warm_up() -> None:
    """Run a no-op flow: it starts Prefect's temporary server, so a timed flow's time is its own."""
    from prefect import flow

    @flow
    def no_op() -> None:
        """Starts the temporary Prefect server."""

    no_op()


def run_timed(**parameters: Any) -> tuple[float, Any]:
    """The flow run with `parameters`: its wall time and its result.

    A run that does not complete ends the benchmark with its state and message.
    """
    from flows.voice_of_customer import voice_of_customer

    started = time.perf_counter()
    state = voice_of_customer(**parameters, return_state=True)
    wall = time.perf_counter() - started
    if not state.is_completed():
        raise SystemExit(f"flow ended {state.type.value}: {state.message}")
    return wall, state.result()
