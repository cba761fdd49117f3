"""How busy the machine was while a piece of work was measured.

CodeCarbon charges RAM for every second of wall time, so a busy neighbour that slows the
work down also raises its charge. Each record therefore keeps the share of the machine's CPU
that *other* processes used during its windows: all CPU time the kernel counted
(``/proc/stat``) minus this process's own (``os.times``), over wall time x cores. Where
``/proc/stat`` cannot be read (not Linux) the share is unknown (``None``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

# Above this share of the machine taken by other processes, a record is "measured busy".
BUSY_SHARE = 0.25


@dataclass(frozen=True)
class Snapshot:
    wall: float
    machine_cpu_s: float | None   # CPU time spent by every process, in seconds
    own_cpu_s: float              # this process's (all its threads)


def _machine_cpu_s() -> float | None:
    try:
        with open("/proc/stat", encoding="ascii") as fh:
            fields = fh.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    # user nice system idle iowait irq softirq steal ...: busy = all but idle and iowait
    values = [int(v) for v in fields[1:]]
    busy = sum(values[:8]) - values[3] - (values[4] if len(values) > 4 else 0)
    return busy / os.sysconf("SC_CLK_TCK")


def snapshot() -> Snapshot:
    t = os.times()
    return Snapshot(time.perf_counter(), _machine_cpu_s(), t.user + t.system)


def others_share(start: Snapshot, end: Snapshot) -> float | None:
    """The share (0 to 1) of all cores that other processes used between two snapshots."""
    wall = end.wall - start.wall
    if start.machine_cpu_s is None or end.machine_cpu_s is None or wall <= 0:
        return None
    others = (end.machine_cpu_s - start.machine_cpu_s) - (end.own_cpu_s - start.own_cpu_s)
    return min(1.0, max(0.0, others / (wall * (os.cpu_count() or 1))))
