"""sigmoid_exercise grades every kind of submission at its documented score.

All submissions (tests/submissions/sigmoid_exercise.py, plus the instructor's
solution and the untouched student version) are graded in ONE autograde run with
the course's configuration, and each test cell's score is checked, not only the total.
"""

import ast

import mpmath
import pytest

from coursecheck import sigmoid_exercise as check
from coursekit import notebooks
from coursekit.course import REPO
from tests.assignments.corpus import grade_corpus, run_visible_tests, stderr_in_test_cells
from tests.conftest import new_course
from tests.submissions.sigmoid_exercise import POINTS, SUBMISSIONS

ASSIGNMENT = "sigmoid_exercise"
TEST_CELLS = list(POINTS)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Generate, submit everything, autograde once; return (results, course)."""
    course = new_course(tmp_path_factory.mktemp("sigmoid") / "course", [ASSIGNMENT])
    answers = {name: submission.answers for name, submission in SUBMISSIONS.items()}
    results = grade_corpus(course, ASSIGNMENT, answers)
    return results, course


def test_points_are_as_documented():
    notebook = notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    points = {
        cell.metadata["nbgrader"]["grade_id"]: cell.metadata["nbgrader"]["points"]
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
    }
    assert points == POINTS
    assert sum(points.values()) == 10


def test_the_hidden_reference_sigmoid_is_exact_to_rounding_and_never_overflows():
    """Each test cell's hidden region defines the same _sigmoid; released files have none."""
    notebook = notebooks.read(REPO / "source" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    definitions = []
    for cell in notebook.cells:
        hidden = "\n".join(notebooks.region_lines(cell.source, notebooks.HIDDEN_TESTS))
        for node in ast.parse(hidden).body:
            if isinstance(node, ast.FunctionDef) and node.name == "_sigmoid":
                definitions.append(ast.get_source_segment(hidden, node))
                assert hidden.startswith("_exp = check.exp")  # the exp it calls
    assert len(definitions) == 5 and len(set(definitions)) == 1
    namespace = {"check": check, "_exp": check.exp}
    exec(definitions[0], namespace)
    mpmath.mp.dps = 50
    for x in [-1e308, -1e4, -1000.0, -745.0, -709.0, -36.7, -1.0, 0.0, 1e-9, 2.5, 40.0, 1e308]:
        exact = float(1 / (1 + mpmath.exp(-mpmath.mpf(x))))
        assert check.is_close(namespace["_sigmoid"](x), exact, 2**-52, 0.0), x


def test_the_visible_literal_values_are_exact_to_rounding():
    """The numbers the visible checks compare with, worked out again with mpmath."""
    mpmath.mp.dps = 50
    points = [*check.VISIBLE_POINTS, *check.ENDS]
    values = [*check.VISIBLE_VALUES, *check.ENDS.values()]
    for x, value in zip(points, values, strict=True):
        assert value == float(1 / (1 + mpmath.exp(-mpmath.mpf(x)))), x


def test_the_solution_gets_full_marks(graded):
    results, _ = graded
    solution = results["solution"]
    assert solution.cells == POINTS, solution.failures
    assert solution.score == solution.max_score == 10


def test_the_untouched_student_version_gets_nothing(graded):
    results, _ = graded
    untouched = results["untouched"]
    assert untouched.cells == dict.fromkeys(TEST_CELLS, 0)
    assert untouched.score == 0


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
    """A warning must become a failed assert, never stderr text (which zeroes a cell)."""
    results, course = graded
    assert len(results) > 2
    assert stderr_in_test_cells(course, ASSIGNMENT, POINTS) == []


@pytest.mark.parametrize(
    "name, grade_id, words",
    [
        ("arange_step", "test_X", "ends included; yours has 100 points from -5 to 4.9"),
        ("arange_step", "test_X", "np.arange leaves out the stop value — try np.linspace"),
        ("points_101", "test_X", "yours has 101 points"),
        ("slides_naive", "test_sigmoid_stable", "RuntimeWarning: overflow encountered in exp"),
        ("slides_naive", "test_sigmoid_stable", "Call exp only on numbers <= 0"),
        ("math_exp_scalar", "test_sigmoid_values", "math.exp takes one number only"),
        ("integer_zeros_like", "test_sigmoid_shapes", "expected 0.8807970779778823, yours is 0"),
        ("tanh_plotted", "test_plot", "has the right x values but is not sigmoid(X)"),
        ("no_plot", "test_plot", "No figure was found"),
        ("unlabelled_plot", "test_plot", "the x and y labels are empty"),
        ("lookup_table", "test_sigmoid_values", "raised KeyError"),
    ],
)
def test_failures_say_what_was_expected_in_plain_words(name, grade_id, words, graded):
    results, _ = graded
    assert words in results[name].failures.get(grade_id, ""), results[name].failures


def test_the_lookup_table_passes_every_visible_test(tmp_path):
    """The hidden tests, not the visible ones, are what catch hard-coded values."""
    answers = SUBMISSIONS["lookup_table"].answers
    notebook = run_visible_tests(tmp_path, ASSIGNMENT, answers)  # raises if a visible test fails
    for cell in notebook.cells:
        assert not [o for o in cell.get("outputs", []) if o.get("name") == "stderr"]
