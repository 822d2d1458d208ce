"""Ctrl-C and SIGTERM end a run cleanly: recorded cancelled with the reason, then exit.

`docker stop`, systemd and a terminal's Ctrl-C all mean "stop now", not "crash": the run
is recorded `cancelled` ("interrupted (SIGINT)", "terminated (SIGTERM)") so `voc resume`
continues it, and voc exits with the shell's code for the signal (130, 143). A second
signal while the first is being handled exits at once.
"""

import contextlib
import os
import signal
from collections.abc import Iterator

STOPPING = (signal.SIGINT, signal.SIGTERM)
REASONS = {signal.SIGINT: "interrupted (SIGINT)", signal.SIGTERM: "terminated (SIGTERM)"}


class Interrupted(KeyboardInterrupt):
    """The run was told to stop by a signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(REASONS[signum])
        self.reason = REASONS[signum]
        self.exit_code = 128 + signum


@contextlib.contextmanager
def stopping_on_signals() -> Iterator[None]:
    """While the block runs, SIGINT and SIGTERM raise `Interrupted` in the main thread.

    Prefect's engine swaps its own SIGTERM handler in while a flow runs, and hands the
    signal back to this one once it has ended the flow run.
    """
    received: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        if received:
            os._exit(128 + signum)  # a second signal: no more waiting
        received.append(signum)
        raise Interrupted(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOPPING}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
