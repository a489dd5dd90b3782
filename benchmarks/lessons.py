"""Each lesson and each assignment solution, run top to bottom: seconds and kernel peak memory.

Every run is a process of its own (`python -m benchmarks.lessons PATH`) that copies the
notebook's folder, runs it on a fresh kernel with nbclient and prints three figures: the
seconds to start the kernel (the same for every notebook: Jupyter's, not the lesson's),
the seconds from the first cell to the last (what the lesson costs, imports included),
and the kernel's peak resident memory (the largest child the process waited for: the
kernel, once it has shut down). The targets are the lessons' (course/): cells under
5 s, kernel under 250 MiB; the solutions are shown beside them.
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
    """(kernel start seconds, cells seconds, kernel peak MiB) of one run, in a process of
    its own."""
    output = subprocess.run(
        [sys.executable, "-m", "benchmarks.lessons", str(path)],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    figures = json.loads(output.strip().splitlines()[-1])
    return figures["kernel_start"], figures["cells"], figures["kernel_peak_mib"]


def measure(repeat):
    """[(name, median kernel start s, median cells s, median peak MiB)] for every notebook."""
    rows = []
    for path in notebooks():
        runs = [run_once(path) for _ in range(repeat)]
        name = str(path.relative_to(REPO))
        rows.append((name, *(median([run[i] for run in runs]) for i in range(3))))
    return rows


def report(repeat, print_table):
    rows = measure(repeat)
    slow = [
        name
        for name, _, cells, mib in rows
        if name.startswith("course/") and (cells >= SECONDS_TARGET or mib >= MIB_TARGET)
    ]
    print_table(
        f"Lessons and solutions (median of {repeat} runs, each on a fresh kernel)",
        ["notebook", "kernel start s", "cells s", "kernel peak MiB"],
        [(name, f"{start:.2f}", f"{cells:.2f}", f"{mib:.0f}") for name, start, cells, mib in rows],
        [
            f"target: every lesson's cells under {SECONDS_TARGET} s, its kernel under "
            f"{MIB_TARGET} MiB" + (f"; missed by {', '.join(slow)}" if slow else "; met"),
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
        client.reset_execution_trackers()
        started = time.perf_counter()
        with client.setup_kernel():  # as client.execute() does, with a clock between
            client.wait_for_reply(client.kc.kernel_info())
            ready = time.perf_counter()
            for index, cell in enumerate(client.nb.cells):
                client.execute_cell(cell, index)
            done = time.perf_counter()
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    peak_mib = peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes vs KiB
    figures = {"kernel_start": ready - started, "cells": done - ready, "kernel_peak_mib": peak_mib}
    print(json.dumps(figures))


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    run_notebook(sys.argv[1])
