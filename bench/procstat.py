"""CPU time of a process from /proc, every thread summed, and split by kind of thread.

The kinds: the event loop is the main thread (its id is the process id); Python's own
threads (the flusher, the store calls run off the loop) carry the process's name, as
CPython names no thread; the embedded engine's threads carry the names it gives them
(QueryPipelineEx, BgSchPool, MergeMutate...). Figures are read before and after a load, so
only what the load cost counts.
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _stat(path: Path) -> tuple[str, float]:
    """A task's name and its user + system CPU seconds (fields 14 and 15 of stat)."""
    text = path.read_text()
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    return name, (int(fields[11]) + int(fields[12])) / TICK


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of every thread of ``pid``, live or ended."""
    return _stat(Path(f"/proc/{pid}/stat"))[1]


def threads_cpu(pid: int) -> dict[str, float]:
    """CPU seconds by kind of thread: "event loop", "python threads", "engine"."""
    split: dict[str, float] = defaultdict(float)
    process = _stat(Path(f"/proc/{pid}/stat"))[0]
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name, seconds = _stat(task / "stat")
        except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
            continue
        kind = "event loop" if task.name == str(pid) else (
            "python threads" if name == process else "engine")  # fmt: skip
        split[kind] += seconds
    return split


def family(pid: int) -> list[int]:
    """``pid`` and its child processes (server mode's workers)."""
    children = {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
                for child in (task / "children").read_text().split()}  # fmt: skip
    return [pid, *sorted(children)]
