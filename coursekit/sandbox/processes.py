"""What a grading kernel is running, seen from outside it, in /proc (Linux).

Student code can hide nothing from /proc: the grader counts the kernel's threads
and the processes below it before each test cell. A thread or process that student
code left running could act while the test runs, so the test's result could not be
trusted. Elsewhere (macOS, with fallback "limits-only") there is no /proc and no count.
"""

import os
from pathlib import Path

PROC = Path("/proc")


def available():
    return (PROC / "self" / "task").is_dir()


def children_of(pid):
    """Every process below `pid` (its children, theirs, ...)."""
    parents = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])  # field 4, after the command name
        parents.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def command_line(pid):
    try:
        return (
            (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        )
    except OSError:
        return ""


def kernel_pid(root_pid, marker="kernel_start.py"):
    """The kernel's own process below `root_pid` (bwrap or limits.py), or None."""
    if root_pid is None or not available():
        return None
    candidates = [root_pid, *children_of(root_pid)]
    return next((pid for pid in candidates if marker in command_line(pid)), None)


def activity(pid):
    """(threads, processes below it) of the kernel process `pid`; None where unknown."""
    if pid is None or not available():
        return None
    try:
        threads = len(os.listdir(PROC / str(pid) / "task"))
    except OSError:
        return None
    return threads, len(children_of(pid))
