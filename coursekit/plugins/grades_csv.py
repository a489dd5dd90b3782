"""Grades as an LMS gradebook wants them: one row per student.

nbgrader's own CSV export writes one row per student *and* assignment, with
totals only. An e-learning gradebook imports one row per student, matched on
the student id, with one column per grade item. GradesPerStudentCsv writes
that: each assignment's score (after any late penalty) and status (with the
grader's notes: needs review, recovered), each graded question's score, and the
total. Column titles carry the maximum points. UTF-8 with a byte-order mark, so
that Excel shows Chinese names correctly. The rows come from coursekit/grades.py.

Configured in nbgrader_config.py, section "Grades export":
`nbgrader export` writes grades.csv (or `--to FILE`).
"""

import csv

from nbgrader.plugins import ExportPlugin

from coursekit.grades import class_grades, points

STUDENT_COLUMNS = ["student_id", "last_name", "first_name", "email"]


class GradesPerStudentCsv(ExportPlugin):
    """One row per student: each assignment's score and status, each question, the total."""

    def export(self, gradebook):
        destination = self.to or "grades.csv"
        coursedir = getattr(self.parent, "coursedir", None)
        plan, rows = class_grades(
            gradebook,
            coursedir,
            students={str(s) for s in self.student},
            assignments={str(a) for a in self.assignment},
        )
        header = list(STUDENT_COLUMNS)
        for assignment, questions in plan:
            header.append(f"{assignment.name} (max {points(assignment.max_score)})")
            header.append(f"{assignment.name} status")
            header.extend(
                f"{assignment.name}: {name} (max {points(maximum)})" for name, maximum in questions
            )
        total_max = sum(assignment.max_score for assignment, _ in plan)
        header.append(f"total (max {points(total_max)})")

        self.log.info("Exporting grades of %d students to %s", len(rows), destination)
        with open(destination, "w", newline="", encoding="utf-8-sig") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            for student, results, total in rows:
                row = [student.id, student.last_name or "", student.first_name or ""]
                row.append(student.email or "")
                for assignment, questions in plan:
                    grade = results[assignment.name]
                    row.extend([points(grade.score), grade.status])
                    row.extend(grade.per_question[name] for name, _ in questions)
                row.append(points(total))
                writer.writerow(row)
