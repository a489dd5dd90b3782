"""Damaged but honest notebooks are graded fairly, and the recovery is said.

The damaged corpus (tests/submissions/damaged.py) holds the instructor's own answers in
notebooks that lost their metadata, were renamed, pasted into a fresh notebook, or had
cells duplicated, moved, split or retyped: each earns every automatic point, with a
"recovered" note where something had to be matched back. A notebook that is not the
assignment at all gets a recorded 0 and says why. The submitted files stay as they are.
"""

import hashlib

import pytest

from coursekit import notebooks
from tests.conftest import new_course
from tests.submissions import leaky_relu_homework, sigmoid_exercise
from tests.submissions.damaged import CORPUS

POINTS = {
    "sigmoid_exercise": sigmoid_exercise.POINTS,
    "leaky_relu_homework": leaky_relu_homework.POINTS,
}


def file_hashes(folder):
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("damaged") / "course", list(POINTS))
    for assignment in POINTS:
        course.generate(assignment)
        release = course.release_notebook(assignment)
        answers = notebooks.solution_answers(course.source_notebook(assignment))
        for damaged in (d for d in CORPUS if d.assignment == assignment):
            notebook = damaged.damage(notebooks.fill_answers(release, answers))
            course.submit(damaged.name, assignment, notebook, name=damaged.file_name)
    before = file_hashes(course.root / "submitted")
    results = {}
    for assignment in POINTS:
        outcome = course.grade(assignment)  # make grade
        assert outcome["success"], outcome.get("log", "") + outcome.get("error", "")
        results.update(course.results(assignment))
    return results, course, before


def test_the_corpus_has_eight_recoverable_cases_and_one_that_is_not():
    assert len([d for d in CORPUS if d.full_marks]) >= 8
    assert [d for d in CORPUS if not d.full_marks]


@pytest.mark.parametrize("damaged", [d for d in CORPUS if d.full_marks], ids=lambda d: d.name)
def test_an_honest_damaged_notebook_earns_full_marks(graded, damaged):
    results, _, _ = graded
    got = results[damaged.name]
    assert got.cells == POINTS[damaged.assignment], (damaged.what, got.failures)


@pytest.mark.parametrize("damaged", [d for d in CORPUS if d.note], ids=lambda d: d.name)
def test_the_recovery_is_noted(graded, damaged):
    results, course, _ = graded
    recovered = [n["text"] for n in results[damaged.name].notes if n["kind"] == "recovered"]
    assert any(damaged.note in text for text in recovered), (damaged.what, recovered)


def test_no_damaged_notebook_is_flagged_for_review(graded):
    results, _, _ = graded
    for damaged in CORPUS:
        assert not [n for n in results[damaged.name].notes if n["kind"] == "review"], damaged.name


def test_a_notebook_that_is_not_the_assignment_gets_a_recorded_zero_and_the_reason(graded):
    results, _, _ = graded
    for damaged in (d for d in CORPUS if not d.full_marks):
        got = results[damaged.name]
        assert got.score == 0 and got.cells == dict.fromkeys(POINTS[damaged.assignment], 0.0)
        reason = "none of the cells of the handed-in notebook belongs to"
        for failure in got.failures.values():
            assert reason in failure
        assert any(n["kind"] == "unreadable" and reason in n["text"] for n in got.notes)


def test_the_submitted_files_are_left_as_they_were(graded):
    _, course, before = graded
    assert file_hashes(course.root / "submitted") == before
