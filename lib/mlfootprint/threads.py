"""The number of CPU threads torch works on, set for one block and restored afterwards.

The course's small models run on one thread: on a shared 2-core machine, two threads made
small kernels wait on each other (a CVAE epoch took about five times longer), and one
thread makes a measurement repeatable. Every record says the threads its work ran on.
"""

from __future__ import annotations

from contextlib import contextmanager

import torch

from .checks import integer


@contextmanager
def torch_threads(threads: int | None = None):
    """Run the block on ``threads`` torch CPU threads (``None``: as now); yields the number in
    force, and restores the previous number afterwards, also when the block fails."""
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(integer("threads", threads, lo=1, hi=1024))
    try:
        yield torch.get_num_threads()
    finally:
        torch.set_num_threads(before)
