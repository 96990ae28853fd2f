"""Which process this is, and whether another one is still running: for claims on the outbox.

A claim names its process as host, pid and the process's start time (a pid alone may be
reused by a new process after a restart). A claim whose process is gone is taken back at
once; one from another host, or whose process cannot be checked, waits for the lease.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

_PROC = Path("/proc")


def this_process() -> str:
    """The name this process gives its claims."""
    pid = os.getpid()
    return f"{socket.gethostname()}:{pid}:{_started(pid) or 0}"


def gone(claimer: str) -> bool:
    """Whether the process named `claimer` (see this_process) has certainly ended."""
    parts = claimer.rsplit(":", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return False  # not a name this module wrote: leave it to the lease
    host, pid_text, started = parts
    if host != socket.gethostname():
        return False
    pid = int(pid_text)
    if _PROC.is_dir():
        now = _started(pid)
        return now is None or (started != "0" and now != started)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/<pid>/stat, field 22);
    None if there is no such process (or no /proc)."""
    try:
        stat = (_PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None
