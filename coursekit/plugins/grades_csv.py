"""Grades as an LMS gradebook wants them: one row per student.

nbgrader's own CSV export writes one row per student *and* assignment, with
totals only. An e-learning gradebook imports one row per student, matched on
the student id, with one column per grade item. GradesPerStudentCsv writes
that: each assignment's score (after any late penalty) and status, each graded
question's score, and the total. Column titles carry the maximum points.
UTF-8 with a byte-order mark, so that Excel shows Chinese names correctly.

Configured in nbgrader_config.py, section "Grades export":
`nbgrader export` writes grades.csv (or `--to FILE`).
"""

import csv
from pathlib import Path

from nbgrader.api import MissingEntry
from nbgrader.plugins import ExportPlugin

from coursekit import notebooks

STUDENT_COLUMNS = ["student_id", "last_name", "first_name", "email"]


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


def submission_row(gradebook, assignment, student_id, questions):
    """Score, status and per-question scores of one student for one assignment."""
    try:
        submission = gradebook.find_submission(assignment.name, student_id)
    except MissingEntry:
        return 0.0, "missing", {name: "" for name, _ in questions}
    grades = {grade.name: grade for notebook in submission.notebooks for grade in notebook.grades}
    scored = {
        name: grade.manual_score if grade.manual_score is not None else grade.auto_score
        for name, grade in grades.items()
    }
    if all(value is None for value in scored.values()):
        return 0.0, "not graded (autograde failed, see its log)", {n: "" for n, _ in questions}
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
    per_question = {
        name: "" if scored.get(name) is None else points(grades[name].score)
        for name, _ in questions
    }
    return score, status, per_question


class GradesPerStudentCsv(ExportPlugin):
    """One row per student: each assignment's score and status, each question, the total."""

    def _source_folder(self, assignment_name):
        coursedir = getattr(self.parent, "coursedir", None)
        if coursedir is None:
            return None
        return coursedir.format_path(coursedir.source_directory, ".", assignment_name)

    def export(self, gradebook):
        destination = self.to or "grades.csv"
        wanted_students = {str(s) for s in self.student}
        wanted_assignments = {str(a) for a in self.assignment}
        assignments = [
            assignment
            for assignment in sorted(
                gradebook.assignments, key=lambda a: (a.duedate is None, a.duedate, a.name)
            )
            if not wanted_assignments or assignment.name in wanted_assignments
        ]
        students = [
            student
            for student in sorted(gradebook.students, key=lambda s: s.id)
            if not wanted_students or student.id in wanted_students
        ]
        header = list(STUDENT_COLUMNS)
        plan = []
        for assignment in assignments:
            questions = questions_of(assignment, self._source_folder(assignment.name))
            plan.append((assignment, questions))
            header.append(f"{assignment.name} (max {points(assignment.max_score)})")
            header.append(f"{assignment.name} status")
            header.extend(
                f"{assignment.name}: {name} (max {points(maximum)})" for name, maximum in questions
            )
        total_max = sum(assignment.max_score for assignment in assignments)
        header.append(f"total (max {points(total_max)})")

        self.log.info("Exporting grades of %d students to %s", len(students), destination)
        with open(destination, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for student in students:
                row = [student.id, student.last_name or "", student.first_name or ""]
                row.append(student.email or "")
                total = 0.0
                for assignment, questions in plan:
                    score, status, per_question = submission_row(
                        gradebook, assignment, student.id, questions
                    )
                    total += score
                    row.extend([points(score), status])
                    row.extend(per_question[name] for name, _ in questions)
                row.append(points(total))
                writer.writerow(row)
