"""HideLeakedTests: no hidden-test line in any output of a graded notebook.

The graded notebook holds the hidden tests again (nbgrader restores them), and
student code ran beside them: it could print a later cell's source, or a failing
hidden assert's traceback could list hidden lines. Every output line that shows a
hidden-test line is replaced by "[hidden test line]" before grades are saved and
feedback is made. Grades are unchanged.
"""

from nbgrader.preprocessors import NbGraderPreprocessor

from coursekit import redact


class HideLeakedTests(NbGraderPreprocessor):
    """Replace every output line that shows a hidden-test line."""

    def preprocess(self, nb, resources):
        secrets = redact.hidden_lines(nb)
        if secrets:
            for cell in nb.cells:
                for output in cell.get("outputs", []):
                    redact.redact_output(output, secrets)
        return nb, resources
