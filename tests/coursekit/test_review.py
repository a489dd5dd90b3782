"""The static reading of student code (coursekit/review.py): what a person is asked to look at.

The routes found by hand (docs/grading-safety.md, Known holes) are flagged, and those
that can read a running test are of the kind that hides later outputs (FRAMES);
ordinary student code is not flagged.
"""

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from coursekit import review

SETUP = (
    "import matplotlib.pyplot as plt\n"
    "import numpy as np\n"
    "from coursecheck import sigmoid_exercise as check\n"
)


def found(answer):
    """The findings of a notebook whose locked setup cell imports check, np and plt."""
    locked = {"nbgrader": {"locked": True, "grade_id": "setup"}}
    notebook = new_notebook(
        cells=[new_code_cell(SETUP, metadata=locked), new_code_cell(answer)],
    )
    return review.findings(notebook)


@pytest.mark.parametrize(
    ("code", "words"),
    [
        # the guardian's thread, through a module that imports threading anyway
        ("import logging\nt = logging.threading.enumerate()", "threads (threading) through"),
        ('runner = getattr(thread, "__self__")', "the attribute __self__, by name"),
        ("runner = thread._target", "a thread's target"),
        # code and data of the checks changed in place
        ("check.check_values.__code__ = f.__code__", "the attribute __code__"),
        ("check.VISIBLE_VALUES[0] = 0.5", "changes check.VISIBLE_VALUES[0] of the checks"),
        ("check.VISIBLE_VALUES.clear()", "changes check.VISIBLE_VALUES (clear) of the checks"),
        ("del check.ENDS[5.0]", "changes check.ENDS[5.0] of the checks"),
        # sys reached through another module
        ("import os\nos.sys.modules.pop('coursecheck')", "sys.modules"),
        # a value that answers a check's comparison (check_records compares with ==)
        (
            "class Close(float):\n    def __eq__(self, other):\n        return True",
            "a subclass of float with its own __eq__ (class Close)",
        ),
        (
            "class Rows(list):\n    __len__ = lambda self: 9",
            "a subclass of list with its own __len__",
        ),
    ],
)
def test_the_routes_found_by_hand_are_flagged(code, words):
    texts = [finding.text() for finding in found(code)]
    assert any(words in text for text in texts), texts


@pytest.mark.parametrize(
    "code",
    [
        "import traceback\nframes = list(traceback.walk_stack(None))",
        "import sys\nf = sys._getframe()",
        "consts = frame.f_code.co_consts",
        'back = getattr(frame, "f_back")',
        "import operator\nnames = operator.attrgetter('co_names')(code)",
        "import inspect",
        "import gc",
        "import sys\nsys.addaudithook(spy)",
        "g = sigmoid.__globals__",
        "tb = error.__traceback__",
        "exec(text)",
        "value = getattr(np, name)",
    ],
)
def test_what_can_read_a_running_test_hides_later_outputs(code):
    kinds = {finding.kind for finding in found(code)}
    assert review.FRAMES in kinds, [finding.text() for finding in found(code)]


@pytest.mark.parametrize(
    "code",
    [
        "X = np.stack([np.ones(3), np.zeros(3)])",
        'plt.rcParams["figure.figsize"] = (6, 4)',
        'plt.rcParams.update({"font.size": 12})',
        "import traceback\ntry:\n    1 / 0\nexcept ZeroDivisionError:\n    traceback.print_exc()",
        "values = [1, 2]\nvalues.append(3)\nvalues[0] = 5",
        'if __name__ == "__main__":\n    print(sigmoid.__name__)',
        "import signal  # not reached through another module\nprint('signal')",
        "class Point:\n    def __eq__(self, other):\n        return True",
    ],
)
def test_ordinary_code_is_not_of_the_frames_kind(code):
    flagged = [finding.text() for finding in found(code) if finding.kind == review.FRAMES]
    assert flagged == []
    if "signal" not in code:
        assert found(code) == []
