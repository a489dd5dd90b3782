"""`make bench`: every section's table, with the machine's figures first (see __init__.py)."""

import argparse
import os
import time

from benchmarks import activations, grading, install, lessons, machine
from benchmarks.table import print_table

SECTIONS = ("lessons", "grading", "install", "activations")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--only", default=",".join(SECTIONS), help="sections, comma-separated")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each notebook (median)")
    parser.add_argument("--students", type=int, default=40, help="class size per assignment")
    parser.add_argument(
        "--class-runs", type=int, default=3, help="gradings of each class, round by round (median)"
    )
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {SECTIONS}")

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    started = time.perf_counter()
    print_table("This machine", ["what", "value"], machine.describe())
    if "lessons" in chosen:
        lessons.report(args.repeat, print_table)
    if "grading" in chosen:
        grading.report(args.students, args.class_runs, print_table)
    if "install" in chosen:
        install.report(print_table)
    if "activations" in chosen:
        activations.report(1_000_000, 5, print_table)
    print(f"\n(make bench took {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
