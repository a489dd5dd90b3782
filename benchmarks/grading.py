"""A synthetic class graded three ways, side by side, in one run.

For each assignment, a class of `size` students hands in a realistic mix of work
(tests/submissions/classes.py: correct, partial, broken, damaged, a trick, a crashing
kernel). Three copies of a course grade it:

- nbgrader alone: `nbgrader autograde` with nbgrader's own settings (no sandbox, no
  course preprocessors), what an instructor without this course would run;
- the course, sequential: `nbgrader autograde` with the course's nbgrader_config.py;
- `make grade`: `python -m coursekit.apps.grade`, the same grades on every core.

Each command is a process of its own; its wall time and its CPU time are divided by the
class size. The CPU time is the whole machine's during the command on Linux
(/proc/stat: the sandboxed kernels are not children the grader waits for, so
os.wait4 would miss them; keep the machine otherwise quiet), elsewhere the command's
and every process it waited for. The course's two ways must agree on every student's
score, and the table says whether they do.
"""

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.table import median

REPO = Path(__file__).resolve().parent.parent
ASSIGNMENTS = ("sigmoid_exercise", "leaky_relu_homework")
TARGETS = {"sigmoid_exercise": 1.0, "leaky_relu_homework": 1.5}  # s per submission, make grade
SPEEDUP_TARGET = 3

NBGRADER_ALONE_CONFIG = """\
# nbgrader's own settings, but for the course's name and a folder of its own.
c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "activation-functions"
c.CourseDirectory.root = {root!r}
c.Exchange.root = {exchange!r}
"""

WAYS = {
    "nbgrader alone": ["-m", "nbgrader", "autograde", "{assignment}", "--force"],
    "course, sequential": ["-m", "nbgrader", "autograde", "{assignment}", "--force"],
    "make grade": ["-m", "coursekit.apps.grade", "{assignment}", "--force"],
}


def environment():
    """The graders' environment: this Python's programs first, one BLAS thread per kernel,
    and grading with the sandbox's limits only where bubblewrap cannot run (said in the
    machine table)."""
    from coursekit.sandbox.settings import GradingSandbox, why_unavailable

    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    if why_unavailable(GradingSandbox()) is not None:
        env["COURSEKIT_SANDBOX_FALLBACK"] = "limits-only"
    return env


def course_for(way, folder, assignment, size):
    """A course in `folder` with the class handed in; nbgrader alone gets nbgrader's config."""
    from coursekit import notebooks
    from coursekit.course import Course
    from tests.submissions.classes import synthetic_class

    course = Course.from_repository(folder, [assignment])
    if way == "nbgrader alone":
        (folder / "nbgrader_config.py").write_text(
            NBGRADER_ALONE_CONFIG.format(root=str(folder), exchange=str(folder / "exchange"))
        )
    course.generate(assignment)
    release = course.release_notebook(assignment)
    solution = notebooks.solution_answers(course.source_notebook(assignment))
    for student, work in synthetic_class(assignment, release, solution, size).items():
        course.submit(student, assignment, work.notebook, files=work.files, name=work.name)
    return course


def machine_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (Linux), else None."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = stat.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def run(way, course, assignment):
    """(wall seconds, CPU seconds) of one grading command, its whole process tree.

    nbgrader alone ends with an error status when it cannot grade a submission (a
    corrupt notebook), after grading the others: that is its normal outcome here. The
    course's ways must succeed."""
    arguments = [part.format(assignment=assignment) for part in WAYS[way]]
    started, busy = time.perf_counter(), machine_cpu_seconds()
    process = subprocess.Popen(
        [sys.executable, *arguments],
        cwd=course.root,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0 and way != "nbgrader alone":
        raise RuntimeError(f"{way} failed on {assignment} in {course.root}")
    if busy is not None:
        return wall, machine_cpu_seconds() - busy
    return wall, usage.ru_utime + usage.ru_stime


def scores(course, assignment):
    return {student: graded.score for student, graded in course.results(assignment).items()}


def measure(size, runs):
    """{assignment: {way: (median wall s, median CPU s)}} and {assignment: same scores?}."""
    figures, agree = {}, {}
    with tempfile.TemporaryDirectory() as scratch:
        for assignment in ASSIGNMENTS:
            figures[assignment] = {}
            folder = Path(scratch) / assignment
            courses = {
                way: course_for(way, folder / way.replace(" ", "_"), assignment, size)
                for way in WAYS
            }
            timings = {way: [] for way in WAYS}
            for _ in range(runs):  # round by round: a slow spell of the machine slows each way
                for way, course in courses.items():
                    timings[way].append(run(way, course, assignment))
            for way, measured in timings.items():
                figures[assignment][way] = (
                    median([w for w, _ in measured]),
                    median([c for _, c in measured]),
                )
            agree[assignment] = scores(courses["course, sequential"], assignment) == scores(
                courses["make grade"], assignment
            )
    return figures, agree


def report(size, runs, print_table):
    figures, agree = measure(size, runs)
    rows, notes = [], []
    for assignment, ways in figures.items():
        alone = ways["nbgrader alone"][0]
        for way, (wall, cpu) in ways.items():
            rows.append(
                (
                    assignment,
                    way,
                    f"{wall:.0f}",
                    f"{wall / size:.2f}",
                    f"{cpu / size:.2f}",
                    f"{alone / wall:.1f}x",
                )
            )
        fast = ways["make grade"][0] / size
        notes.append(
            f"{assignment}: make grade {fast:.2f} s per submission (target {TARGETS[assignment]}), "
            f"{alone / ways['make grade'][0]:.1f}x nbgrader alone (target {SPEEDUP_TARGET}x), "
            + ("the same scores as sequential" if agree[assignment] else "SCORES DIFFER")
        )
    print_table(
        f"A class of {size} students per assignment (median of {runs} run(s))",
        ["assignment", "graded by", "wall s", "s/submission", "CPU s/submission", "speed"],
        rows,
        notes,
    )
