"""How long nbgrader takes to grade one submission of each assignment.

Grades each assignment's corpus of student-like submissions (tests/submissions/)
in one plain `nbgrader autograde` run in a scratch course, and prints seconds
per submission and the peak memory of the grading processes. Figures, not
assertions: the machine's load changes them.

Run: .venv/bin/python benchmarks/bench_grading.py
"""

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.grading import ScratchCourse, fill_answers, solution_answers  # noqa: E402
from tests.submissions import leaky_relu_homework, sigmoid_exercise  # noqa: E402

CORPORA = {
    "sigmoid_exercise": sigmoid_exercise.SUBMISSIONS,
    "leaky_relu_homework": leaky_relu_homework.SUBMISSIONS,
}


def bench(assignment, submissions, workdir):
    course = ScratchCourse(Path(workdir) / assignment)
    course.generate(assignment)
    release = course.release_notebook(assignment)
    course.submit(
        "solution",
        assignment,
        fill_answers(release, solution_answers(course.source_notebook(assignment))),
    )
    for name, submission in submissions.items():
        course.submit(name, assignment, fill_answers(release, submission.answers))
    count = len(submissions) + 1
    started = time.perf_counter()
    run = course.autograde(assignment)
    seconds = time.perf_counter() - started
    if run.returncode != 0:
        sys.exit(run.stdout + run.stderr)
    return count, seconds


def main():
    print(f"{'assignment':<22}{'submissions':>12}{'total s':>10}{'s each':>9}")
    with tempfile.TemporaryDirectory() as workdir:
        for assignment, submissions in CORPORA.items():
            count, seconds = bench(assignment, submissions, workdir)
            print(f"{assignment:<22}{count:>12}{seconds:>10.1f}{seconds / count:>9.2f}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of one grading process (kernel or nbgrader): {peak:.0f} MiB")


if __name__ == "__main__":
    main()
