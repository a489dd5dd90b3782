"""HideHiddenTests: feedback that shows why a test failed, but never the hidden tests.

nbgrader's feedback shows hidden tests by default (upstream issue #917), and its
own ClearHiddenTests cleans only the cell's code: a failing hidden assert still
prints a traceback that lists the code around the failing line. HideHiddenTests
removes the hidden region from the code (ClearHiddenTests) and every line that
shows a hidden-test line from every output, keeping the error's name and message
(the test's plain-words hint). Configured in nbgrader_config.py, section "Feedback".
"""

from nbgrader.preprocessors import ClearHiddenTests

from coursekit import redact


class HideHiddenTests(ClearHiddenTests):
    """ClearHiddenTests for feedback: clean every output too."""

    def preprocess(self, nb, resources):
        self.secrets = redact.hidden_lines(nb, (self.begin_test_delimeter, self.end_test_delimeter))
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        for output in cell.get("outputs", []):
            redact.redact_output(output, self.secrets, note=None)
        return cell, resources
