"""The class's grades as data: one row per student, each assignment's score and status.

The status says what a person should know beside the score: on time or late,
missing, not graded, waiting for manual grading, and the grader's notes (needs
review, recovered, not readable; coursekit/notes.py) read from the graded
notebooks. The grades export (plugins/grades_csv.py), the demo's table and the
class report all read the class through this module, so they always agree.
"""

from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import MissingEntry

from coursekit import notebooks, notes


def points(value):
    """A score for a spreadsheet: 7.0 -> '7', 2.5 -> '2.5'."""
    return f"{round(float(value), 4):g}"


def cell_order(source_folder, notebook_name):
    """grade_id -> position in the instructor's notebook, or {} if it cannot be read."""
    path = Path(source_folder) / f"{notebook_name}.ipynb"
    try:
        cells = notebooks.read(path).cells
    except (OSError, ValueError):
        return {}
    ids = (notebooks.grade_id(cell) for cell in cells)
    return {grade_id: i for i, grade_id in enumerate(ids) if grade_id}


def questions_of(assignment, source_folder=None):
    """(grade_id, max points) of every graded cell, in the order of the notebook."""
    questions = []
    for notebook in sorted(assignment.notebooks, key=lambda nb: nb.name):
        order = cell_order(source_folder, notebook.name) if source_folder else {}
        cells = sorted(
            notebook.grade_cells, key=lambda cell: (order.get(cell.name, len(order)), cell.name)
        )
        # cells worth 0 points (e.g. an instructor's rubric) are not gradebook columns
        questions.extend((cell.name, cell.max_score) for cell in cells if cell.max_score)
    return questions


@dataclass
class Grade:
    """One student's result for one assignment."""

    score: float
    max_score: float
    status: str
    per_question: dict = field(default_factory=dict)  # grade_id -> points as text, or ""
    notes: list = field(default_factory=list)


def graded_notes(coursedir, assignment, student_id):
    """The grader's notes on the student's graded notebooks of `assignment`."""
    if coursedir is None:
        return []
    folder = Path(
        coursedir.format_path(coursedir.autograded_directory, student_id, assignment.name)
    )
    found = []
    for notebook in assignment.notebooks:
        path = folder / f"{notebook.name}.ipynb"
        if path.exists():
            try:
                found.extend(notes.of(notebooks.read(path)))
            except Exception:  # an unreadable graded notebook has no notes to give
                continue
    return found


def grade_of(gradebook, assignment, student_id, questions, coursedir=None):
    """Score, status, per-question scores and notes of one student for one assignment."""
    blank = {name: "" for name, _ in questions}
    try:
        submission = gradebook.find_submission(assignment.name, student_id)
    except MissingEntry:
        return Grade(0.0, assignment.max_score, "missing", blank)
    found = graded_notes(coursedir, assignment, student_id)
    grades = {grade.name: grade for notebook in submission.notebooks for grade in notebook.grades}
    scored = {
        name: grade.manual_score if grade.manual_score is not None else grade.auto_score
        for name, grade in grades.items()
    }
    if all(value is None for value in scored.values()):
        status = "not graded (autograde failed, see its log)"
        return Grade(0.0, assignment.max_score, status, blank, found)
    penalty = submission.late_submission_penalty or 0.0
    score = max(0.0, (submission.score or 0.0) - penalty)
    if submission.total_seconds_late > 0:
        status = "late"
    elif assignment.duedate is None:
        status = "submitted"
    else:
        status = "on time"
    if submission.needs_manual_grade:
        status += ", needs manual grading"
    if found:
        status += "; " + notes.status(found)
    per_question = {
        name: "" if scored.get(name) is None else points(grades[name].score)
        for name, _ in questions
    }
    return Grade(score, assignment.max_score, status, per_question, found)


def class_grades(gradebook, coursedir=None, students=(), assignments=()):
    """(assignments with their questions, rows): a row per student, sorted by student id.

    Each row: (student, {assignment name: Grade}, total score). `students` and
    `assignments` (names) limit the export; empty means everyone and everything.
    """
    chosen = [
        assignment
        for assignment in sorted(
            gradebook.assignments, key=lambda a: (a.duedate is None, a.duedate, a.name)
        )
        if not assignments or assignment.name in assignments
    ]
    plan = []
    for assignment in chosen:
        source = None
        if coursedir is not None:
            source = coursedir.format_path(coursedir.source_directory, ".", assignment.name)
        plan.append((assignment, questions_of(assignment, source)))
    rows = []
    for student in sorted(gradebook.students, key=lambda s: s.id):
        if students and student.id not in students:
            continue
        results = {
            assignment.name: grade_of(gradebook, assignment, student.id, questions, coursedir)
            for assignment, questions in plan
        }
        rows.append((student, results, sum(grade.score for grade in results.values())))
    return plan, rows
