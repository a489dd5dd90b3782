"""Inspect students' matplotlib figures and run their code safely in autograder tests.

A byte-identical copy of this file sits next to each assignment notebook
(source/<assignment>/plotcheck.py), so that `import plotcheck` works when
nbgrader runs a submission. Tests grade a plot from the Figure's data (lines,
labels, titles, legends), never from pixels.

Why the pieces exist:
- The inline backend closes every figure when a cell ends, so a test cell's
  `plt.gcf()` is a new empty figure. `remember_figures()` (called in the locked
  setup cell) installs a matplotlib figure hook that keeps every figure pyplot
  creates afterwards; Figure and Axes objects left in the notebook's variables
  are found too.
- nbgrader gives 0 to a test cell that writes anything to stderr. `call_quietly`
  runs student code with warnings, stderr, stdout and exceptions captured, so a
  test can turn a warning into a failed assert with a clear message instead.
- Comparisons use plain Python arithmetic and `math.exp` captured when this module
  is imported (before any student code runs), so a student who rebinds
  `np.allclose`, `np.isclose` or `math.isclose` changes nothing here.
- Every check raises AssertionError saying what was expected and what came back.
"""

import contextlib
import io
import itertools
import math
import warnings

_exp = math.exp  # captured at import time, before any student code runs
_isfinite = math.isfinite

try:  # numpy's floating-point error switch, captured before student code could rebind it
    from numpy import errstate as _numpy_errstate
except ImportError:  # plotcheck itself does not need numpy
    _numpy_errstate = None

REL_TOL = 1e-9  # relative tolerance: a few hundred float64 roundings
ABS_TOL = 1e-12  # absolute tolerance for values that should be (nearly) zero

# ---------------------------------------------------------------------------
# Finding figures
# ---------------------------------------------------------------------------

_remembered = []  # every Figure pyplot created since remember_figures()


def _hook_name():
    return f"{__name__}:_remember"


def _remember(figure):
    """matplotlib figure hook: keep a reference to each new figure."""
    _remembered.append(figure)


def remember_figures():
    """Start remembering every figure pyplot creates from now on (call in the setup cell).

    Uses rcParams["figure.hooks"] (matplotlib >= 3.7), which pyplot.figure and
    pyplot.subplots call with each new Figure. Calling it again starts afresh.
    """
    import matplotlib

    hooks = list(matplotlib.rcParams["figure.hooks"])
    if _hook_name() not in hooks:
        matplotlib.rcParams["figure.hooks"] = hooks + [_hook_name()]
    _remembered.clear()


def remembered_figures():
    """The figures pyplot created since remember_figures(), oldest first."""
    return list(_remembered)


def notebook_namespace():
    """The running notebook's variables, or {} outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return {}
    shell = get_ipython()
    return shell.user_ns if shell is not None else {}


def _figure_of(value):
    """The Figure a Figure, Axes or other Artist belongs to, else None."""
    from matplotlib.artist import Artist
    from matplotlib.figure import Figure, SubFigure

    if isinstance(value, SubFigure):
        return value.get_figure(root=True)
    if isinstance(value, Figure):
        return value
    if isinstance(value, Artist):
        figure = value.get_figure()
        if isinstance(figure, SubFigure):
            figure = figure.get_figure(root=True)
        return figure
    return None


_MAX_MEMBERS = 1000  # look no further into long lists: figures are never that deep


def _members(value):
    """Items one level inside a list, tuple, dict or object array (e.g. `axs` of subplots)."""
    if isinstance(value, dict):
        return list(value.values())[:_MAX_MEMBERS]
    if isinstance(value, (list, tuple)):
        return list(value[:_MAX_MEMBERS])
    if type(value).__name__ == "ndarray" and getattr(value.dtype, "kind", "") == "O":
        return list(itertools.islice(value.flat, _MAX_MEMBERS))
    return []


def figures_in_namespace(namespace):
    """Figures reachable from `namespace`'s variables: Figure, Axes, artists, lists of them."""
    found = []
    for name, value in list(namespace.items()):
        if name.startswith("__"):
            continue
        for item in [value, *_members(value)]:
            for inner in [item, *_members(item)]:
                figure = _figure_of(inner)
                if figure is not None:
                    found.append(figure)
    return found


def candidate_figures(namespace=None):
    """Every figure a student may have drawn: remembered ones, then ones in the namespace.

    `namespace` defaults to the running notebook's variables. Each figure appears once.
    """
    if namespace is None:
        namespace = notebook_namespace()
    unique = []
    seen = set()
    for figure in remembered_figures() + figures_in_namespace(namespace):
        if id(figure) not in seen:
            seen.add(id(figure))
            unique.append(figure)
    return unique


# ---------------------------------------------------------------------------
# Extracting data from figures
# ---------------------------------------------------------------------------


def axes_of(figures):
    """All Axes of the given figures, in order."""
    return [ax for figure in figures for ax in figure.get_axes()]


def shape_of(value):
    """The shape of an array, nested list or number: (2, 3), (100,) or () for one number."""
    shape = getattr(value, "shape", None)
    if isinstance(shape, tuple):
        return shape
    if isinstance(value, (list, tuple)):
        return (len(value),) + (shape_of(value[0]) if value else ())
    return ()


def as_floats(values):
    """A flat list of Python floats from a number, list or array; None if not all numbers."""
    if hasattr(values, "tolist"):
        values = values.tolist()
    if not isinstance(values, (list, tuple)):
        values = [values]
    flat = []
    for value in values:
        if isinstance(value, (list, tuple)):
            inner = as_floats(value)
            if inner is None:
                return None
            flat.extend(inner)
            continue
        if isinstance(value, (str, bytes)) or value is None:
            return None
        try:
            flat.append(float(value))
        except (TypeError, ValueError):
            return None
    return flat


def line_data(line):
    """(x values, y values) of a Line2D as lists of Python floats; None for non-numeric data."""
    xs = as_floats(line.get_xdata())
    ys = as_floats(line.get_ydata())
    if xs is None or ys is None:
        return None
    return xs, ys


def axis_labels(ax):
    """(x label, y label) of an Axes, stripped of surrounding spaces."""
    return ax.get_xlabel().strip(), ax.get_ylabel().strip()


def titles(ax):
    """Non-empty titles shown above an Axes: its left/center/right titles and the figure's."""
    found = [ax.get_title(loc=loc).strip() for loc in ("left", "center", "right")]
    figure = _figure_of(ax)
    if figure is not None:
        found.append(figure.get_suptitle().strip())
    return [text for text in found if text]


def legend_texts(ax):
    """Non-empty texts of the visible legends of an Axes and of its figure."""
    legends = [ax.get_legend()]
    figure = _figure_of(ax)
    if figure is not None:
        legends.extend(figure.legends)
    texts = []
    for legend in legends:
        if legend is not None and legend.get_visible():
            texts.extend(text.get_text().strip() for text in legend.get_texts())
    return [text for text in texts if text]


def describe_line(line):
    """A short plain-words description of a line, for failure messages."""
    data = line_data(line)
    label = line.get_label()
    name = f"line {label!r}" if label and not label.startswith("_") else "an unlabelled line"
    if data is None:
        return f"{name} with non-numeric data"
    xs, _ = data
    if not xs:
        return f"{name} with no points"
    return f"{name} with {len(xs)} points, x from {_short(xs[0])} to {_short(xs[-1])}"


def describe_figures(figures):
    """What the given figures contain, in plain words, for failure messages."""
    if not figures:
        return "no figure was found"
    parts = []
    for number, figure in enumerate(figures, start=1):
        lines = [line for ax in figure.get_axes() for line in ax.get_lines()]
        scattered = any(ax.collections for ax in figure.get_axes())
        if not lines and scattered:
            parts.append(
                f"figure {number} has scattered points but no line "
                "(plt.scatter draws points; plt.plot draws a line)"
            )
        elif not lines:
            parts.append(f"figure {number} has no lines")
        else:
            parts.append(f"figure {number} has " + "; ".join(describe_line(x) for x in lines))
    return ". ".join(parts)


# ---------------------------------------------------------------------------
# Comparing numbers in plain Python
# ---------------------------------------------------------------------------


def _short(value):
    """A number written briefly for messages: 4.9, 0.006693, 1e-05."""
    return f"{value:.4g}" if isinstance(value, float) else repr(value)


def is_close(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """True when two floats agree within rel_tol (relative) or abs_tol (absolute).

    NaN is never close to anything; infinities are close only to themselves.
    """
    if actual == expected:
        return True
    if not (_isfinite(actual) and _isfinite(expected)):
        return False
    difference = actual - expected
    if difference < 0:
        difference = -difference
    size = expected if expected >= 0 else -expected
    return difference <= abs_tol or difference <= rel_tol * size


def first_difference(actual, expected, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """Index of the first pair that is not close, or None when all agree (lengths must match)."""
    if len(actual) != len(expected):
        raise ValueError("first_difference needs sequences of the same length")
    for index in range(len(expected)):
        if not is_close(actual[index], expected[index], rel_tol, abs_tol):
            return index
    return None


def reference_sigmoid(x):
    """The logistic sigmoid of one float, stable by sign: exp() only ever sees x <= 0."""
    if x >= 0:
        return 1.0 / (1.0 + _exp(-x))
    small = _exp(x)
    return small / (1.0 + small)


def evenly_spaced(start, stop, count):
    """`count` evenly spaced floats from start to stop, both included (like np.linspace)."""
    step = (stop - start) / (count - 1)
    points = [start + index * step for index in range(count)]
    points[-1] = float(stop)
    return points


# ---------------------------------------------------------------------------
# Running student code safely inside a test cell
# ---------------------------------------------------------------------------


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
        """The first thing that went wrong, in plain words, or '' when nothing did."""
        if self.error is not None:
            return f"raised {type(self.error).__name__}: {self.error}"
        if self.warnings:
            first = self.warnings[0]
            return f"gave a {first.category.__name__}: {first.message}"
        if self.stderr:
            return f"wrote to stderr: {self.stderr.strip()[:200]}"
        return ""


def call_quietly(function, *args, **kwargs):
    """Call function(*args, **kwargs) so that nothing reaches the test cell's stderr.

    Warnings, stderr and stdout text and exceptions (not KeyboardInterrupt, so an
    nbgrader timeout still stops the cell) are captured and returned as an Outcome.
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


def result_of(function, argument, what, quiet=False, hint="", error_hint=""):
    """Return function(argument), or raise AssertionError saying what went wrong.

    `what` is how the call reads in messages, e.g. "sigmoid(np.array([-1.0, 0.0]))".
    An exception fails, followed by `error_hint`; with quiet=True a warning or
    stderr text fails too, followed by `hint`.
    """
    outcome = call_quietly(function, argument)
    if outcome.error is not None:
        raise AssertionError(f"{what} {outcome.problem()}{error_hint}")
    if quiet and not outcome.ok:
        raise AssertionError(f"{what} {outcome.problem()}{hint}")
    return outcome.value


# ---------------------------------------------------------------------------
# Checks that fail with plain-words messages
# ---------------------------------------------------------------------------


def check_values(actual, expected, what, rel_tol=REL_TOL, abs_tol=ABS_TOL, inputs=None):
    """Assert that `actual` (number, list or array) holds the floats `expected`, in order.

    `what` names the result in messages, e.g. "sigmoid(points)"; `inputs`, when
    given, are the x values behind `expected` so a message can say where it went wrong.
    """
    values = as_floats(actual)
    if values is None:
        raise AssertionError(
            f"{what} should be numbers; yours is {type(actual).__name__} {actual!r:.80}"
        )
    if len(values) != len(expected):
        raise AssertionError(f"{what} should have {len(expected)} values; yours has {len(values)}")
    index = first_difference(values, expected, rel_tol, abs_tol)
    if index is not None:
        where = f" (at x = {_short(inputs[index])})" if inputs is not None else ""
        raise AssertionError(
            f"{what} is wrong at position {index}{where}: expected {expected[index]!r}, "
            f"yours is {values[index]!r}"
        )


def find_line(figures, xs, ys, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """(Axes, Line2D) of the first line whose data are xs and ys, or None."""
    for ax in axes_of(figures):
        for line in ax.get_lines():
            data = line_data(line)
            if data is None or len(data[0]) != len(xs):
                continue
            if first_difference(data[0], xs, rel_tol, abs_tol) is None and (
                first_difference(data[1], ys, rel_tol, abs_tol) is None
            ):
                return ax, line
    return None


def check_labelled(ax, what="the plot"):
    """Assert that an Axes has x and y axis labels, a title and a legend with a label."""
    xlabel, ylabel = axis_labels(ax)
    if not xlabel or not ylabel:
        missing = [name for name, text in (("x", xlabel), ("y", ylabel)) if not text]
        empty = "the x and y labels are" if len(missing) == 2 else f"the {missing[0]} label is"
        raise AssertionError(
            f"{what} needs axis labels; {empty} empty "
            "(use plt.xlabel(...)/plt.ylabel(...) or ax.set_xlabel(...)/ax.set_ylabel(...))"
        )
    if not titles(ax):
        raise AssertionError(
            f"{what} needs a title; it has none (use plt.title(...) or ax.set_title(...))"
        )
    if not legend_texts(ax):
        raise AssertionError(
            f"{what} needs a legend with a label; it has none "
            "(give the line a label, e.g. plt.plot(x, y, label='sigmoid'), then call "
            "plt.legend() or ax.legend())"
        )


def check_line_plotted(figures, xs, ys, what, rel_tol=REL_TOL, abs_tol=ABS_TOL):
    """Assert that some figure has a line with data xs, ys; return its (Axes, Line2D).

    `what` names the expected line in messages, e.g. "sigmoid(X) against X". When a
    line has the right x values but other y values, the message says where they differ.
    """
    if not figures:
        raise AssertionError(
            f"No figure was found: draw {what} in your answer cell "
            "with plt.plot(...) or ax.plot(...)."
        )
    found = find_line(figures, xs, ys, rel_tol, abs_tol)
    if found is not None:
        return found
    for ax in axes_of(figures):
        for line in ax.get_lines():
            data = line_data(line)
            if data is None or len(data[0]) != len(xs):
                continue
            if first_difference(data[0], xs, rel_tol, abs_tol) is None:
                index = first_difference(data[1], ys, rel_tol, abs_tol)
                raise AssertionError(
                    f"{describe_line(line)} has the right x values but is not {what}: "
                    f"at x = {_short(xs[index])} its y is {data[1][index]!r}, "
                    f"expected {ys[index]!r}"
                )
    raise AssertionError(
        f"No line in your figures is {what} ({len(xs)} points, x from {_short(xs[0])} "
        f"to {_short(xs[-1])}); found: {describe_figures(figures)}"
    )
