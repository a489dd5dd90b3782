"""Feedback shows each test's result and message, never hidden tests or solutions.

A scratch course grades failing submissions with the plain nbgrader commands,
then the feedback HTML is read as text (tags removed) and searched for every
line of the hidden tests and of the instructor's solution.
"""

import hashlib
import html
import re

import nbformat
import pytest

from coursekit.feedback import HideHiddenTests
from tests import tiny_assignment as tiny
from tests.grading import ScratchCourse

RAISES_FOR_NEGATIVES = """def double(x):
    if x < 0:
        raise ValueError("negative numbers are not handled yet")
    return x * 2"""

NBGRADER_DEFAULT = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# How IPython lists a failing hidden assert: the code around the failing line.
HIDDEN_ASSERT_TRACEBACK = [
    "\x1b[31m---------------------------------------------------------------------------\x1b[39m",
    "\x1b[31mAssertionError\x1b[39m                            Traceback (most recent call last)",
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[2]\x1b[39m\x1b[32m, line 3\x1b[39m\n"
    '\x1b[32m      1\x1b[39m assert double(1) == 2, "double(1) should be 2"\n'
    "\x1b[32m      2\x1b[39m ### BEGIN HIDDEN TESTS\n"
    '\x1b[32m----> 3\x1b[39m assert double(-3) == -6, "double must work for negative numbers too"\n'
    '\x1b[32m      4\x1b[39m assert double(21) == 42, "double(21) should be 42"\n',
    "\x1b[36mCell\x1b[39m In[1], line 3, in double(x)\n"
    '\x1b[32m----> 3\x1b[39m     raise ValueError("negative numbers are not handled yet")\n',
    "\x1b[31mAssertionError\x1b[39m: double must work for negative numbers too",
]


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


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = ScratchCourse(tmp_path_factory.mktemp("feedback") / "course")
    tiny.add_to(course)
    answers = {
        "partial": tiny.PARTIAL,  # fails a hidden assert
        "raises": RAISES_FOR_NEGATIVES,  # error inside the student's code, called by a hidden test
        "broken": tiny.BROKEN,  # fails the visible test
        "correct": tiny.CORRECT,
    }
    for student, answer in answers.items():
        course.submit(student, tiny.NAME, tiny.answered(course, answer))
    hashes = {
        p: hashlib.sha256(p.read_bytes()).hexdigest() for p in course.root.glob("submitted/*/*/*")
    }
    course.autograde(tiny.NAME)
    return course, hashes


def feedback_pages(course, preprocessors=None):
    args = ["generate_feedback", tiny.NAME, "--force"]
    for name in preprocessors or []:
        args.append(f"--GenerateFeedback.preprocessors={name}")
    course.nbgrader(*args)
    folder = course.root / "feedback"
    return {
        p.parts[-3]: p.read_text(encoding="utf-8") for p in folder.glob(f"*/{tiny.NAME}/*.html")
    }


def test_the_check_catches_nbgrader_default_feedback(graded):
    # nbgrader's default feedback shows hidden tests (upstream #917): the check sees them
    course, _ = graded
    pages = feedback_pages(course, NBGRADER_DEFAULT)
    assert leaks(pages["correct"], tiny.hidden_test_lines())


def test_hidden_test_lines_leave_tracebacks_but_the_message_and_student_frames_stay():
    """nbgrader's ClearHiddenTests cleans a test cell's code, not its outputs."""
    cell = nbformat.v4.new_code_cell(
        tiny.TESTS,
        execution_count=2,
        metadata={"nbgrader": {"grade": True, "solution": False, "grade_id": "test", "points": 2}},
        outputs=[
            nbformat.v4.new_output(
                "error",
                ename="AssertionError",
                evalue="double must work for negative numbers too",
                traceback=list(HIDDEN_ASSERT_TRACEBACK),
            ),
            nbformat.v4.new_output("stream", name="stdout", text="checking double(21) == 42\n"),
        ],
    )
    cell, _ = HideHiddenTests().preprocess_cell(cell, {}, 0)
    shown = "\n".join(cell.outputs[0].traceback) + cell.outputs[1].text + cell.source
    for line in tiny.hidden_test_lines():
        assert line not in shown
    assert "BEGIN HIDDEN TESTS" not in shown
    assert cell.outputs[0].evalue == "double must work for negative numbers too"
    assert 'raise ValueError("negative numbers are not handled yet")' in shown  # student's frame
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
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in hashes}
    assert after == hashes
