"""Time and memory of every function in course/activations.py on a million float64 values.

Part of `make bench`; alone, from the repository root:

    .venv/bin/python -m benchmarks.activations             # 1e6 values, best of 5
    .venv/bin/python -m benchmarks.activations --size 100000 --repeat 3

For each activation and derivative it prints the best time per call, the throughput
(million values per second) and the peak extra memory during one call (tracemalloc,
which sees numpy's allocations), also as a multiple of the input's size. The bare
numpy ufunc np.tanh is timed too, as a yardstick for this machine. softmax works on a
(1000, size/1000) array along its last axis. A script, not a test: the figures depend
on the machine.
"""

import argparse
import sys
import timeit
import tracemalloc
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "course"))

import activations  # noqa: E402


def cases():
    """(name, function) pairs: every activation, then its derivative, then softmax."""
    yield "np.tanh (yardstick)", np.tanh
    for name, (function, derivative, _, _) in activations.ACTIVATIONS.items():
        yield name, function
        if derivative is not None:
            yield derivative.__name__, derivative
    yield "softmax (rows of 1000)", activations.softmax


def best_seconds(function, x, repeat):
    """The fastest of `repeat` single calls (the least disturbed by other work)."""
    return min(timeit.repeat(lambda: function(x), number=1, repeat=repeat))


def peak_extra_bytes(function, x):
    """The largest amount of memory allocated at once during one call, beyond what existed."""
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        function(x)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - before


def report(size, repeat, print_table):
    rng = np.random.default_rng(535300)
    x = rng.uniform(-10.0, 10.0, size)
    x[:4] = [-1e4, -1000.0, 1000.0, 1e4]  # the extreme inputs the module must handle
    rows = x.reshape(1000, -1) if size % 1000 == 0 else x.reshape(1, -1)
    input_mb = x.nbytes / 1e6
    table = []
    with np.errstate(all="raise"):  # an overflow here would be a bug, so let it show
        for name, function in cases():
            data = rows if function is activations.softmax else x
            seconds = best_seconds(function, data, repeat)
            extra_mb = peak_extra_bytes(function, data) / 1e6
            table.append(
                (
                    name,
                    f"{seconds * 1e3:.2f}",
                    f"{size / seconds / 1e6:.1f}",
                    f"{extra_mb:.1f}",
                    f"{extra_mb / input_mb:.1f}",
                )
            )
    print_table(
        f"course/activations.py on {size:,} float64 values ({input_mb:.1f} MB), "
        f"best of {repeat} calls, numpy {np.__version__}",
        ["function", "ms/call", "Mvalues/s", "peak MB", "x input"],
        table,
    )


def main(argv=None):
    from benchmarks.table import print_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="number of float64 values")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per function")
    args = parser.parse_args(argv)
    report(args.size, args.repeat, print_table)


if __name__ == "__main__":
    main()
