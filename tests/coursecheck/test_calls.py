"""coursecheck.calls: a student's code runs quietly; what goes wrong becomes a message."""

import math
import sys
import warnings

import numpy as np
import pytest

from coursecheck import calls
from tests.coursecheck import failure


def noisy(x):
    print("debug", x)
    print("to stderr", file=sys.stderr)
    return np.exp(np.array([x]))


def test_call_quietly_captures_everything(capsys):
    outcome = calls.call_quietly(noisy, 1000.0)
    assert [str(w.message) for w in outcome.warnings] == ["overflow encountered in exp"]
    assert outcome.value.tolist() == [math.inf]
    assert outcome.stdout == "debug 1000.0\n"
    assert outcome.stderr == "to stderr\n"
    assert not outcome.ok and outcome.problem().startswith("gave a RuntimeWarning: overflow")
    assert outcome.problem_zh() == "產生警告 RuntimeWarning: overflow encountered in exp"
    failing = calls.call_quietly(math.sqrt, -1.0)
    assert isinstance(failing.error, ValueError) and failing.value is None
    assert failing.problem() == "raised ValueError: math domain error"
    assert failing.problem_zh() == "發生錯誤 ValueError: math domain error"
    assert capsys.readouterr() == ("", "")


def test_keyword_arguments_are_passed_on():
    outcome = calls.call_quietly(round, 2.675, ndigits=1)
    assert outcome.ok and outcome.value == 2.7


def test_stderr_alone_is_a_problem_and_printing_is_not():
    printing = calls.call_quietly(print, "hello")
    assert printing.ok and printing.problem() == "" and printing.problem_zh() == ""
    writing = calls.call_quietly(lambda: sys.stderr.write("  oops  \n"))
    assert not writing.ok
    assert writing.problem() == "wrote to stderr: oops"
    assert writing.problem_zh() == "輸出到 stderr：oops"


def test_warnings_silenced_by_the_student_come_back():
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.filterwarnings("ignore")
        outcome = calls.call_quietly(np.exp, np.array([1000.0]))
    assert len(outcome.warnings) == 1
    settings = np.seterr(all="ignore")  # np.seterr as a student would call it
    try:
        outcome = calls.call_quietly(np.log, np.array([0.0, -1.0]))
    finally:
        np.seterr(**settings)
    assert [w.category for w in outcome.warnings] == [RuntimeWarning, RuntimeWarning]


def test_underflow_stays_silent():
    outcome = calls.call_quietly(np.exp, np.array([-1000.0]))
    assert outcome.ok and outcome.value.tolist() == [0.0]


def test_a_keyboard_interrupt_still_stops_the_cell():
    """A grading timeout interrupts the kernel: that must not become an Outcome."""

    def interrupted():
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        calls.call_quietly(interrupted)


def test_result_of_turns_trouble_into_plain_assertions():
    assert calls.result_of(np.exp, 0.0, "exp(0)") == 1.0
    assert calls.result_of(np.exp, 1000.0, "exp(1000)") == math.inf  # warnings allowed
    english, chinese = failure(
        calls.result_of, np.exp, 1000.0, "exp(1000)", quiet=True, hint=(" hint", " 提示")
    )
    assert english == "exp(1000) gave a RuntimeWarning: overflow encountered in exp hint"
    assert chinese == "exp(1000) 產生警告 RuntimeWarning: overflow encountered in exp 提示"
    english, chinese = failure(
        calls.result_of, math.sqrt, -1.0, "sqrt(-1)", error_hint=(" try cmath", " 試試 cmath")
    )
    assert english == "sqrt(-1) raised ValueError: math domain error try cmath"
    assert chinese == "sqrt(-1) 發生錯誤 ValueError: math domain error 試試 cmath"
    english, _ = failure(calls.result_of, math.sqrt, -1.0, "sqrt(-1)", quiet=True, hint=("x", "y"))
    assert english == "sqrt(-1) raised ValueError: math domain error"  # the error, not the hint


# --- The notebook's variables -----------------------------------------------------------------


def in_a_notebook(code, **variables):
    """Run `code` with globals like a notebook's (plus `calls`); return those globals."""
    namespace = {"__name__": "__main__", "calls": calls, **variables}
    exec(code, namespace)
    return namespace


def test_the_namespace_is_that_of_the_first_caller_outside_coursecheck():
    notebook = in_a_notebook("found = calls.notebook_namespace()")
    assert notebook["found"] is notebook
    # called through a function of coursecheck (as checks do), it still finds the notebook
    inside = {"__name__": "coursecheck.some_check", "calls": calls}
    exec("def some_check():\n    return calls.notebook_namespace()", inside)
    notebook = in_a_notebook("found = some_check()", some_check=inside["some_check"])
    assert notebook["found"] is notebook
    # outside a notebook: the calling module's variables (here, this test module's)
    assert calls.notebook_namespace() is globals()


def test_defined_gives_the_notebook_variable_or_says_how_to_define_it():
    notebook = in_a_notebook(
        "value = calls.defined('fig', 'run the cell fig = ...', '執行 fig = ... 那一格')", fig=42
    )
    assert notebook["value"] == 42
    english, chinese = failure(
        in_a_notebook, "calls.defined('fig', 'write fig = ...', '寫 fig = ...')"
    )
    assert english == "fig is not defined: write fig = ... (and run that cell)"
    assert chinese == "fig 尚未定義：寫 fig = ...（並執行那一格）"
