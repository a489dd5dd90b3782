"""PendingGrades: feedback says "to be graded by hand" until a grader has scored an answer.

nbgrader's feedback shows every graded cell as "Score: s / max". A written answer that no
grader has scored yet has no score at all, and nbgrader shows it as "Score: 0.0 / 4.0",
which a student reads as a zero (feedback is often made before manual grading). And a
graded cell worth 0 points, such as the homework's rubric cell for graders, shows as an
empty "Score: 0.0 / 0.0" box.

For every answer that nobody has scored (no automatic and no manual score in the
gradebook), PendingGrades drops the cell's score line and puts a note under the answer:
"to be graded by hand · 待老師評分 (4 points)"; a note at the top says how many points
are still to be graded. Once a grader has scored the answer in Formgrader, the next
feedback shows its score as usual. Cells worth 0 points that are not answers are left
out of the feedback. Scores in the gradebook are never changed.

Configured in nbgrader_config.py, section "Feedback", after nbgrader's GetGrades.
"""

from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit import notebooks

PENDING = "to be graded by hand · 待老師評分"
PENDING_CLASS = "coursekit-pending"


def points(value):
    return f"{round(float(value), 2):g}"


def pending_note(max_score):
    return (
        f'<div class="{PENDING_CLASS}">Score: <strong>{PENDING}</strong> '
        f"({points(max_score)} points · {points(max_score)} 分)</div>"
    )


def summary_note(pending_points, max_score):
    return (
        f'<div class="{PENDING_CLASS}"><strong>{points(pending_points)} of the '
        f"{points(max_score)} points are {PENDING}.</strong> The score above counts what is "
        f"graded so far. · 總分 {points(max_score)} 分中，有 {points(pending_points)} 分尚待老師"
        "評分；上方的分數只計入已評分的部分。</div>"
    )


def is_zero_point_cell(cell):
    """A graded cell worth nothing that is not an answer (e.g. a rubric for graders)."""
    meta = notebooks.nbgrader_metadata(cell)
    return bool(meta.get("grade")) and not meta.get("solution") and not meta.get("points")


class PendingGrades(NbGraderPreprocessor):
    """Unscored answers say "to be graded by hand"; 0-point non-answer cells are left out."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        with Gradebook(info["db_url"]) as gradebook:
            submitted = gradebook.find_submission_notebook(
                info["notebook"], info["assignment"], info["student"]
            )
            unscored = {
                grade.name: grade.max_score
                for grade in submitted.grades
                if grade.auto_score is None and grade.manual_score is None and grade.max_score
            }
        cells = []
        for cell in nb.cells:
            if is_zero_point_cell(cell):
                continue
            grade_id = notebooks.grade_id(cell)
            cells.append(cell)
            if grade_id in unscored and notebooks.nbgrader_metadata(cell).get("grade"):
                cell.metadata.nbgrader["grade"] = False  # no "Score: 0.0 / N" line for it
                cells.append(new_markdown_cell(pending_note(unscored[grade_id])))
        if unscored:
            cells.insert(
                0,
                new_markdown_cell(
                    summary_note(
                        sum(unscored.values()), info.get("max_score", 0) or sum(unscored.values())
                    )
                ),
            )
        nb.cells = cells
        return nb, resources
