"""`make grade`: a class graded on every core leaves the gradebook plain autograde leaves.

One synthetic class (tests/submissions/classes.py: correct, partial and broken work,
damaged and unreadable notebooks, a trick, a crashing kernel) is graded twice, in two
copies of the course: by plain sequential `nbgrader autograde` with the course's
configuration, and by
`python -m coursekit.apps.grade`. The gradebooks must agree grade by grade and
comment by comment, with SQLite and with PostgreSQL. A run killed in the middle
resumes: what was graded stays as it was, the rest is graded, nothing twice.
"""

import datetime
import json
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from coursekit import notebooks
from tests.conftest import GRADING_SETTINGS, new_course
from tests.submissions.classes import synthetic_class

ASSIGNMENT = "sigmoid_exercise"
HANDED_IN = datetime.datetime(2026, 11, 2, 8, 0, tzinfo=datetime.UTC)


def make_class(course, size=8):
    """A synthetic class (tests/submissions/classes.py) handed in to `course`: its names."""
    course.generate(ASSIGNMENT)
    release = course.release_notebook(ASSIGNMENT)
    solution = notebooks.solution_answers(course.source_notebook(ASSIGNMENT))
    students = synthetic_class(ASSIGNMENT, release, solution, size)
    for name, work in students.items():
        course.submit(
            name, ASSIGNMENT, work.notebook, files=work.files, name=work.name, when=HANDED_IN
        )
    return sorted(students)


def grade_command(course, *args, wait=True):
    """`python -m coursekit.apps.grade ASSIGNMENT` in the course folder, as make grade runs it."""
    env = dict(os.environ)
    if GRADING_SETTINGS:  # a laptop without bubblewrap: the course's tests grade with limits only
        env["COURSEKIT_SANDBOX_FALLBACK"] = "limits-only"
    command = [sys.executable, "-m", "coursekit.apps.grade", ASSIGNMENT, *args]
    log = open(course.root / "grade.log", "w")  # noqa: SIM115 - the process writes it
    process = subprocess.Popen(
        command, cwd=course.root, env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    if not wait:
        return process
    out, _ = process.communicate(timeout=600)
    log.close()
    err = (course.root / "grade.log").read_text()
    assert process.returncode == 0, out[-2000:] + err[-3000:]
    return out


def gradebook_of(course):
    """Everything the gradebook holds about the class's submissions, as plain data."""
    found = {}
    with course.gradebook() as gradebook:
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            for notebook in submission.notebooks:
                found[submission.student.id] = {
                    "timestamp": submission.timestamp,
                    "late penalty": submission.late_submission_penalty,
                    "flagged": notebook.flagged,
                    "grades": sorted(
                        (g.name, g.auto_score, g.manual_score, g.max_score, g.needs_manual_grade)
                        for g in notebook.grades
                    ),
                    "comments": sorted(
                        (c.name, c.auto_comment, c.manual_comment) for c in notebook.comments
                    ),
                }
    return found


def graded_twice(root, **settings):
    plain = new_course(root / "plain", [ASSIGNMENT], **settings)
    fast = new_course(root / "fast", [ASSIGNMENT], **settings)
    students = make_class(plain)
    make_class(fast)
    outcome = plain.autograde(ASSIGNMENT)  # plain sequential nbgrader autograde
    assert outcome["success"], outcome.get("log", "")
    printed = grade_command(fast, "--workers=2")
    return students, plain, fast, printed


@pytest.fixture(scope="module")
def sqlite(tmp_path_factory):
    return graded_twice(tmp_path_factory.mktemp("grade"))


def test_the_gradebook_is_the_one_plain_autograde_leaves(sqlite):
    students, plain, fast, _ = sqlite
    expected = gradebook_of(plain)
    assert sorted(expected) == students
    assert gradebook_of(fast) == expected


def outputs(notebook):
    """The cells' outputs, with object addresses (`at 0x7f…`, different in every run) masked."""
    return re.sub(r"0x[0-9a-f]+", "0x…", json.dumps([c.get("outputs") for c in notebook.cells]))


def test_the_graded_notebooks_are_the_same(sqlite):
    students, plain, fast, _ = sqlite
    for student in students:
        ours, theirs = (
            fast.graded_notebook(student, ASSIGNMENT),
            plain.graded_notebook(student, ASSIGNMENT),
        )
        assert outputs(ours) == outputs(theirs), student
        assert ours.metadata.get("coursekit") == theirs.metadata.get("coursekit"), student


def test_progress_is_shown_student_by_student(sqlite):
    students, _, _, printed = sqlite
    assert f"[{len(students)}/{len(students)}]" in printed
    assert "left" in printed


def test_the_workers_ran_every_notebook(sqlite):
    """Not the grader alone: it would give the same grades, only no sooner."""
    students, _, _, printed = sqlite
    assert f"{len(students)} notebook(s) run ahead by 2 worker(s)" in printed


def test_each_student_is_claimed_by_one_worker_only(tmp_path):
    """Workers share the class: the first to claim a student runs it, the others go on."""
    from coursekit.apps.grade import CLAIMS, claimed

    (tmp_path / CLAIMS).mkdir()
    assert claimed(tmp_path, "s001")
    assert not claimed(tmp_path, "s001")
    assert claimed(tmp_path, "s002")
    assert sorted(path.name for path in (tmp_path / CLAIMS).iterdir()) == ["s001", "s002"]


def test_force_grades_everyone_again_with_the_same_grades(sqlite):
    students, plain, fast, _ = sqlite
    printed = grade_command(fast, "--force")
    assert f"[{len(students)}/{len(students)}]" in printed
    assert gradebook_of(fast) == gradebook_of(plain)


@pytest.mark.postgres
def test_the_same_holds_with_a_postgresql_gradebook(tmp_path, postgres_server, monkeypatch):
    monkeypatch.setenv("NBGRADER_DB_URL", postgres_server.database("plain_and_fast_1"))
    plain = new_course(tmp_path / "plain", [ASSIGNMENT])
    students = make_class(plain)
    assert plain.autograde(ASSIGNMENT)["success"]
    expected = gradebook_of(plain)
    monkeypatch.setenv("NBGRADER_DB_URL", postgres_server.database("plain_and_fast_2"))
    fast = new_course(tmp_path / "fast", [ASSIGNMENT])
    make_class(fast)
    grade_command(fast)
    assert sorted(expected) == students
    assert gradebook_of(fast) == expected


def test_a_killed_run_resumes_without_grading_anyone_twice(tmp_path, sqlite):
    _, plain, _, _ = sqlite
    course = new_course(tmp_path / "course", [ASSIGNMENT])
    students = make_class(course)
    process = grade_command(course, wait=False)
    deadline = time.monotonic() + 300
    for line in process.stdout:
        if line.startswith("[4/"):
            break
        assert time.monotonic() < deadline, "the run never got to its fourth student"
    process.send_signal(signal.SIGKILL)  # the power cut
    process.wait()
    graded = {s for s in students if course.graded_notebook(s, ASSIGNMENT) is not None}
    saved = {
        s
        for s, entry in gradebook_of(course).items()
        if all(grade[1] is not None for grade in entry["grades"] if grade[0].startswith("test_"))
    }
    assert len(saved) >= 4
    times = {
        s: (course.root / "autograded" / s / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").stat().st_mtime
        for s in saved
    }
    printed = grade_command(course)
    assert f"[{len(students) - len(saved)}/{len(students) - len(saved)}]" in printed
    for student, mtime in times.items():  # graded before the cut: left as it was
        path = course.root / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
        assert path.stat().st_mtime == mtime, student
    assert graded >= saved
    assert gradebook_of(course) == gradebook_of(plain)


def test_jobs_record_ahead_and_one_run_saves_every_grade(tmp_path, sqlite):
    """Beyond one machine (docs/grading-at-scale.md): jobs run students ahead, each on its
    own (`--ahead-only`), then one run without workers saves the grades, running here
    what no job ran: the gradebook is still the one plain autograde leaves."""
    _, plain, _, _ = sqlite
    course = new_course(tmp_path / "course", [ASSIGNMENT])
    students = make_class(course)
    for student in students[:3]:  # three jobs, one student each
        grade_command(course, "--student", student, "--ahead-only")
    assert not (course.root / "autograded").exists()  # a job saves no grade
    printed = grade_command(course, "--workers=-1")
    assert "3 notebook(s) run ahead by 0 worker(s)" in printed
    assert f"[{len(students)}/{len(students)}]" in printed
    assert gradebook_of(course) == gradebook_of(plain)
