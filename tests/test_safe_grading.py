"""Grading that student code cannot break (issue 7): the corpus of hostile submissions.

The whole corpus (tests/submissions/hostile.py) and one correct student are
graded together by ONE plain `nbgrader autograde` run in a scratch course with
the repository's nbgrader_config.py, then feedback is generated. The checks:
every submission has its expected grade, the correct student keeps full marks,
no submitted file changes, no hidden-test line reaches an output or feedback,
no kernel or scratch folder outlives grading, and it all ends in bounded time.
Smaller runs on a tiny assignment cover the machine without a sandbox (refuse
by default, limits-only by choice) and the notebook time limit.
"""

import hashlib
import html
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from coursekit.sandbox.bwrap import hidden_layout
from coursekit.sandbox.execute import describe_exit
from coursekit.sandbox.kernel import RUNTIME_PREFIX
from coursekit.sandbox.settings import GradingSandbox, why_unavailable
from coursekit.sandbox.submission import hidden_test_lines
from tests.conftest import ON_CI, require_program
from tests.grading import NBGRADER, ScratchCourse, fill_answers, solution_answers
from tests.submissions.hostile import ALL_TESTS, ASSIGNMENT, CORPUS

CELL_TIMEOUT = 5  # seconds; the course's own is 30 (nbgrader_config.py, section Execution)
CORPUS_TIME_LIMIT = 150  # seconds for grading the whole corpus on a busy two-core machine
SECRET_VARIABLE = "JUPYTERHUB_API_TOKEN"
FALLBACK = "COURSEKIT_SANDBOX_FALLBACK"


def require_sandbox():
    """Skip on a laptop where bubblewrap is missing or cannot run; fail on CI."""
    require_program("bwrap", "student code is graded inside a bubblewrap sandbox")
    reason = why_unavailable(GradingSandbox())
    if reason:
        message = f"the grading sandbox cannot run here: {reason}"
        if ON_CI:
            pytest.fail(message)
        pytest.skip(message)


def configure(course, *lines):
    """Append settings to the scratch course's copy of nbgrader_config.py."""
    with open(course.root / "nbgrader_config.py", "a", encoding="utf-8") as config:
        config.write("\n# --- added by tests/test_safe_grading.py ---\n")
        config.write("\n".join(lines) + "\n")


def file_hashes(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(Path(folder).rglob("*"))
        if path.is_file()
    }


def output_text(notebook):
    """Everything a notebook's outputs show, as text."""
    parts = []
    for cell in notebook.cells if notebook else []:
        for output in cell.get("outputs", []):
            parts.append(output.get("text", ""))
            parts += [output.get("ename", ""), output.get("evalue", "")]
            parts += output.get("traceback", [])
            parts += [v for v in output.get("data", {}).values() if isinstance(v, str)]
    return "\n".join(parts)


def html_text(path):
    """The visible text of an HTML feedback file (tags removed, entities decoded)."""
    text = re.sub(r"<[^>]+>", "", Path(path).read_text(encoding="utf-8"))
    return html.unescape(text)


def processes_mentioning(text):
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                command = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if text.encode() in command:
                found.append(command.decode(errors="replace"))
    return found


def runtime_folders_of(pid):
    """The sandbox's private folders (IPC sockets, scratch copy) of grader process `pid`."""
    return sorted(Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}{pid}-*"))


def abandoned_runtime_folders():
    """Private folders whose grader has ended: each grader must remove its own."""
    found = []
    for folder in Path(tempfile.gettempdir()).glob(f"{RUNTIME_PREFIX}*-*"):
        pid = folder.name[len(RUNTIME_PREFIX) :].split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            found.append(folder)
    return found


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The corpus graded in one autograde run; what the checks below look at."""
    require_sandbox()
    course = ScratchCourse(tmp_path_factory.mktemp("hostile") / "course")
    configure(course, f"c.Execute.timeout = {CELL_TIMEOUT}")
    course.generate(ASSIGNMENT)
    release = course.release_notebook(ASSIGNMENT)
    answers = solution_answers(course.source_notebook(ASSIGNMENT))
    listener = socket.create_server(("127.0.0.1", 0))  # a service on the grading machine
    secret = secrets.token_hex(16)
    placeholders = {
        "@COURSE@": str(course.root.resolve()),
        "@PORT@": str(listener.getsockname()[1]),
        "@SECRET@": secret,
    }
    course.submit("correct", ASSIGNMENT, fill_answers(release, answers))
    for hostile in CORPUS:
        submission = hostile.build(release, answers)
        if not isinstance(submission, bytes):
            for cell in submission.cells:
                for placeholder, value in placeholders.items():
                    cell.source = cell.source.replace(placeholder, value)
            submission = json.dumps(submission).encode()  # as is: a repeated cell id stays
        course.submit(hostile.name, ASSIGNMENT, submission, extra_files=hostile.extra_files)

    guarded = ["submitted", "source", "release"]
    before = {folder: file_hashes(course.root / folder) for folder in guarded}
    gradebook_before = (course.root / "gradebook.db").stat().st_size
    saved = {name: os.environ.get(name) for name in (SECRET_VARIABLE, FALLBACK)}
    os.environ[SECRET_VARIABLE] = secret
    os.environ.pop(FALLBACK, None)
    try:
        started = time.monotonic()
        run = course.autograde(ASSIGNMENT)
        seconds = time.monotonic() - started
        feedback = course.nbgrader("generate_feedback", ASSIGNMENT, "--force", check=False)
    finally:
        listener.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return {
        "course": course,
        "run": run,
        "feedback": feedback,
        "seconds": seconds,
        "results": course.results(ASSIGNMENT),
        "before": before,
        "after": {folder: file_hashes(course.root / folder) for folder in guarded},
        "gradebook_before": gradebook_before,
        "points": {
            cell.metadata.nbgrader["grade_id"]: cell.metadata.nbgrader["points"]
            for cell in course.source_notebook(ASSIGNMENT).cells
            if cell.metadata.get("nbgrader", {}).get("grade")
        },
        "secret": secret,
    }


def test_the_corpus_covers_the_attacks_of_issue_7():
    names = {hostile.name for hostile in CORPUS}
    assert len(names) == len(CORPUS) >= 15
    assert set(ALL_TESTS) <= {lost for hostile in CORPUS for lost in hostile.lost}


def test_the_correct_student_keeps_full_marks(graded):
    correct = graded["results"]["correct"]
    assert correct.score == correct.max_score == sum(graded["points"].values())
    assert correct.failures == {}


@pytest.mark.parametrize("hostile", CORPUS, ids=lambda hostile: hostile.name)
def test_each_hostile_submission_gets_its_expected_grade(graded, hostile):
    result = graded["results"].get(hostile.name)
    assert result is not None, f"{hostile.name} has no grade:\n{graded['run'].stderr[-3000:]}"
    expected = {
        grade_id: 0.0 if grade_id in hostile.lost else float(points)
        for grade_id, points in graded["points"].items()
    }
    assert result.cells == expected, (hostile.attack, result.failures)
    assert result.score == sum(expected.values())
    notebook = graded["course"].autograded_notebook(hostile.name, ASSIGNMENT)
    shown = output_text(notebook)
    assert hostile.shows in shown, (hostile.attack, shown[-2000:])
    assert "LEAKED" not in shown, (hostile.attack, shown[-2000:])


def test_no_submitted_source_or_release_file_changes(graded):
    for folder, hashes in graded["before"].items():
        assert hashes, folder
        assert graded["after"][folder] == hashes, folder


def test_the_gradebook_is_only_written_by_nbgrader(graded):
    results = graded["results"]
    assert set(results) == {"correct"} | {hostile.name for hostile in CORPUS}
    for result in results.values():  # writes_gradebook tried manual_score = 100 for everyone
        assert result.score <= result.max_score


def test_no_hidden_test_line_reaches_an_output_or_the_feedback(graded):
    course = graded["course"]
    hidden = hidden_test_lines(course.source_notebook(ASSIGNMENT))
    assert len(hidden) > 10
    assert graded["feedback"].returncode == 0, graded["feedback"].stderr[-3000:]
    for student in graded["results"]:
        outputs = output_text(course.autograded_notebook(student, ASSIGNMENT))
        feedback = course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        shown = html_text(feedback)
        for line in hidden:
            assert line not in outputs, (student, line)
            assert line not in shown, (student, line)
    hook = output_text(course.autograded_notebook("hook_leak", ASSIGNMENT))
    assert "[hidden test line]" in hook  # the hook did print hidden lines; they were removed


def test_no_secret_of_the_grading_session_reaches_a_notebook(graded):
    for student in graded["results"]:
        notebook = graded["course"].autograded_notebook(student, ASSIGNMENT)
        assert graded["secret"] not in output_text(notebook)


def test_grading_the_corpus_takes_bounded_time_and_leaves_nothing_running(graded):
    assert graded["seconds"] < CORPUS_TIME_LIMIT
    course_path = str(graded["course"].root.resolve())
    assert processes_mentioning(course_path) == []
    assert abandoned_runtime_folders() == []


def test_kernel_deaths_are_explained_to_the_student(graded):
    failures = graded["results"]["os_exit"].failures
    assert "KernelStopped" in failures["answer_Y"]
    assert "cell 13 of the notebook (`Y = sigmoid(X)`)" in failures["answer_Y"]
    for test in ("test_Y", "test_plot"):
        assert "Not run: the kernel stopped in cell 13" in failures[test]
    log = graded["run"].stderr
    assert "Grading os_exit: The Python kernel stopped" in log
    assert "Student empty_file: the submitted file" in log


# --- Without a sandbox: refuse by default, limits only when the instructor says so ----------

TINY = "tiny"


def tiny_notebook():
    """Two answers, each with a test holding a hidden part."""

    def meta(**fields):
        return {"nbgrader": {"schema_version": 3, "locked": False, "solution": False, **fields}}

    cells = [new_markdown_cell("A tiny assignment.", metadata=meta(grade=False, grade_id="intro"))]
    for name in ("one", "two"):
        answer = f"def {name}():\n    ### BEGIN SOLUTION\n    return '{name}'\n    ### END SOLUTION"
        test = (
            f"assert {name}() == '{name}'\n"
            f"### BEGIN HIDDEN TESTS\nassert {name}() * 2 == '{name * 2}'\n### END HIDDEN TESTS"
        )
        cells.append(
            new_code_cell(answer, metadata=meta(grade=False, solution=True, grade_id=name))
        )
        cells.append(
            new_code_cell(
                test, metadata=meta(grade=True, locked=True, points=1, grade_id=f"test_{name}")
            )
        )
    notebook = new_notebook(cells=cells)
    notebook.metadata.kernelspec = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    return notebook


def tiny_course(tmp_path, *settings):
    course = ScratchCourse(tmp_path / "course")
    folder = course.root / "source" / TINY
    folder.mkdir(parents=True)
    nbformat.write(tiny_notebook(), folder / f"{TINY}.ipynb")
    configure(course, *settings)
    course.generate(TINY)
    return course


def tiny_answers(one="return 'one'", two="return 'two'"):
    return {"one": f"def one():\n    {one}", "two": f"def two():\n    {two}"}


def autograde_with(course, fallback):
    saved = os.environ.pop(FALLBACK, None)
    if fallback is not None:
        os.environ[FALLBACK] = fallback
    try:
        return course.autograde(TINY)
    finally:
        os.environ.pop(FALLBACK, None)
        if saved is not None:
            os.environ[FALLBACK] = saved


def test_without_bubblewrap_grading_refuses_and_says_how_to_opt_in(tmp_path):
    course = tiny_course(tmp_path, "c.GradingSandbox.bwrap = '/nonexistent/bwrap'")
    course.submit("alice", TINY, fill_answers(course.release_notebook(TINY), tiny_answers()))
    run = autograde_with(course, None)
    assert run.returncode != 0
    assert "Grading sandbox unavailable" in run.stderr
    assert "/nonexistent/bwrap" in run.stderr
    assert "c.GradingSandbox.fallback = 'limits-only'" in run.stderr
    assert f"{FALLBACK}=limits-only" in run.stderr
    assert not (course.root / "autograded" / "alice").exists()
    assert course.results(TINY) == {}  # nobody touched in the gradebook


@pytest.mark.parametrize("chosen_by", ["environment", "config"])
def test_limits_only_grades_with_a_warning_and_the_limits_still_hold(tmp_path, chosen_by):
    settings = ["c.GradingSandbox.bwrap = '/nonexistent/bwrap'"]
    if chosen_by == "config":
        settings.append("c.GradingSandbox.fallback = 'limits-only'")
    course = tiny_course(tmp_path, *settings)
    release = course.release_notebook(TINY)
    course.submit("correct", TINY, fill_answers(release, tiny_answers()))
    greedy = "big = bytearray(6 * 1024**3)\n    return 'one'"
    course.submit("greedy", TINY, fill_answers(release, tiny_answers(one=greedy)))
    quitter = "return 'one'\nimport os\nos._exit(0)"
    course.submit("quitter", TINY, fill_answers(release, tiny_answers(one=quitter)))
    run = autograde_with(course, "limits-only" if chosen_by == "environment" else None)
    assert "GRADING WITHOUT SANDBOX" in run.stderr
    results = course.results(TINY)
    assert results["correct"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert results["greedy"].cells == {"test_one": 0.0, "test_two": 1.0}
    assert "MemoryError" in results["greedy"].failures["test_one"]
    assert results["quitter"].cells == {"test_one": 0.0, "test_two": 0.0}
    assert "KernelStopped" in results["quitter"].failures["one"]


def test_a_notebook_that_runs_too_long_is_cut_at_its_time_limit(tmp_path):
    course = tiny_course(
        tmp_path,
        "c.Execute.timeout = 4",
        "c.GradingSandbox.notebook_timeout = 5",
        "c.GradingSandbox.fallback = 'limits-only'",  # the limit does not need the sandbox
    )
    answers = {
        name: f"import time\ntime.sleep(3)\ndef {name}():\n    return '{name}'"
        for name in ("one", "two")
    }
    course.submit("slow", TINY, fill_answers(course.release_notebook(TINY), answers))
    started = time.monotonic()
    course.autograde(TINY)
    assert time.monotonic() - started < 30
    result = course.results(TINY)["slow"]
    assert result.cells == {"test_one": 1.0, "test_two": 0.0}
    assert "time limit of 5 seconds" in result.failures["test_two"]


def test_a_crash_in_the_middle_of_a_class_keeps_the_grades_already_given(tmp_path):
    require_sandbox()
    course = tiny_course(tmp_path, "c.Execute.timeout = 3")
    release = course.release_notebook(TINY)
    slow = {**tiny_answers(), "one": "import time\ntime.sleep(20)\n" + tiny_answers()["one"]}
    for student, answers in [
        ("a_first", tiny_answers()),
        ("b_slow", slow),
        ("c_last", tiny_answers()),
    ]:
        course.submit(student, TINY, fill_answers(release, answers))
    env = dict(os.environ)
    env.pop(FALLBACK, None)
    grader = subprocess.Popen(
        [*NBGRADER, "autograde", TINY, "--force"],
        cwd=course.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    course_path = str(course.root.resolve())
    deadline = time.monotonic() + 60
    while not any("b_slow" in command for command in processes_mentioning(course_path)):
        assert time.monotonic() < deadline and grader.poll() is None, "b_slow was never graded"
        time.sleep(0.2)
    grader.kill()  # the power cut: SIGKILL in the middle of b_slow's notebook
    grader.wait()
    time.sleep(1)
    assert processes_mentioning(course_path) == []  # the kernel died with the grader
    assert runtime_folders_of(grader.pid)  # no chance to clean up: the next run does
    results = course.results(TINY)
    assert results["a_first"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert "c_last" not in results or not results["c_last"].cells
    course.autograde(TINY)  # grading again finishes the class and keeps what was given
    assert runtime_folders_of(grader.pid) == []
    results = course.results(TINY)
    assert results["a_first"].cells == results["c_last"].cells == {"test_one": 1.0, "test_two": 1.0}
    assert results["b_slow"].cells == {"test_one": 0.0, "test_two": 1.0}  # interrupted at 3 s


# --- Pieces, without running a kernel ------------------------------------------------------


def test_the_course_is_hidden_but_its_python_environment_stays_visible():
    repo = Path(__file__).resolve().parent.parent
    folders, files, visible = hidden_layout([repo, "/nonexistent"], sys.executable)
    real_repo = repo.resolve()
    assert any(real_repo == folder or folder in real_repo.parents for folder in folders)
    for private in ("/tmp", "/run"):
        assert Path(private) in folders
    prefix = Path(sys.prefix).resolve()
    if any(folder in prefix.parents for folder in folders):
        assert any(folder == prefix or folder in prefix.parents for folder in visible)
    assert not any(real_repo == folder or folder in real_repo.parents for folder in visible)


def test_a_python_environment_holding_the_course_cannot_be_sandboxed(tmp_path):
    with pytest.raises(ValueError, match="must stay hidden"):
        hidden_layout([Path(sys.prefix) / "bin"], sys.executable)


@pytest.mark.parametrize(
    ("code", "sandboxed", "words"),
    [
        (0, True, "exited with code 0"),
        (139, True, "segmentation fault"),
        (-11, False, "segmentation fault"),
        (152, True, "CPU time limit"),
        (137, True, "killed"),
        (None, True, "stopped responding"),
    ],
)
def test_exit_statuses_are_explained(code, sandboxed, words):
    assert words in describe_exit(code, sandboxed)
