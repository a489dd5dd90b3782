"""The demo's report: students x assignments, and what the instructor should look at.

Read from data only: the class's grades (coursekit/grades.py, the same rows the
grades export writes) and the LMS collection reports (lms-report.json).
"""

import json
import unicodedata
from dataclasses import dataclass

from coursekit import grades
from coursekit.plugins.lms import REPORT


def display_width(text):
    """Columns a text takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    return text + " " * max(0, width - display_width(text))


def short_status(status):
    """The export's status, short enough for a table cell; notes are listed below it."""
    if status.startswith("not graded"):
        return "NOT GRADED"
    first = status.split("; ")[0].replace(", needs manual grading", " (+manual)")
    if "needs review" in status:
        first += " REVIEW"
    if "recovered" in status:
        first += " (recovered)"
    return first


@dataclass
class Row:
    student_id: str
    name: str
    cells: dict  # assignment -> (score, max score, short status)


def rows(course, names):
    """The table's rows, from the gradebook, with the grader's notes; and those notes."""
    config = course.config()
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=config)
    with course.gradebook() as gradebook:
        plan, class_rows = grades.class_grades(gradebook, coursedir)
        table, notes = [], []
        for student, results, _ in class_rows:
            cells = {}
            for assignment, _ in plan:
                grade = results[assignment.name]
                cells[assignment.name] = (
                    grades.points(grade.score),
                    grades.points(grade.max_score),
                    short_status(grade.status),
                )
                for note in grade.notes:
                    notes.append((student.id, f"{assignment.name}: {note['kind']}: {note['text']}"))
            table.append(Row(student.id, names.get(student.id, ""), cells))
    return table, notes


def collection_notes(course, assignments):
    """(student id or "", note) from each assignment's LMS collection report."""
    notes = []
    for assignment in assignments:
        report = course.root / "downloaded" / assignment / REPORT
        if report.exists():
            for decision in json.loads(report.read_text(encoding="utf-8")):
                if decision["note"]:
                    notes.append(
                        (decision["student_id"] or "", f"{assignment}: {decision['note']}")
                    )
    return notes


def lines(table, assignments, notes, names):
    """The report as printed lines."""
    header = [pad("student", 10), pad("name", 14)] + [pad(a, 30) for a in assignments]
    printed = [" ".join(header).rstrip()]
    for row in table:
        line = [pad(row.student_id, 10), pad(row.name, 14)]
        for assignment in assignments:
            score, maximum, status = row.cells[assignment]
            line.append(pad(f"{score:>4} / {maximum:<3} {status}", 30))
        printed.append(" ".join(line).rstrip())
    if notes:
        printed += ["", "What the instructor should look at (from collection and grading):"]
        for student_id, message in sorted(notes, key=lambda note: note[0] or "~"):
            who = f"{student_id} {names.get(student_id, '')}".strip() or "unmatched upload"
            printed.append(f"- {who}: {message}")
    return printed
