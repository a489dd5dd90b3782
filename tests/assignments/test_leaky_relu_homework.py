"""leaky_relu_homework grades every kind of submission at its documented score.

All submissions (tests/submissions/leaky_relu_homework.py, plus the instructor's
solution and the untouched student version) are graded in ONE autograde run with
the course's configuration, and each test cell's score is checked, not only the total.
The written answer (Part 5) is graded by hand: its rubric must reach the grader
(autograded notebook, formgrader page) and never the students (release/, feedback).
"""

import pytest

from coursekit import notebooks
from coursekit.course import REPO
from tests.assignments.corpus import grade_corpus, run_visible_tests, stderr_in_test_cells
from tests.conftest import new_course
from tests.submissions.leaky_relu_homework import (
    AUTO_POINTS,
    MANUAL_POINTS,
    POINTS,
    SUBMISSIONS,
)

ASSIGNMENT = "leaky_relu_homework"
RUBRIC_MARK = "RUBRIC for answer_written"
STUDENT_ANSWER = "Leaky ReLU keeps a small slope for negative inputs."


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, submit everything, autograde once; return (results, course)."""
    course = new_course(tmp_path_factory.mktemp("leaky") / "course", [ASSIGNMENT])
    answers = {name: submission.answers for name, submission in SUBMISSIONS.items()}
    common = {"answer_written": STUDENT_ANSWER}
    results = grade_corpus(course, ASSIGNMENT, answers, common)
    return results, course


def grade_cells(notebook):
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if notebooks.nbgrader_metadata(cell).get("grade")
    }


def test_points_are_as_documented():
    notebook = notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points = {
        grade_id: cell.metadata["nbgrader"]["points"]
        for grade_id, cell in grade_cells(notebook).items()
    }
    assert points == {**POINTS, **MANUAL_POINTS}
    assert AUTO_POINTS == 12


def test_the_solution_gets_every_automatic_point(graded):
    results, _ = graded
    solution = results["solution"]
    assert solution.cells == POINTS, solution.failures
    assert solution.score == AUTO_POINTS


def test_the_untouched_student_version_gets_nothing(graded):
    results, _ = graded
    untouched = results["untouched"]
    # nbgrader scores an unchanged written answer 0 by itself ("No response").
    assert untouched.cells == {**dict.fromkeys(POINTS, 0), "answer_written": 0}
    assert untouched.score == 0
    assert not untouched.needs_manual_grade


@pytest.mark.parametrize("name", list(SUBMISSIONS))
def test_submission_scores_per_cell(name, graded):
    results, _ = graded
    expected = SUBMISSIONS[name]
    got = results[name]
    assert got.cells == expected.scores, (
        f"{name}: {expected.why}\nexpected {expected.scores}\ngot {got.cells}\n{got.failures}"
    )
    assert got.score == expected.total


def test_every_graded_submission_is_in_the_gradebook(graded):
    results, _ = graded
    assert set(results) == set(SUBMISSIONS) | {"solution", "untouched"}


def test_no_test_cell_ever_writes_to_stderr(graded):
    """A warning must become a failed assert (or be swallowed), never stderr text."""
    results, course = graded
    assert len(results) > 2
    assert stderr_in_test_cells(course, ASSIGNMENT, POINTS) == []


@pytest.mark.parametrize(
    "name, grade_id, words",
    [
        ("column_major", "test_grid_curves", "panel 2 (row 1, column 2) should draw"),
        ("column_major", "test_grid_curves", "curve meant for panel 4 (row 2, column 1)"),
        ("nine_figures", "test_grid_layout", "made 9 figures; all panels belong in ONE figure"),
        ("grid_2x5", "test_grid_layout", "belongs to a 2x5 grid; expected a 3x3 grid"),
        ("ignores_params", "test_grid_curves", "nine other parameter rows"),
        ("fixed_alpha", "test_grid_curves", "at x = -5 its line has y = -0.05, expected 0.0"),
        ("fixed_x_range", "test_grid_curves", "goes from x = -5 to 5; it should go from -1 to 0.1"),
        ("arange_end_missing", "test_grid_curves", "to 4.99; it should go from -5 to 5, both ends"),
        ("missing_titles", "test_grid_titles", "it has no title"),
        ("load_params_strings", "test_load_params", "should be a float; it is str '0'"),
        ("load_params_strings", "test_fig", "name 'fig' is not defined"),
        ("hard_coded_params", "test_load_params", "load_params on another CSV file"),
        ("swapped_branches", "test_leaky_relu", "leaky_relu(3.0) is wrong"),
        ("max_formula", "test_leaky_relu", "expected -6.0, yours is -3.0"),
        ("scalar_leaky_relu", "test_leaky_relu", "raised ValueError"),
        ("no_return", "test_grid_layout", "should be a matplotlib Figure; it is NoneType"),
        ("untouched", "test_leaky_relu", "raised NotImplementedError"),
        ("borrows_coursecheck_reader", "test_load_params", "name 'load_params' is not defined"),
        (
            "borrows_coursecheck_leaky_relu",
            "test_leaky_relu",
            "has no attribute 'reference_leaky_relu'",
        ),
    ],
)
def test_failures_say_what_was_expected_in_plain_words(name, grade_id, words, graded):
    results, _ = graded
    assert words in results[name].failures.get(grade_id, ""), results[name].failures


@pytest.mark.parametrize("name", ["fixed_alpha", "fixed_x_range", "swapped_branches"])
def test_the_row_by_row_hint_only_comes_when_panels_are_moved(name, graded):
    """Panels that draw a wrong curve are not told to reorder their panels."""
    results, _ = graded
    assert "row by row" not in results[name].failures["test_grid_curves"]
    assert "row by row" in results["column_major"].failures["test_grid_curves"]


def test_failure_messages_are_assertions_not_crashes(graded):
    """Every failed test cell fails on an assert with a message, never on a Python error,
    except a name the student never defined (NameError says which)."""
    results, _ = graded
    for student, result in results.items():
        for grade_id, text in result.failures.items():
            if grade_id not in POINTS or text.startswith("NameError: name '"):
                continue  # an answer cell: the student's own error; or an undefined answer
            assert text.startswith("AssertionError: ") and len(text) > 40, (student, text)


# --- Part 5: graded by hand, with a rubric only graders see ---------------------------


def test_the_written_answer_is_a_manually_graded_answer_cell():
    notebook = notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    cell = grade_cells(notebook)["answer_written"]
    meta = cell.metadata["nbgrader"]
    assert cell.cell_type == "markdown"
    assert meta["solution"] and meta["grade"] and not meta["locked"]


def test_the_gradebook_keeps_the_written_answer_for_a_human(graded):
    _, course = graded
    with course.gradebook() as gradebook:
        for student in ("solution", "column_major"):
            grade = gradebook.find_grade("answer_written", ASSIGNMENT, ASSIGNMENT, student)
            assert grade.max_score == 4
            assert grade.auto_score is None and grade.manual_score is None
            assert grade.needs_manual_grade
            rubric = gradebook.find_grade("rubric_written", ASSIGNMENT, ASSIGNMENT, student)
            assert rubric.max_score == 0 and not rubric.needs_manual_grade
            submission = gradebook.find_submission(ASSIGNMENT, student)
            assert submission.needs_manual_grade
            assert submission.max_score == AUTO_POINTS + 4
            assert submission.written_score == 0  # nothing until a grader scores it
        solution = gradebook.find_submission(ASSIGNMENT, "solution")
        assert solution.code_score == AUTO_POINTS


def test_the_rubric_reaches_the_graders(graded):
    """Restored into the autograded notebook and shown on the formgrader page."""
    from nbconvert.exporters import HTMLExporter
    from nbgrader.server_extensions.formgrader import handlers
    from traitlets.config import Config

    _, course = graded
    for student in ("solution", "untouched"):
        notebook = course.graded_notebook(student, ASSIGNMENT)
        assert RUBRIC_MARK in grade_cells(notebook)["rubric_written"].source

    config = Config()  # what nbgrader's formgrader extension sets up
    config.HTMLExporter.template_name = "formgrade"
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    resources = {
        "assignment_id": ASSIGNMENT,
        "notebook_id": ASSIGNMENT,
        "submission_id": "x",
        "index": 0,
        "total": 1,
        "base_url": "",
        "student": "solution",
        "last_name": None,
        "first_name": None,
        "notebook_path": "autograded",
    }
    path = course.root / "autograded" / "column_major" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    page, _ = HTMLExporter(config=config).from_filename(str(path), resources=resources)
    assert RUBRIC_MARK in page
    assert STUDENT_ANSWER in page


def test_the_rubric_never_reaches_students(graded):
    """Not in release/ (committed or fresh), not in a submission, not in feedback."""
    _, course = graded
    released = (REPO / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(encoding="utf-8")
    fresh = course.root / "release" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    assert RUBRIC_MARK not in released
    assert RUBRIC_MARK not in fresh.read_text(encoding="utf-8")
    assert "Model answer" not in released
    assert RUBRIC_MARK in (REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").read_text(
        encoding="utf-8"
    )

    course.generate_feedback(ASSIGNMENT, "column_major")
    feedback = course.root / "feedback" / "column_major" / ASSIGNMENT / f"{ASSIGNMENT}.html"
    html = feedback.read_text(encoding="utf-8")
    assert STUDENT_ANSWER in html  # the feedback is there, with the student's answer...
    assert RUBRIC_MARK not in html  # ...but not the rubric


# --- Hidden tests are what catch answers that only fit data_Hw2.csv -------------------


@pytest.mark.parametrize("name", ["ignores_params", "hard_coded_params"])
def test_these_pass_every_visible_test(name, tmp_path):
    notebook = run_visible_tests(tmp_path, ASSIGNMENT, SUBMISSIONS[name].answers)
    for cell in notebook.cells:
        assert not [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]
