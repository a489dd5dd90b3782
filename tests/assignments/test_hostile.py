"""Grading that student code cannot break: the corpus of hostile submissions, in the sandbox.

The whole corpus (tests/submissions/hostile.py) and one correct student are graded
together in ONE autograde run with the course's configuration, then feedback is
generated. The checks: every submission has its expected grade, the correct student
keeps full marks, no submitted file changes, no hidden-test line reaches an output
or feedback, no kernel or scratch folder outlives grading, and it all ends in
bounded time. (The machine without a sandbox: tests/coursekit/test_sandbox.py.)
"""

import base64
import binascii
import hashlib
import html
import json
import os
import re
import secrets
import socket
import tempfile
import time
from pathlib import Path

import pytest

from coursekit import notebooks, redact
from coursekit.sandbox.folders import RUNTIME_PREFIX
from tests.conftest import new_course
from tests.submissions.hostile import ALL_TESTS, ASSIGNMENT, CORPUS, HIDDEN_SECRETS

pytestmark = [
    pytest.mark.sandbox,
    # duplicates_cell_id hands in two cells with one id on purpose; nbformat says so
    # each time the test reads it back
    pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId"),
]

CELL_TIMEOUT = 5  # seconds; the course's own is nbgrader's default, 30
# Seconds for grading the whole corpus: about 60 s alone on a two-core machine, 2.5 times
# that with two test suites sharing its cores; a timeout that never fired would hang
# until pytest's own limit (300 s).
CORPUS_TIME_LIMIT = 240
SECRET_VARIABLE = "JUPYTERHUB_API_TOKEN"


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
    folder = tmp_path_factory.mktemp("hostile") / "course"
    course = new_course(folder, [ASSIGNMENT], Execute={"timeout": CELL_TIMEOUT})
    course.generate(ASSIGNMENT)
    release = course.release_notebook(ASSIGNMENT)
    answers = notebooks.solution_answers(course.source_notebook(ASSIGNMENT))
    listener = socket.create_server(("127.0.0.1", 0))  # a service on the grading machine
    secret = secrets.token_hex(16)
    placeholders = {
        "@COURSE@": str(course.root.resolve()),
        "@PORT@": str(listener.getsockname()[1]),
        "@SECRET@": secret,
    }
    course.submit("correct", ASSIGNMENT, notebooks.fill_answers(release, answers))
    for hostile in CORPUS:
        submission = hostile.build(release, answers)
        if not isinstance(submission, bytes):
            for cell in submission.cells:
                for placeholder, value in placeholders.items():
                    cell.source = cell.source.replace(placeholder, value)
            submission = json.dumps(submission).encode()  # as is: a repeated cell id stays
        course.submit(hostile.name, ASSIGNMENT, submission, files=hostile.extra_files)

    guarded = ["submitted", "source", "release"]
    before = {folder: file_hashes(course.root / folder) for folder in guarded}
    gradebook_before = (course.root / "gradebook.db").stat().st_size
    saved = os.environ.get(SECRET_VARIABLE)
    os.environ[SECRET_VARIABLE] = secret
    try:
        started = time.monotonic()
        run = course.autograde(ASSIGNMENT)
        seconds = time.monotonic() - started
        feedback = course.api().generate_feedback(ASSIGNMENT)
    finally:
        listener.close()
        if saved is None:
            os.environ.pop(SECRET_VARIABLE, None)
        else:
            os.environ[SECRET_VARIABLE] = saved
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
            notebooks.grade_id(cell): notebooks.nbgrader_metadata(cell)["points"]
            for cell in course.source_notebook(ASSIGNMENT).cells
            if notebooks.nbgrader_metadata(cell).get("grade")
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
    assert result is not None, (
        f"{hostile.name} has no grade:\n{graded['run'].get('log', '')[-3000:]}"
    )
    expected = {
        grade_id: 0.0 if grade_id in hostile.lost else float(points)
        for grade_id, points in graded["points"].items()
    }
    assert result.cells == expected, (hostile.attack, result.failures)
    assert result.score == sum(expected.values())
    notebook = graded["course"].graded_notebook(hostile.name, ASSIGNMENT)
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
    hidden = redact.hidden_lines(course.source_notebook(ASSIGNMENT))
    assert len(hidden) > 10
    assert graded["feedback"]["success"], graded["feedback"].get("log", "")[-3000:]
    for student in graded["results"]:
        outputs = output_text(course.graded_notebook(student, ASSIGNMENT))
        feedback = course.root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        shown = html_text(feedback)
        assert not redact.shows_hidden(outputs, hidden), student
        assert not redact.shows_hidden(shown, hidden), student


def decodings(text):
    """`text`, reversed, and every base64 or hex run in it decoded (as snoops_hidden_tests
    prints what it found)."""
    found = [text, text[::-1]]
    for token in re.findall(r"[A-Za-z0-9+/]{16,}={0,2}", text):
        try:
            found.append(base64.b64decode(token + "=" * (-len(token) % 4)).decode(errors="replace"))
        except (ValueError, binascii.Error):
            continue
    for token in re.findall(r"(?:[0-9a-f]{2}){8,}", text):
        found.append(bytes.fromhex(token).decode(errors="replace"))
    return found


def test_a_sigmoid_that_snoops_on_the_hidden_tests_learns_nothing(graded):
    """Frames, code objects, gc and an audit hook are refused while tests run (the guardian's
    wall); the attempts are noted; outputs from the first test on are hidden as well."""
    secret = "x = 535300 in _sigmoid"
    assert all(  # the decoding finds what the snooper's encodings would show
        any("535300" in text for text in decodings(encoded))
        for encoded in (
            base64.b64encode(secret.encode()).decode(),
            secret.encode().hex(),
            secret[::-1],
        )
    )
    course, name = graded["course"], "snoops_hidden_tests"
    notebook = course.graded_notebook(name, ASSIGNMENT)
    feedback = course.root / "feedback" / name / ASSIGNMENT / f"{ASSIGNMENT}.html"
    for text in (html_text(feedback), feedback.read_text(encoding="utf-8"), output_text(notebook)):
        for decoded in decodings(text):
            for hidden in HIDDEN_SECRETS:
                assert hidden not in decoded, hidden
    reviews = [note["text"] for note in graded["results"][name].notes if note["kind"] == "review"]
    for refused in ("sys._getframe", "gc.get_objects", "sys.addaudithook", "tb_frame"):
        assert any(refused in text and "refused" in text for text in reviews), (refused, reviews)


def test_an_ipython_hook_never_sees_a_test_cell(graded):
    """Test cells go to the guardian, not through IPython: hooks see student cells only."""
    hook = output_text(graded["course"].graded_notebook("hook_leak", ASSIGNMENT))
    assert "next cell:" in hook and "def sigmoid" in hook  # it ran, on the student's cells
    assert "check." not in hook and "HIDDEN" not in hook


def test_no_secret_of_the_grading_session_reaches_a_notebook(graded):
    for student in graded["results"]:
        notebook = graded["course"].graded_notebook(student, ASSIGNMENT)
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
    log = graded["run"].get("log", "")
    assert "Grading os_exit: The Python kernel stopped" in log
    assert "Student empty_file: the submitted file" in log


def test_the_kernel_factory_lives_on_after_student_code_killed_it(graded):
    """kills_grader sends SIGKILL to its parent (in the sandbox: the kernel factory);
    the students graded after it are graded normally."""
    results = graded["results"]
    later = [hostile.name for hostile in CORPUS][
        [h.name for h in CORPUS].index("kills_grader") + 1 :
    ]
    assert later and all(results[name].score is not None for name in later)
