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
    """Every process below `pid` (its children, theirs, ...).

    Read from each thread's `children` file where Linux has them (a few reads), else
    from every process's parent in /proc (thousands of reads on a busy machine).
    """
    if (PROC / "self" / "task" / str(os.getpid()) / "children").exists():
        return descendants_from_children_files(pid)
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


def descendants_from_children_files(pid):
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        try:
            tasks = list((PROC / str(parent) / "task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                found.append(child)
                todo.append(child)
    return found


def namespace_pid(pid):
    """The pid that process `pid` has in its own PID namespace (the sandbox's), or None."""
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("NSpid:"):
                return int(line.split()[-1])
    except (OSError, ValueError):
        return None
    return None


def activity(pid):
    """(threads, processes below it) of the kernel process `pid`; None where unknown."""
    if pid is None or not available():
        return None
    try:
        threads = len(os.listdir(PROC / str(pid) / "task"))
    except OSError:
        return None
    return threads, len(children_of(pid))
