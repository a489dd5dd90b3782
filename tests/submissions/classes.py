"""A synthetic class: as many students as asked, handing in a realistic mix of work.

`make grade`'s tests and `make bench` grade the same kind of class: mostly correct
work, some partial and broken, an untouched notebook, a few damaged notebooks (lost
metadata, a corrupt file), a trick and a hostile notebook (a kernel that crashes or
exits). The kinds are dealt in a fixed order, so that even a small class has
each of them, and every notebook is different (a comment with the student's id in
their first answer), as a real class's are.
"""

from typing import NamedTuple

from coursekit import notebooks
from tests.submissions import damaged, hostile, leaky_relu_homework, sigmoid_exercise, tricks

CORPORA = {
    "sigmoid_exercise": sigmoid_exercise.SUBMISSIONS,
    "leaky_relu_homework": leaky_relu_homework.SUBMISSIONS,
}
POINTS = {
    "sigmoid_exercise": sigmoid_exercise.POINTS,
    "leaky_relu_homework": leaky_relu_homework.POINTS,
}

# Twenty students' kinds, in the order they are dealt (then again from the start).
ORDER = (
    ["correct", "partial", "broken", "damaged", "trick", "hostile", "correct", "partial"]
    + ["correct", "damaged", "broken", "correct", "partial", "correct", "correct", "partial"]
    + ["correct", "broken", "partial", "correct"]
)


class HandedIn(NamedTuple):
    kind: str  # correct, partial, broken, damaged, trick or hostile
    what: str  # the corpus entry it comes from
    notebook: object  # a NotebookNode, or bytes (a corrupt file)
    files: dict = {}  # other files handed in beside the notebook
    name: str | None = None  # the notebook's file name, if not the assignment's


def answers_by_kind(assignment, solution):
    """kind -> [(what, answers)] from the assignment's corpus, by the score documented there:
    correct (full marks), partial (half or more), broken (less, or nothing answered)."""
    kinds = {"correct": [("solution", solution)], "partial": [], "broken": [("untouched", {})]}
    full_marks = sum(POINTS[assignment].values())
    for name, submission in CORPORA[assignment].items():
        if submission.total == full_marks:
            kinds["correct"].append((name, submission.answers))
        elif submission.total >= full_marks / 2:
            kinds["partial"].append((name, submission.answers))
        else:
            kinds["broken"].append((name, submission.answers))
    return kinds


def signed(answers, student):
    """The answers with the student's id in a comment: no two notebooks are the same."""
    if not answers:
        return answers
    first = next(iter(answers))
    return {**answers, first: f"{answers[first]}\n# {student}"}


def damaged_work(assignment, release):
    """[(what, file name, (answers) -> notebook or bytes)]: a corrupt file, honest accidents."""
    found = [("corrupt_file", None, lambda answers: b'{"cells": [{"cell_type": "co')]
    for entry in damaged.CORPUS:
        if entry.assignment == assignment and entry.full_marks:
            damage = lambda answers, entry=entry: entry.damage(_filled(release, answers))  # noqa: E731
            found.append((entry.name, entry.file_name, damage))
    return found


def hostile_work(release):
    """[(what, (answers) -> notebook)]: a first answer that ends the kernel (an endless loop
    would too, after its timeout, which would then be all a benchmark measures)."""

    def first_answer_starting_with(code):
        def build(answers):
            first = next(iter(answers))
            return _filled(release, {**answers, first: f"{code}\n{answers[first]}"})

        return build

    return [
        ("segfault", first_answer_starting_with(hostile.SEGFAULT)),
        ("os_exit", first_answer_starting_with(hostile.OS_EXIT)),
    ]


def _filled(release, answers):
    return notebooks.fill_answers(release, answers)


def synthetic_class(assignment, release, solution, size):
    """{student id: HandedIn} for `size` students of `assignment`.

    `release` is the released notebook, `solution` the instructor's answers
    (grade_id -> source), as coursekit.notebooks.solution_answers reads them.
    """
    kinds = answers_by_kind(assignment, solution)
    damages = damaged_work(assignment, release)
    hostiles = hostile_work(release)
    trick_entries = [trick for trick in tricks.CORPUS if trick.assignment == assignment]
    dealt = {kind: 0 for kind in ORDER}
    handed_in = {}
    for number in range(size):
        student = f"s{number + 1:03d}"
        kind = ORDER[number % len(ORDER)]
        turn = dealt[kind]
        dealt[kind] += 1
        if kind in kinds:
            what, answers = _pick(kinds[kind], turn)
            handed_in[student] = HandedIn(kind, what, _filled(release, signed(answers, student)))
        elif kind == "damaged":
            what, name, damage = _pick(damages, turn)
            notebook = damage(signed(solution, student))
            handed_in[student] = HandedIn(kind, what, notebook, name=name)
        elif kind == "hostile":
            what, build = _pick(hostiles, turn)
            handed_in[student] = HandedIn(kind, what, build(signed(solution, student)))
        else:
            trick = _pick(trick_entries, turn)
            answers = signed(trick.answers, student)
            handed_in[student] = HandedIn(kind, trick.name, _filled(release, answers), trick.files)
    return handed_in


def _pick(entries, turn):
    return entries[turn % len(entries)]
