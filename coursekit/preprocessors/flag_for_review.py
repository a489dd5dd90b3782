"""FlagForReview and RecordFlags: "needs review" for code that reaches into the kernel or grader.

FlagForReview runs first in the grading step, on the sanitized notebook (the course's
cells restored from the gradebook), before any cell runs: it reads the student's
cells (coursekit/review.py) and leaves a "review" note for each finding; a finding
that reaches into the running program (frames, code objects, gc, audit hooks, code
the reading cannot see) also marks the notebook so that HideLeakedTests hides its
outputs from the first test on. RecordFlags
runs after the grades are saved: a submission with a "review" note (from here or
from SafeExecute, for a test that could not be confirmed) is marked flagged in the
gradebook, which formgrader shows. Neither changes a score.
"""

from nbgrader.api import Gradebook
from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit import notes, review
from coursekit.preprocessors.safe_execute import UNREADABLE


class FlagForReview(NbGraderPreprocessor):
    """Leave a "needs review" note for each finding of coursekit.review."""

    def preprocess(self, nb, resources):
        if nb.metadata.get("coursekit", {}).get(UNREADABLE):
            return nb, resources  # nothing of it runs, so nothing of it needs a look
        for finding in review.findings(nb):
            notes.add(nb, "review", finding.text())
            if finding.kind == review.FRAMES:
                meta = nb.metadata.setdefault("coursekit", {})
                reasons = meta.setdefault(review.HIDE_OUTPUTS, [])
                if finding.text() not in reasons:
                    reasons.append(finding.text())
        folder = resources.get("metadata", {}).get("path")
        for name in review.python_files(folder) if folder else []:
            notes.add(nb, "review", f"hands in the Python file {name} beside the notebook")
        return nb, resources


class RecordFlags(NbGraderPreprocessor):
    """Mark the submitted notebook flagged in the gradebook when it needs review."""

    def preprocess(self, nb, resources):
        if any(note["kind"] == "review" for note in notes.of(nb)):
            info = resources["nbgrader"]
            with Gradebook(info["db_url"]) as gradebook:
                submitted = gradebook.find_submission_notebook(
                    info["notebook"], info["assignment"], info["student"]
                )
                submitted.flagged = True
                gradebook.db.commit()
        return nb, resources
