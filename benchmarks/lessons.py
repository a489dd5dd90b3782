"""Each lesson and each assignment solution, run top to bottom: seconds and kernel peak memory.

Every run is a process of its own (`python -m benchmarks.lessons PATH`) that copies the
notebook's folder, runs it on a fresh kernel with nbclient and prints two figures: the
seconds from starting the kernel to the last cell, and the kernel's peak resident
memory (the largest child the process waited for: the kernel, once it has shut down).
The 繁體中文 notebooks run the same code cells as the English ones, so they are not
timed twice.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.table import median

REPO = Path(__file__).resolve().parent.parent
SECONDS_TARGET = 5
MIB_TARGET = 250


def notebooks():
    """The English lessons in order, then each assignment's solution notebook (source/)."""
    lessons = sorted(p for p in (REPO / "course").glob("*.ipynb") if ".zh-TW" not in p.name)
    solutions = sorted((REPO / "source").glob("*/*.ipynb"))
    return lessons + solutions


def run_once(path):
    """(seconds, kernel peak MiB) of one run, in a process of its own."""
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.lessons", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return figures["seconds"], figures["kernel_peak_mib"]


def measure(repeat):
    """[(name, median seconds, median peak MiB)] for every notebook."""
    rows = []
    for path in notebooks():
        runs = [run_once(path) for _ in range(repeat)]
        name = str(path.relative_to(REPO))
        rows.append((name, median([s for s, _ in runs]), median([m for _, m in runs])))
    return rows


def report(repeat, print_table):
    rows = measure(repeat)
    slow = [name for name, seconds, mib in rows if seconds >= SECONDS_TARGET or mib >= MIB_TARGET]
    print_table(
        f"Lessons and solutions (median of {repeat} runs; kernel start to last cell)",
        ["notebook", "seconds", "kernel peak MiB"],
        [(name, f"{seconds:.2f}", f"{mib:.0f}") for name, seconds, mib in rows],
        [
            f"target: every notebook under {SECONDS_TARGET} s and {MIB_TARGET} MiB"
            + (f"; missed by {', '.join(slow)}" if slow else "; met"),
        ],
    )


def run_notebook(path):
    """Run one notebook in a scratch copy of its folder; print its figures as JSON."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path).resolve()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / path.parent.name
        shutil.copytree(path.parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        notebook = nbformat.read(folder / path.name, as_version=4)
        client = NotebookClient(
            notebook, kernel_name="python3", timeout=120, resources={"metadata": {"path": folder}}
        )
        started = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mib = peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB
    print(json.dumps({"seconds": seconds, "kernel_peak_mib": peak_mib}))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    run_notebook(sys.argv[1])
