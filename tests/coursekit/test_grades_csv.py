"""`nbgrader export` writes one row per student, ready for an LMS gradebook (plugins/grades_csv.py).

The gradebook is filled through nbgrader's own API (no grading needed), then the
export runs in this process (Course.export) with the course's configuration.
"""

import csv
import datetime
import warnings

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from coursekit.course import Course

UTC = datetime.UTC


def source_with_cells(path, grade_ids):
    cells = [new_code_cell("", metadata={"nbgrader": {"grade_id": g}}) for g in grade_ids]
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=cells), path)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    course = Course.from_repository(tmp_path_factory.mktemp("export") / "course")
    # the instructor's notebook puts "plot" before "values": columns follow it
    source_with_cells(course.root / "source" / "exercise" / "exercise.ipynb", ["plot", "values"])
    due1 = datetime.datetime(2025, 3, 1, 16, 0, tzinfo=UTC)
    due2 = datetime.datetime(2025, 3, 8, 16, 0, tzinfo=UTC)
    course.set_due_date("exercise", due1)
    course.set_due_date("homework", due2)
    course.add_students(
        [
            {"id": "110034501", "first_name": "小明", "last_name": "王"},
            {
                "id": "110034502",
                "first_name": "Mary",
                "last_name": "Chen",
                "email": "mary@example.edu",
            },
            {"id": "110034503", "first_name": "怡君", "last_name": "林"},
            {"id": "110034504", "first_name": "No", "last_name": "Show"},
        ]
    )
    with course.gradebook() as book:
        book.add_notebook("exercise", "exercise")
        book.add_grade_cell("values", "exercise", "exercise", max_score=3, cell_type="code")
        book.add_grade_cell("plot", "exercise", "exercise", max_score=2, cell_type="code")
        book.add_notebook("homework", "homework")
        book.add_grade_cell("leaky", "homework", "homework", max_score=5, cell_type="code")

        def submit(assignment, student, when, scores):
            """What autograde records: the submission time and each test's score."""
            with warnings.catch_warnings():  # nbgrader + SQLAlchemy 2.1: a harmless SAWarning
                warnings.simplefilter("ignore")
                book.add_submission(assignment, student, timestamp=when.replace(tzinfo=None))
            for name, score in scores.items():
                grade = book.find_grade(name, assignment, assignment, student)
                grade.auto_score, grade.needs_manual_grade = score, False
            book.db.commit()

        on_time = datetime.timedelta(hours=-1)
        submit("exercise", "110034501", due1 + on_time, {"values": 3, "plot": 2})
        submit("homework", "110034501", due2 + on_time, {"leaky": 5})
        submit(
            "exercise", "110034502", due1 + datetime.timedelta(days=1), {"values": 1.5, "plot": 0}
        )
        submit("exercise", "110034503", due1 + on_time, {})  # autograde failed: no scores
    path = course.export()
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return path, rows


def test_one_row_per_student_with_assignment_and_question_columns(exported):
    path, rows = exported
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel: UTF-8
    assert list(rows[0]) == [
        "student_id",
        "last_name",
        "first_name",
        "email",
        "exercise (max 5)",
        "exercise status",
        "exercise: plot (max 2)",
        "exercise: values (max 3)",
        "homework (max 5)",
        "homework status",
        "homework: leaky (max 5)",
        "total (max 10)",
    ]
    assert [row["student_id"] for row in rows] == [
        "110034501",
        "110034502",
        "110034503",
        "110034504",
    ]


def test_scores_statuses_and_totals(exported):
    _, rows = exported
    by_id = {row["student_id"]: row for row in rows}
    full = by_id["110034501"]
    assert (full["last_name"], full["first_name"]) == ("王", "小明")
    assert full["exercise (max 5)"] == "5" and full["exercise status"] == "on time"
    assert full["homework: leaky (max 5)"] == "5" and full["total (max 10)"] == "10"
    late = by_id["110034502"]
    assert (late["first_name"], late["email"]) == ("Mary", "mary@example.edu")
    assert late["exercise (max 5)"] == "1.5" and late["exercise status"] == "late"
    assert late["exercise: values (max 3)"] == "1.5" and late["exercise: plot (max 2)"] == "0"
    assert late["homework (max 5)"] == "0" and late["homework status"] == "missing"
    assert late["homework: leaky (max 5)"] == "" and late["total (max 10)"] == "1.5"
    failed = by_id["110034503"]
    assert failed["exercise status"].startswith("not graded")
    assert failed["exercise: values (max 3)"] == "" and failed["total (max 10)"] == "0"
    absent = by_id["110034504"]
    assert absent["exercise status"] == absent["homework status"] == "missing"
