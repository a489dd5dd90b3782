"""The machine the figures come from: cores, memory, Python, and whether grading is sandboxed."""

import os
import platform
import sys


def memory_gib():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def sandbox_state():
    """'bubblewrap' where the grading sandbox runs here, else why not (grading falls back)."""
    from coursekit.sandbox.settings import GradingSandbox, why_unavailable

    problem = why_unavailable(GradingSandbox())
    return "bubblewrap" if problem is None else f"limits only ({problem})"


def describe():
    """[(what, value)] about this machine."""
    return [
        ("cores", os.cpu_count()),
        ("memory", f"{memory_gib():.1f} GiB"),
        ("system", f"{platform.system()} {platform.release()} {platform.machine()}"),
        ("Python", sys.version.split()[0]),
        ("grading sandbox", sandbox_state()),
    ]
