"""Tests of coursecheck, the package of checks that the assignments' test cells call.

One test module per module of coursecheck (test_failures also checks that every
failure message of the package is English, then 繁體中文), plus test_no_answers:
nothing in coursecheck computes an assignment's answer, no module imports coursekit,
and the installed copy is the repository's. These tests import the repository's
coursecheck (pytest puts the repository first on sys.path); the kernel of
test_figures does the same.

The helpers below are shared by the test modules.
"""

import contextlib
import re

import matplotlib
import nbformat
import pytest

from coursekit.course import REPO

# CJK ideographs, CJK punctuation (，。「」) and full-width forms (（）：；)
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@contextlib.contextmanager
def rc_kept():
    """rcParams and the figure hooks of the defaults (set by coursecheck) as they were."""
    defaults = (matplotlib.rcParamsDefault, matplotlib.rcParamsOrig)
    hooks = [list(params["figure.hooks"]) for params in defaults]
    try:
        with matplotlib.rc_context():
            yield
    finally:
        for params, kept in zip(defaults, hooks, strict=True):
            params["figure.hooks"] = kept


def english_and_chinese(message):
    """(English line, Chinese line) of a failure message; asserts that it is just those two."""
    lines = str(message).split("\n")
    assert len(lines) == 2, f"a failure message is two lines, English then Chinese: {message!r}"
    english, chinese = lines
    assert english.strip(), f"the English line is empty: {message!r}"
    assert not CJK.search(english), f"the first line should be English: {english!r}"
    assert CJK.search(chinese), f"the second line should be in Chinese: {chinese!r}"
    return english, chinese


def failure(function, *args, **kwargs):
    """(English, Chinese) lines of the AssertionError that function(*args, **kwargs) raises."""
    __tracebackhide__ = True
    try:
        function(*args, **kwargs)
    except AssertionError as error:
        return english_and_chinese(error)
    pytest.fail(f"{getattr(function, '__name__', function)} did not fail")


def instructor_answers(assignment, *grade_ids):
    """The variables left by running the source notebook's cells `grade_ids` (solutions).

    The cells run as they are, with the setup cell's imports (csv, np, plt) given.
    """
    import csv

    import matplotlib.pyplot as plt
    import numpy as np

    path = REPO / "source" / assignment / f"{assignment}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    cells = {cell.metadata.get("nbgrader", {}).get("grade_id"): cell for cell in notebook.cells}
    namespace = {"__name__": "instructor", "csv": csv, "np": np, "plt": plt}
    for grade_id in grade_ids:
        code = compile(cells[grade_id].source, f"{assignment}.ipynb:{grade_id}", "exec")
        exec(code, namespace)
    return namespace
