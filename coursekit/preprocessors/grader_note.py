"""GraderNote: what grades.csv knows about a submission, where a grader looks in Formgrader.

grades.csv says "late" and "not graded (…)", and the notes of coursekit/notes.py say what
needs a person's eye; Formgrader showed none of it: a late submission looked like any
other, and a notebook that could not be graded showed only its scores. GraderNote, the
last step of autograde, makes both visible:

- the submission is **flagged** in the gradebook (nbgrader's own flag: the flag column of
  Formgrader's Manual Grading list and of a student's notebooks) when it is late or has a
  note of any kind (coursekit.notes: needs review, recovered, not graded);
- a **note at the top of the graded notebook**, which Formgrader shows above the cells of
  the submission and the feedback shows the student: "Submitted late: 2 h 05 min after
  the deadline" and the notes' status line.

Scores are never changed (a late penalty, if configured, is nbgrader's
AssignLatePenalties). Configured in nbgrader_config.py, section "Grading sandbox".
"""

from nbformat.v4 import new_markdown_cell
from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit import notes

NOTE_CLASS = "coursekit-grader-note"
NOTE_STYLE = "border-left: 4px solid #d9534f; padding: 0.4em 0.8em; margin-bottom: 0.5em"


def duration(seconds):
    """3725 -> '1 h 02 min', 200 -> '3 min 20 s', 0.4 -> '1 s'."""
    seconds = max(1, round(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s"
    return f"{seconds} s"


def note_text(seconds_late, status):
    lines = []
    if seconds_late > 0:
        lines.append(
            f"<strong>Submitted late · 遲交</strong>: {duration(seconds_late)} after the deadline."
        )
    if status:
        lines.append(f"<strong>Notes · 備註</strong>: {status}")
    body = "<br>\n".join(lines)
    return f'<div class="{NOTE_CLASS}" style="{NOTE_STYLE}">\n{body}\n</div>'


class GraderNote(NbGraderPreprocessor):
    """Flag late or noted submissions, and say why at the top of the graded notebook."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        status = notes.status(notes.of(nb))
        with Gradebook(info["db_url"]) as gradebook:
            submission = gradebook.find_submission(info["assignment"], info["student"])
            seconds_late = submission.total_seconds_late or 0
            if seconds_late > 0 or status:
                submitted = gradebook.find_submission_notebook(
                    info["notebook"], info["assignment"], info["student"]
                )
                submitted.flagged = True
                gradebook.db.commit()
        nb.cells = [cell for cell in nb.cells if NOTE_CLASS not in cell.get("source", "")]
        if seconds_late > 0 or status:
            nb.cells.insert(0, new_markdown_cell(note_text(seconds_late, status)))
        return nb, resources
