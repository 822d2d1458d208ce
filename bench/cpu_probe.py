"""CPU of a process and its descendants, sampled from /proc, for a window read afterwards.

The LLM phase's window is known only from the server's log once the run is over, so the
probe samples every process's CPU time (user + system) on the monotonic clock, which
`time.monotonic()` shares across processes, and the benchmark reads the CPU spent between
two instants. The sampling runs in a process of its own: in a thread of the measured
process it took ~48 ms of CPU a second, and that process's GIL. Linux only.

    python -m bench.cpu_probe PID [PERIOD_S]   # samples until stdin closes, then prints JSON
"""

import json
import os
import subprocess
import sys
import threading
import time
from bisect import bisect_left
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


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


def sample(root: int, period_s: float) -> list[tuple[float, dict[int, float]]]:
    """Every `period_s`, each process's CPU under `root` (this one left out), until stdin closes."""
    done = threading.Event()
    threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
    samples = []
    while not done.wait(period_s):
        pids = [pid for pid in (root, *_descendants(root)) if pid != os.getpid()]
        readings = {pid: cpu for pid in pids if (cpu := _cpu_s(pid)) is not None}
        samples.append((time.monotonic(), readings))
    return samples


class CpuProbe:
    """Samples this process and its descendants from another process until stopped;
    `spent(pid, begin, end)` reads a window."""

    def __init__(self, period_s: float = 0.02) -> None:
        self.period_s = period_s
        self.samples: list[tuple[float, dict[int, float]]] = []
        self._process: subprocess.Popen | None = None

    def start(self) -> "CpuProbe":
        command = [sys.executable, "-m", "bench.cpu_probe", str(os.getpid()), str(self.period_s)]
        root = Path(__file__).resolve().parent.parent
        self._process = subprocess.Popen(
            command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        return self

    def stop(self) -> None:
        assert self._process is not None
        out, _ = self._process.communicate("", timeout=60)
        self.samples = [(t, {int(pid): cpu for pid, cpu in s.items()}) for t, s in json.loads(out)]
        self.probe_pid = self._process.pid

    def _at(self, pid: int, instant: float) -> float:
        """The process's CPU at the first sample at or after `instant` (0 before it started)."""
        index = min(bisect_left([t for t, _ in self.samples], instant), len(self.samples) - 1)
        for _, readings in self.samples[index:]:
            if pid in readings:
                return readings[pid]
        for _, readings in reversed(self.samples[:index]):  # gone by then: its last reading
            if pid in readings:
                return readings[pid]
        return 0.0

    def spent(self, pid: int, begin: float, end: float) -> float:
        return self._at(pid, end) - self._at(pid, begin)

    def pids(self) -> set[int]:
        return {pid for _, readings in self.samples for pid in readings}


if __name__ == "__main__":
    period = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    print(json.dumps(sample(int(sys.argv[1]), period)))
