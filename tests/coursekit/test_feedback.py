"""Feedback shows each test's result and message, never hidden tests or solutions.

A course grades failing submissions of the tiny assignment (Course, in this process),
then the feedback HTML is read as text (tags removed) and searched for every line
of the hidden tests and of the instructor's solution. The same search run on
nbgrader's default feedback must find the hidden tests (the control), and
HideHiddenTests (coursekit.preprocessors.hide_hidden_tests) is checked on its own
against the tracebacks IPython prints for a failing hidden test.
"""

import hashlib
import html
import json
import re
import subprocess
import sys

import nbformat
import pytest

from coursekit import redact
from coursekit.course import Course
from coursekit.preprocessors.hide_hidden_tests import HideHiddenTests
from tests import tiny_assignment as tiny
from tests.conftest import new_course

RAISES_FOR_NEGATIVES = """def double(x):
    if x < 0:
        raise ValueError("negative numbers are not handled yet")
    return x * 2"""

# nbgrader's autograde, with SQLAlchemy 2.1: harmless "not in session" warnings
pytestmark = pytest.mark.filterwarnings("ignore:Object of type:sqlalchemy.exc.SAWarning")

NBGRADER_DEFAULT = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# A failing hidden test's traceback as IPython (and so the kernel) prints it: the code
# around the failing line, markers and hidden lines included, in colour. IPython runs in
# a child process: its shell takes over __main__ and exit hooks of the process it runs in.
IPYTHON_TRACEBACK = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
from traitlets.config import Config

config = Config()
config.HistoryManager.enabled = False
shell = InteractiveShell(config=config)
shown = []
shell._showtraceback = lambda etype, evalue, stb: shown.append([etype.__name__, str(evalue), stb])
answer, tests = json.load(sys.stdin)
shell.run_cell(answer, store_history=True)
shell.run_cell(tests, store_history=True)
json.dump(shown, sys.stdout)
"""


def ipython_error(answer, tests=tiny.TESTS):
    """The error output IPython shows when `tests` run after `answer` (In[1], In[2])."""
    run = subprocess.run(
        [sys.executable, "-c", IPYTHON_TRACEBACK],
        input=json.dumps([answer, tests]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    [(ename, evalue, traceback)] = json.loads(run.stdout)
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=traceback)


def squashed(text):
    """Text without any whitespace, so that HTML spans and line breaks cannot hide a match."""
    return "".join(text.split())


def visible_text(page):
    """What a student reads in the feedback page: the text without tags, squashed."""
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S | re.I)
    return squashed(html.unescape(re.sub(r"<[^>]+>", "", page)))


def leaks(page, lines):
    """The secret lines that appear in the page, as text or anywhere in the raw HTML."""
    text, raw = visible_text(page), squashed(html.unescape(page))
    return [line for line in lines if squashed(line) in text or squashed(line) in raw]


def shows(page, text):
    return squashed(text) in visible_text(page)


def submitted_hashes(course):
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in course.root.glob("submitted/*/*/*")
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("feedback") / "course")
    tiny.add_to(course)
    answers = {
        "partial": tiny.PARTIAL,  # fails a hidden assert
        "raises": RAISES_FOR_NEGATIVES,  # error inside the student's code, called by a hidden test
        "broken": tiny.BROKEN,  # fails the visible test
        "correct": tiny.CORRECT,
    }
    for student, answer in answers.items():
        course.submit(student, tiny.NAME, tiny.answered(course, answer))
    hashes = submitted_hashes(course)
    outcome = course.autograde(tiny.NAME)
    assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
    return course, hashes


def feedback_pages(course):
    """generate_feedback for the class; {student: the HTML page}."""
    course.generate_feedback(tiny.NAME)
    folder = course.root / "feedback"
    return {
        p.parts[-3]: p.read_text(encoding="utf-8") for p in folder.glob(f"*/{tiny.NAME}/*.html")
    }


def test_the_check_catches_nbgrader_default_feedback(graded):
    # nbgrader's default feedback shows hidden tests (upstream #917): the check sees them
    course, _ = graded
    default = Course(course.root, {"GenerateFeedback": {"preprocessors": NBGRADER_DEFAULT}})
    pages = feedback_pages(default)
    assert leaks(pages["correct"], tiny.hidden_test_lines())


@pytest.mark.parametrize(
    "answer, message, student_frame",
    [
        (tiny.PARTIAL, "AssertionError: double must work for negative numbers too", None),
        (
            RAISES_FOR_NEGATIVES,
            "ValueError: negative numbers are not handled yet",
            'raise ValueError("negative numbers are not handled yet")',
        ),
    ],
    ids=["hidden-assert-fails", "student-code-raises"],
)
def test_hidden_test_lines_leave_real_tracebacks_but_message_and_student_frames_stay(
    answer, message, student_frame
):
    """nbgrader's ClearHiddenTests cleans a test cell's code, not its outputs."""
    error = ipython_error(answer)
    listed = redact.plain("\n".join(error.traceback))
    assert "BEGIN HIDDEN TESTS" in listed  # what there is to hide: IPython lists the test code
    assert any(redact.plain(line) in listed for line in tiny.hidden_test_lines())
    cell = nbformat.v4.new_code_cell(
        tiny.TESTS,
        execution_count=2,
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test", "points": 2}},
        outputs=[
            error,
            nbformat.v4.new_output("stream", name="stdout", text="checking double(21) == 42\n"),
        ],
    )
    notebook, _ = HideHiddenTests().preprocess(nbformat.v4.new_notebook(cells=[cell]), {})
    cell = notebook.cells[0]
    shown = redact.plain("\n".join(cell.outputs[0].traceback) + cell.outputs[1].text)
    shown += "\n" + cell.source
    for line in tiny.hidden_test_lines():
        assert redact.plain(line) not in shown
    assert "BEGIN HIDDEN TESTS" not in shown and "END HIDDEN TESTS" not in shown
    assert f"{cell.outputs[0].ename}: {cell.outputs[0].evalue}" == message  # the test's hint
    assert message in shown
    if student_frame:
        assert student_frame in shown  # the student's own code, where it failed
    assert 'assert double(1) == 2, "double(1) should be 2"' in cell.source  # the visible test


@pytest.fixture(scope="module")
def pages(graded):
    """Feedback made with the course's configuration (nbgrader_config.py, "Feedback")."""
    course, _ = graded
    return feedback_pages(course)


def test_feedback_never_shows_hidden_tests_or_solutions(pages):
    assert sorted(pages) == ["broken", "correct", "partial", "raises"]
    secrets = tiny.hidden_test_lines() + tiny.solution_lines()
    for student, page in pages.items():
        assert not leaks(page, secrets), student
        assert "BEGIN HIDDEN TESTS" not in page and "BEGIN SOLUTION" not in page


def test_feedback_shows_each_result_and_failure_message(pages):
    assert shows(pages["correct"], "Score: 2.0 / 2.0")
    assert shows(pages["partial"], "Score: 0.0 / 2.0")
    # the test author's message for a failing hidden assert
    assert shows(pages["partial"], "AssertionError: double must work for negative numbers too")
    # the visible test and the student's own code and error stay readable
    assert shows(pages["broken"], 'assert double(1) == 2, "double(1) should be 2"')
    assert shows(pages["broken"], "NameError: name 'undefined_name' is not defined")
    assert shows(pages["raises"], 'raise ValueError("negative numbers are not handled yet")')
    assert shows(pages["raises"], "ValueError: negative numbers are not handled yet")


def test_grading_and_feedback_leave_submissions_untouched(graded, pages):
    course, hashes = graded
    assert submitted_hashes(course) == hashes
