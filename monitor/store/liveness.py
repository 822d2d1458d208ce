"""Whether a run's process is still there: decided by its pid where we can see it.

A run records its host and pid. On the same host the process table answers for
certain, so a live process is never taken for dead, however long it has been silent
(a stalled heartbeat is a slow run, not a crash), and a pid the system has since
given to a newer process counts as gone. On another host only the heartbeat lease
can tell.
"""

import os
import socket
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path

# The boot time /proc gives is whole seconds; a process starts well before its run is
# recorded (Python and Prefect load first), so this much slack never hides a reuse.
CLOCK_SLACK = timedelta(seconds=2)


class Process(Enum):
    ALIVE = "alive"
    GONE = "gone"
    UNKNOWN = "unknown"  # another host, or no pid recorded: ask the heartbeat


def run_process(host: str | None, pid: int | None, started_at: datetime | None) -> Process:
    """The state of the process that recorded (`host`, `pid`) for a run started at `started_at`."""
    if host != socket.gethostname() or not pid:
        return Process.UNKNOWN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return Process.GONE
    except PermissionError:
        pass  # another user's process: it exists
    born = _process_start(pid)
    if born is not None and started_at is not None and born > _aware(started_at) + CLOCK_SLACK:
        return Process.GONE  # the pid was reused by a process newer than the run
    return Process.ALIVE


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _process_start(pid: int) -> datetime | None:
    """When process `pid` started, from Linux's /proc; None where that cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        boot = next(
            line for line in Path("/proc/stat").read_text().splitlines() if line.startswith("btime")
        )
    except (OSError, StopIteration):
        return None
    # The command name (field 2) may hold spaces and brackets: count fields after its ")".
    ticks = int(stat.rsplit(")", 1)[1].split()[19])
    seconds = int(boot.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    return datetime.fromtimestamp(seconds, tz=UTC)
