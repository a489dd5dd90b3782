"""A wrong answer plus a trick earns no more than the wrong answer alone, and is flagged.

The tricks corpus (tests/submissions/tricks.py) is graded in one autograde run per
assignment with the course's configuration. A control grades some of the tricks with
nbgrader's own default configuration, where they do earn points they should not:
proof that the attacks are real and that the course's grading is what stops them.
"""

import pytest

from coursekit import notebooks
from tests.conftest import new_course
from tests.submissions import leaky_relu_homework, sigmoid_exercise
from tests.submissions.tricks import CORPUS

ASSIGNMENTS = ("sigmoid_exercise", "leaky_relu_homework")
# Under plain nbgrader these earn more than their wrong answer: the trick works there.
WORKS_UNDER_PLAIN_NBGRADER = (
    "input_transformer",
    "kernel_method",
    "modules_swap",
    "helper_handed_in",
    "slip_rebinds_check_values",
)
PLAIN_NBGRADER = {  # nbgrader 0.9.6's own defaults (nbgrader/converters/autograde.py)
    "Autograde": {
        "exporter_class": "nbconvert.exporters.NotebookExporter",
        "pre_convert_hook": None,
        "sanitize_preprocessors": [
            f"nbgrader.preprocessors.{name}"
            for name in (
                "ClearOutput",
                "DeduplicateIds",
                "OverwriteKernelspec",
                "OverwriteCells",
                "CheckCellMetadata",
            )
        ],
        "autograde_preprocessors": [
            "nbgrader.preprocessors.Execute",
            "nbgrader.preprocessors.IgnorePattern",
            "nbconvert.preprocessors.ClearMetadataPreprocessor",
            "nbgrader.preprocessors.LimitOutput",
            "nbgrader.preprocessors.SaveAutoGrades",
            "nbgrader.preprocessors.AssignLatePenalties",
            "nbgrader.preprocessors.CheckCellMetadata",
        ],
    }
}


def grade_tricks(course, assignment, tricks):
    course.generate(assignment)
    release = course.release_notebook(assignment)
    for trick in tricks:
        notebook = notebooks.fill_answers(release, trick.answers)
        course.submit(trick.name, assignment, notebook, files=trick.files)
    outcome = course.autograde(assignment)
    assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
    return course.results(assignment)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("tricks") / "course", list(ASSIGNMENTS))
    results = {}
    for assignment in ASSIGNMENTS:
        tricks = [trick for trick in CORPUS if trick.assignment == assignment]
        results.update(grade_tricks(course, assignment, tricks))
    return results, course


def test_the_corpus_has_a_dozen_tricks_or_more():
    assert len({trick.name for trick in CORPUS}) == len(CORPUS) >= 12
    points = {**sigmoid_exercise.POINTS, **leaky_relu_homework.POINTS}
    for trick in CORPUS:
        assert set(trick.scores) <= set(points), trick.name


@pytest.mark.parametrize("trick", CORPUS, ids=lambda trick: trick.name)
def test_a_trick_earns_nothing(graded, trick):
    results, _ = graded
    got = results[trick.name]
    automatic = {grade_id: got.cells.get(grade_id) for grade_id in trick.scores}
    assert automatic == trick.scores, (trick.attack, got.failures)


@pytest.mark.parametrize("trick", CORPUS, ids=lambda trick: trick.name)
def test_every_trick_is_flagged_for_review(graded, trick):
    results, course = graded
    reviews = [note["text"] for note in results[trick.name].notes if note["kind"] == "review"]
    assert reviews, f"{trick.name} ({trick.attack}) is not flagged"
    with course.gradebook() as gradebook:
        submitted = gradebook.find_submission_notebook(
            trick.assignment, trick.assignment, trick.name
        )
        assert submitted.flagged, trick.name


def test_a_background_thread_makes_the_tests_unconfirmed(graded):
    results, _ = graded
    failures = results["background_thread"].failures
    assert "UnconfirmedTest" in failures["test_X"]
    assert "thread" in failures["test_X"]


def test_a_check_changed_in_memory_makes_the_tests_unconfirmed(graded):
    """ctypes gets past the guardian's wall; the checks' fingerprints, taken in the zygote
    before any student code, do not match any more."""
    results, _ = graded
    failures = results["ctypes_defaults_in_place"].failures
    assert "UnconfirmedTest" in failures["test_X"]
    assert "coursecheck.numbers.check_values" in failures["test_X"]


def test_tricks_that_change_how_ipython_runs_cells_do_work_under_plain_nbgrader(tmp_path):
    """The control: nbgrader's default configuration, no sandbox, no guardian."""
    course = new_course(tmp_path / "course", ["sigmoid_exercise"], **PLAIN_NBGRADER)
    tricks = [trick for trick in CORPUS if trick.name in WORKS_UNDER_PLAIN_NBGRADER]
    results = grade_tricks(course, "sigmoid_exercise", tricks)
    for trick in tricks:
        assert sum(results[trick.name].cells.values()) > sum(trick.scores.values()), trick.name
