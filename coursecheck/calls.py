"""Running a student's code inside a test, so that whatever goes wrong becomes a message.

nbgrader gives 0 to a test cell that writes anything to stderr, and an exception
from deep inside a student's function reads badly in a test cell. `call_quietly`
runs the student's function with its warnings, stderr, stdout and exceptions
captured and returns them as an Outcome, so a check can say in plain words what
went wrong.
"""

import contextlib
import io
import sys
import warnings

from coursecheck.failures import fail

try:  # numpy's floating-point error switch; the checks themselves do not need numpy
    from numpy import errstate as _numpy_errstate
except ImportError:  # pragma: no cover - the course always has numpy
    _numpy_errstate = None


class Outcome:
    """What happened when student code ran: its value, or the exception, plus side output."""

    def __init__(self, value, error, warnings_seen, stderr, stdout):
        self.value = value
        self.error = error  # the exception raised, or None
        self.warnings = warnings_seen  # list of warnings.WarningMessage
        self.stderr = stderr  # text written to stderr
        self.stdout = stdout  # text written to stdout (print calls)

    @property
    def ok(self):
        """True when the call returned without exception, warning or stderr text."""
        return self.error is None and not self.warnings and not self.stderr

    def problem(self):
        """The first thing that went wrong, in plain English, or '' when nothing did."""
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {self.error}"
        if self.warnings:
            first = self.warnings[0]
            return f"gave a {first.category.__name__}: {first.message}"
        if self.stderr:
            return f"wrote to stderr: {self.stderr.strip()[:200]}"
        return ""

    def problem_zh(self):
        """The same in 繁體中文."""
        if self.error is not None:
            return f"發生錯誤 {type(self.error).__name__}: {self.error}"
        if self.warnings:
            first = self.warnings[0]
            return f"產生警告 {first.category.__name__}: {first.message}"
        if self.stderr:
            return f"輸出到 stderr：{self.stderr.strip()[:200]}"
        return ""


def call_quietly(function, *args, **kwargs):
    """Call function(*args, **kwargs) so that nothing reaches the test cell's stderr.

    Warnings, stderr and stdout text and exceptions (not KeyboardInterrupt, so a
    grading timeout still stops the cell) are captured and returned as an Outcome.
    Warnings the student silenced elsewhere come back: warnings.filterwarnings("ignore")
    is overridden, and numpy's overflow, invalid and divide errors are set to "warn"
    (np.seterr(all="ignore") hides nothing; harmless underflow stays silent).
    """
    err, out = io.StringIO(), io.StringIO()
    value, error = None, None
    numpy_warns = contextlib.nullcontext()
    if _numpy_errstate is not None:
        numpy_warns = _numpy_errstate(over="warn", invalid="warn", divide="warn", under="ignore")
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out), numpy_warns:
            try:
                value = function(*args, **kwargs)
            except Exception as exception:  # noqa: BLE001 - every student error becomes a message
                error = exception
    return Outcome(value, error, list(seen), err.getvalue(), out.getvalue())


def result_of(function, argument, what, quiet=False, hint=("", ""), error_hint=("", "")):
    """Return function(argument), or fail saying what went wrong.

    `what` is how the call reads in messages, e.g. "sigmoid(np.array([-1.0, 0.0]))".
    An exception fails, followed by `error_hint`; with quiet=True a warning or
    stderr text fails too, followed by `hint`. Hints are (English, 中文) pairs.
    """
    __tracebackhide__ = True
    outcome = call_quietly(function, argument)
    if outcome.error is not None:
        fail(
            f"{what} {outcome.problem()}{error_hint[0]}",
            f"{what} {outcome.problem_zh()}{error_hint[1]}",
        )
    if quiet and not outcome.ok:
        fail(f"{what} {outcome.problem()}{hint[0]}", f"{what} {outcome.problem_zh()}{hint[1]}")
    return outcome.value


def notebook_namespace():
    """The variables of the notebook whose test cell called a check.

    Found from the call stack: the first frame outside coursecheck is the test cell,
    whose globals are the notebook's variables (in Jupyter and in grading alike).
    """
    frame = sys._getframe(1)
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("coursecheck"):
        frame = frame.f_back
    return frame.f_globals if frame is not None else {}


def defined(name, hint, hint_zh):
    """The notebook's variable `name`, or fail telling the student to define it."""
    __tracebackhide__ = True
    namespace = notebook_namespace()
    if name not in namespace:
        fail(
            f"{name} is not defined: {hint} (and run that cell)",
            f"{name} 尚未定義：{hint_zh}（並執行那一格）",
        )
    return namespace[name]
