"""CPU of this process and its descendants, sampled from /proc, for a window read afterwards.

The LLM phase's window is known only from the server's log once the run is over, so the
probe samples every process's CPU time (user + system) on the monotonic clock, which
`time.monotonic()` shares across processes, and the benchmark reads the CPU spent between
two instants. Linux only; on other systems it records nothing.
"""

import os
import threading
import time
from bisect import bisect_left
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _cpu_s(pid: int) -> float | None:
    """The process's user + system CPU, in seconds; None once it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()  # the name may hold spaces and brackets
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime: fields 14, 15


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


class CpuProbe:
    """Samples every `period_s` until stopped; `spent(pid, begin, end)` reads a window."""

    def __init__(self, period_s: float = 0.02) -> None:
        self.period_s = period_s
        self.samples: list[tuple[float, dict[int, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cpu-probe", daemon=True)

    def start(self) -> "CpuProbe":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(self.period_s):
            sample = {}
            for pid in (me, *_descendants(me)):
                cpu = _cpu_s(pid)
                if cpu is not None:
                    sample[pid] = cpu
            self.samples.append((time.monotonic(), sample))

    def _at(self, pid: int, instant: float) -> float:
        """The process's CPU at the first sample at or after `instant` (0 before it started)."""
        index = min(bisect_left([t for t, _ in self.samples], instant), len(self.samples) - 1)
        for _, sample in self.samples[index:]:
            if pid in sample:
                return sample[pid]
        for _, sample in reversed(self.samples[:index]):  # gone by then: its last reading
            if pid in sample:
                return sample[pid]
        return 0.0

    def spent(self, pid: int, begin: float, end: float) -> float:
        return self._at(pid, end) - self._at(pid, begin)

    def pids(self) -> set[int]:
        return {pid for _, sample in self.samples for pid in sample}
