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
  is first imported (before any student code runs), so a student who rebinds
  `np.allclose`, `np.isclose`, `math.isclose` or `math.exp` changes nothing here.
- Student code runs in the same kernel before the tests, so it could also assign
  to plotcheck's own names (`plotcheck.check_values = ...`). Every test cell
  therefore runs `plotcheck = importlib.reload(plotcheck)` before it checks anything:
  this file runs again, and each name is back as shipped. What a reload must not take afresh
  (math.exp and the like, which student code may have replaced since, and the
  figures remembered so far) is kept in a module of its own in sys.modules, made at
  the first import (see _kept_across_reloads).
- Every check raises AssertionError saying what was expected and what came back.
- It holds no answer: this file is released to students, so nothing here computes
  what an assignment asks them to write (no sigmoid, no Leaky ReLU, no reader of the
  homework's CSV file). Checks take the expected values, or an expected function,
  from the test cell: literal numbers in visible tests, a small reference written
  inside the hidden tests.
"""

import contextlib
import io
import itertools
import math
import sys
import types
import warnings


def _numpy_errstate_or_none():
    """numpy's floating-point error switch, or None: plotcheck itself does not need numpy."""
    try:
        from numpy import errstate
    except ImportError:
        return None
    return errstate


def _kept_across_reloads():
    """The module in sys.modules holding what must outlive importlib.reload(plotcheck).

    Made at the first import, before any student code runs. A reload runs this file
    again but finds the module here, so it neither takes math.exp, math.isfinite or
    numpy.errstate afresh (student code may have replaced them since) nor forgets the
    figures remembered so far. Assigning to a name of plotcheck does not reach it.
    """
    name = f"{__name__}:kept"
    kept = sys.modules.get(name)
    if kept is None:
        kept = types.ModuleType(name, "plotcheck's state that outlives a reload of plotcheck")
        kept.exp = math.exp
        kept.isfinite = math.isfinite
        kept.numpy_errstate = _numpy_errstate_or_none()
        kept.remembered = []  # every Figure pyplot created since remember_figures()
        sys.modules[name] = kept
    return kept


_kept = _kept_across_reloads()
_exp = _kept.exp  # math.exp as it was at the first import, before any student code ran
_isfinite = _kept.isfinite
_numpy_errstate = _kept.numpy_errstate
_remembered = _kept.remembered  # every Figure pyplot created since remember_figures()
del _kept  # reached only through sys.modules, not as a name of plotcheck

REL_TOL = 1e-9  # relative tolerance: a few hundred float64 roundings
ABS_TOL = 1e-12  # absolute tolerance for values that should be (nearly) zero

# ---------------------------------------------------------------------------
# Finding figures
# ---------------------------------------------------------------------------


def _hook_name():
    return f"{__name__}:_remember"


def _remember(figure):
    """matplotlib figure hook: keep a reference to each new figure."""
    _remembered.append(figure)


def _install_hook(*_event_info):
    """Put the figure hook into rcParams unless it is there (also an IPython pre_run_cell hook)."""
    import matplotlib

    hooks = list(matplotlib.rcParams["figure.hooks"])
    if _hook_name() not in hooks:
        matplotlib.rcParams["figure.hooks"] = hooks + [_hook_name()]


def _remember_open_figures():
    """IPython post_execute callback, run before the inline backend closes a cell's figures."""
    from matplotlib import _pylab_helpers

    for manager in _pylab_helpers.Gcf.get_all_fig_managers():
        figure = manager.canvas.figure
        if all(figure is not known for known in _remembered):
            _remembered.append(figure)


def remember_figures():
    """Start remembering every figure pyplot creates from now on (call in the setup cell).

    Uses rcParams["figure.hooks"] (matplotlib >= 3.7), which pyplot.figure and
    pyplot.subplots call with each new Figure. Calling it again starts afresh.
    In IPython two safety nets cover a student who resets rcParams
    (plt.style.use("default"), plt.rcdefaults()): the hook is put back before each
    cell, and figures still open when a cell ends are kept before the inline backend
    closes them. Not covered: a reset and plt.show() in the same cell, with no
    variable holding the figure.

    All of it outlives importlib.reload(plotcheck): the hook is named "module:_remember"
    and looked up anew for each figure, the callbacks look their names up in this
    module when they run, and the figures are kept in sys.modules (_kept_across_reloads).
    """
    _install_hook()
    _remembered.clear()
    shell = _shell()
    if shell is not None:
        _register_once(shell, "pre_run_cell", _install_hook)
        _register_once(shell, "post_execute", _remember_open_figures, first=True)


def _register_once(shell, event, callback, first=False):
    """Register an IPython callback, dropping the copies an earlier run of this file registered.

    After importlib.reload(plotcheck) the functions here are new objects that `in` would
    not match with the old ones, so callbacks are told apart by module and name.
    first=True puts it before the others (post_execute: before the inline backend's flush).
    """
    callbacks = shell.events.callbacks[event]
    for old in [known for known in callbacks if _same_function(known, callback)]:
        callbacks.remove(old)
    callbacks.insert(0 if first else len(callbacks), callback)


def _same_function(known, function):
    """True when `known` is `function` or the same function from an earlier run of this file."""
    return (
        getattr(known, "__module__", None) == function.__module__
        and getattr(known, "__qualname__", None) == function.__qualname__
    )


def remembered_figures():
    """The figures pyplot created since remember_figures(), oldest first."""
    return list(_remembered)


def _shell():
    """The running IPython shell, or None (plain Python, pytest)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def notebook_namespace():
    """The running notebook's variables, or {} outside IPython."""
    shell = _shell()
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
    """Index of the first pair that is not close, or None when all agree (lengths must match).

    None in `expected` accepts any value there: a visible test that knows only some
    of the expected values (the rest are checked by the hidden tests).
    """
    if len(actual) != len(expected):
        raise ValueError("first_difference needs sequences of the same length")
    for index in range(len(expected)):
        if expected[index] is None:
            continue
        if not is_close(actual[index], expected[index], rel_tol, abs_tol):
            return index
    return None


def exp(x):
    """e**x of one float, with math.exp as it was when plotcheck was imported.

    For the references that hidden tests write: a student who rebinds math.exp in
    the notebook cannot change a test's expected values.
    """
    return _exp(x)


def polyline(points):
    """The function whose graph joins the (x, y) `points` (sorted by x) with straight lines.

    Lets a visible test describe a piecewise-linear curve by its corners, written out
    as numbers. Beyond the first or last point the end pieces are extended.
    """
    points = [(float(x), float(y)) for x, y in points]
    if len(points) < 2 or any(a[0] >= b[0] for a, b in itertools.pairwise(points)):
        raise ValueError("polyline needs two or more points with increasing x")

    def value_at(x):
        piece = 0
        while piece < len(points) - 2 and x > points[piece + 1][0]:
            piece += 1
        (x0, y0), (x1, y1) = points[piece], points[piece + 1]
        slope = (y1 - y0) / (x1 - x0)
        if x - x0 <= x1 - x:  # measure from the nearer corner: exact at the corners
            return y0 + (x - x0) * slope
        return y1 - (x1 - x) * slope

    return value_at


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
    None in `ys` accepts any y value at that point.
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


# --- Grid inspection (leaky_relu_homework) ---
# Checks for a figure that must hold a grid of subplots, one curve per panel, for
# example a 3x3 grid whose panel i (counted row by row) draws row i of a table of
# parameters. Panels are named the way students count them: "panel 4 (row 2, column 1)".

MIN_CURVE_POINTS = 50  # fewer points than this draws a kinked curve as a visible polygon
END_TOL = 1e-6  # how close (relative to the x range) a curve's ends must be to x_min and x_max


def defined(name, hint):
    """The notebook's variable `name`, or AssertionError telling the student to define it."""
    namespace = notebook_namespace()
    if name not in namespace:
        raise AssertionError(f"{name} is not defined: {hint} (and run that cell)")
    return namespace[name]


def figures_made_by(function, *args, **kwargs):
    """Call function(*args, **kwargs) quietly; return (Outcome, the figures pyplot made meanwhile).

    Needs remember_figures() to have run (the locked setup cell does it).
    """
    already = len(_remembered)
    outcome = call_quietly(function, *args, **kwargs)
    return outcome, _remembered[already:]


def close_figures(figures):
    """Close figures a test made, so that they neither pile up nor show under the test cell."""
    import matplotlib.pyplot as plt

    for figure in figures:
        plt.close(figure)


def panel_name(index, ncols):
    """'panel 4 (row 2, column 1)' for index 3 of a grid with 3 columns (counting from 1)."""
    row, column = divmod(index, ncols)
    return f"panel {index + 1} (row {row + 1}, column {column + 1})"


def subplot_cells(ax):
    """(nrows, ncols, first, last) of the grid cells an Axes covers, counted row by row from 0.

    None when the Axes was not made by plt.subplot/plt.subplots/fig.add_subplot (e.g. add_axes).
    """
    spec = ax.get_subplotspec()
    if spec is None:
        return None
    nrows, ncols, first, last = spec.get_geometry()
    return nrows, ncols, first, last


def panels_in_order(figure):
    """A figure's Axes ordered by their subplot cell, row by row; Axes outside any grid last."""
    in_grid = [ax for ax in figure.get_axes() if subplot_cells(ax) is not None]
    others = [ax for ax in figure.get_axes() if subplot_cells(ax) is None]
    return sorted(in_grid, key=lambda ax: subplot_cells(ax)[2]) + others


def check_one_figure(value, made, what):
    """Assert that `value` is a matplotlib Figure and that no more than one figure was `made`.

    `what` names the value in messages, e.g. "plot_grid(params)" or "fig".
    """
    from matplotlib.figure import Figure

    if len(made) > 1:
        raise AssertionError(
            f"{what} made {len(made)} figures; all panels belong in ONE figure (create it "
            "once, with plt.figure() or plt.subplots(...), then draw each panel in a subplot)"
        )
    if not isinstance(value, Figure):
        raise AssertionError(
            f"{what} should be a matplotlib Figure; it is {type(value).__name__} {value!r:.60} "
            "(a function should end with `return fig`; in the plt.subplot style fig = plt.gcf())"
        )


def panels_drawn(value, made):
    """Every Axes of the figures `made` (and of `value` if it is another Figure), in subplot order.

    Lets curves and titles be checked even when they were spread over several figures.
    """
    from matplotlib.figure import Figure

    figures = list(made)
    if isinstance(value, Figure) and all(value is not figure for figure in figures):
        figures.append(value)
    return [ax for figure in figures for ax in panels_in_order(figure)]


def check_grid(figure, nrows, ncols, what="the figure"):
    """Assert `figure` is an nrows x ncols grid of subplots, one Axes per cell.

    Returns the Axes row by row. Also checks that where they sit on the figure agrees:
    each panel is right of the one before it in its row and below the one above it.
    """
    axes = figure.get_axes()
    wanted = nrows * ncols
    shape = f"{nrows}x{ncols}"
    if len(axes) != wanted:
        raise AssertionError(
            f"{what} should have {wanted} panels (Axes) in a {shape} grid; it has {len(axes)}"
        )
    for ax in axes:
        cells = subplot_cells(ax)
        if cells is None:
            raise AssertionError(
                f"a panel of {what} was not made as a subplot (fig.add_axes?); use "
                f"plt.subplot({nrows}, {ncols}, i + 1) or plt.subplots({nrows}, {ncols})"
            )
        rows, cols, first, last = cells
        if (rows, cols) != (nrows, ncols):
            raise AssertionError(
                f"a panel of {what} belongs to a {rows}x{cols} grid; expected a {shape} grid "
                f"(plt.subplot({nrows}, {ncols}, i + 1) or plt.subplots({nrows}, {ncols}))"
            )
        if first != last:
            raise AssertionError(f"a panel of {what} spans several cells of the {shape} grid")
    panels = panels_in_order(figure)
    used = [subplot_cells(ax)[2] for ax in panels]
    if used != list(range(wanted)):
        twice = sorted({index + 1 for index in used if used.count(index) > 1})
        raise AssertionError(f"{what} draws more than one Axes in grid cell(s) {twice}")
    check_reading_order(panels, ncols, what)
    return panels


def check_reading_order(panels, ncols, what="the figure"):
    """Assert that panels (in subplot order) sit on the figure row by row, left to right."""
    boxes = [ax.get_position() for ax in panels]
    for index, box in enumerate(boxes):
        row, column = divmod(index, ncols)
        if column > 0 and not box.x0 > boxes[index - 1].x0:
            raise AssertionError(
                f"in {what}, {panel_name(index, ncols)} is not right of "
                f"{panel_name(index - 1, ncols)} (was a panel moved with set_position?)"
            )
        if row > 0 and not box.y0 < boxes[index - ncols].y0:
            raise AssertionError(
                f"in {what}, {panel_name(index, ncols)} is not below "
                f"{panel_name(index - ncols, ncols)} (was a panel moved with set_position?)"
            )


def curve_problem(ax, expected, x_min, x_max, min_points=MIN_CURVE_POINTS):
    """'' when a line of `ax` is y = expected(x) for x from x_min to x_max, else why not.

    `expected` is a function of one float that the test cell gives.

    The line must start at x_min and end at x_max (both included, within END_TOL of
    the range), stay inside, have at least min_points points, and match everywhere.
    When no line fits, the answer is about the line with the most points.
    """
    lines = [line_data(line) for line in ax.get_lines()]
    lines = [data for data in lines if data is not None and data[0]]
    if not lines:
        return "it has no line (draw the curve with plt.plot(x, y) or ax.plot(x, y))"
    problems = [
        _one_curve_problem(xs, ys, expected, x_min, x_max, min_points)
        for xs, ys in sorted(lines, key=lambda data: -len(data[0]))
    ]
    return "" if "" in problems else problems[0]


def _one_curve_problem(xs, ys, expected_at, x_min, x_max, min_points):
    """Why the line (xs, ys) is not y = expected_at(x) from x_min to x_max, or ''."""
    if not all(_isfinite(value) for value in xs + ys):
        return "its line holds NaN or infinite values"
    tolerance = END_TOL * (x_max - x_min if x_max > x_min else 1.0)
    lowest, highest = min(xs), max(xs)
    if not (is_close(lowest, x_min, 0.0, tolerance) and is_close(highest, x_max, 0.0, tolerance)):
        return (
            f"its line goes from x = {_short(lowest)} to {_short(highest)}; it should go from "
            f"{_short(x_min)} to {_short(x_max)}, both ends included (np.linspace does that)"
        )
    if len(xs) < min_points:
        return f"its line has only {len(xs)} points; use at least {min_points}"
    for x, y in zip(xs, ys, strict=True):
        expected = expected_at(x)
        if not is_close(y, expected):
            return f"at x = {_short(x)} its line has y = {y!r}, expected {expected!r}"
    return ""


def check_panel_curves(panels, curves, ncols, context=""):
    """Assert that panel i draws curves[i] = (expected, x_min, x_max, description).

    `expected` is a function of one float giving the y the panel's line should have.

    A wrong panel is named with the first thing wrong. When every wrong panel draws
    another panel's curve (panels filled column by column, say), the message says so.
    `context` starts every message, e.g. "In fig: ".
    """
    if len(panels) != len(curves):
        raise AssertionError(f"{context}expected {len(curves)} panels, found {len(panels)}")
    wrong = []
    for index, (expected, x_min, x_max, description) in enumerate(curves):
        problem = curve_problem(panels[index], expected, x_min, x_max)
        if problem:
            wrong.append((index, description, problem))
    if not wrong:
        return
    moved = {}  # wrong panel -> the panel whose curve it draws
    for index, _, _ in wrong:
        for other, (expected, x_min, x_max, _) in enumerate(curves):
            if other != index and not curve_problem(panels[index], expected, x_min, x_max):
                moved[index] = other
                break
    index, description, problem = wrong[0]
    hint = ""
    if len(moved) == len(wrong):
        nrows = -(-len(curves) // ncols)
        hint = (
            f". It draws the curve meant for {panel_name(moved[index], ncols)}: fill the panels "
            f"row by row (panel i is plt.subplot({nrows}, {ncols}, i + 1), or axs.flat[i])"
        )
    verb = "is" if len(wrong) == 1 else "are"
    raise AssertionError(
        f"{context}{len(wrong)} of {len(curves)} panels {verb} wrong. "
        f"{panel_name(index, ncols)} should draw {description}, but {problem}{hint}"
    )


NUMBER_PATTERN = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


def numbers_in(text):
    """The numbers written in a text, as (value, decimals shown): 'alpha = -0.25' -> [(-0.25, 2)].

    A unicode minus (matplotlib writes one) counts as a minus sign.
    """
    import re

    found = []
    for match in re.finditer(NUMBER_PATTERN, text.replace("\u2212", "-")):
        written = match.group()
        mantissa = written.lower().split("e")[0]
        decimals = len(mantissa.split(".")[1]) if "." in mantissa else 0
        found.append((float(written), decimals))
    return found


def shows_number(text, value):
    """True when `text` writes `value`, exactly or rounded to 2 or more decimals."""
    for number, decimals in numbers_in(text):
        if is_close(number, value):
            return True
        if decimals >= 2 and abs(number - value) <= 0.5 * 10.0**-decimals * (1 + 1e-9):
            return True
    return False


def axes_titles(ax):
    """Non-empty titles of one Axes (left, center, right), without the figure's suptitle."""
    found = [ax.get_title(loc=loc).strip() for loc in ("left", "center", "right")]
    return [text for text in found if text]


def check_panel_titles(panels, values, ncols, name, context=""):
    """Assert that panel i has a title showing values[i]; `name` says what it is, e.g. 'alpha'.

    `context` starts every message, e.g. "In fig: ".
    """
    if len(panels) != len(values):
        raise AssertionError(f"{context}expected {len(values)} panels, found {len(panels)}")
    wrong = []
    for index, value in enumerate(values):
        shown = axes_titles(panels[index])
        if not any(shows_number(text, value) for text in shown):
            wrong.append((index, value, shown))
    if not wrong:
        return
    index, value, shown = wrong[0]
    got = f"its title is {shown[0]!r}" if shown else "it has no title"
    verb = "does" if len(wrong) == 1 else "do"
    raise AssertionError(
        f"{context}{len(wrong)} of {len(values)} panel titles {verb} not show their {name}. "
        f"{panel_name(index, ncols)} should show {name} = {value!r} in its title, but {got} "
        f"(e.g. ax.set_title(f'alpha = {{alpha}}') or plt.title(...) after plt.subplot)"
    )


def check_records(value, expected, what):
    """Assert that `value` is a list of dicts equal to `expected` (dicts of floats), in order."""
    if not isinstance(value, list):
        raise AssertionError(
            f"{what} should return a list (of {len(expected)} dicts); "
            f"it returned {type(value).__name__} {value!r:.60}"
        )
    if len(value) != len(expected):
        raise AssertionError(
            f"{what} should return {len(expected)} dicts, one per row; it returned {len(value)}"
        )
    for number, (got, wanted) in enumerate(zip(value, expected, strict=True), start=1):
        if not isinstance(got, dict):
            raise AssertionError(
                f"{what}: item {number} should be a dict; it is {type(got).__name__} {got!r:.60}"
            )
        if set(got) != set(wanted):
            raise AssertionError(
                f"{what}: row {number} should have the keys {sorted(wanted)}; "
                f"it has {sorted(got, key=str)}"
            )
        for key, expected_value in wanted.items():
            actual = got[key]
            if not isinstance(actual, float):
                raise AssertionError(
                    f"{what}: row {number}[{key!r}] should be a float; it is "
                    f"{type(actual).__name__} {actual!r:.40} (convert it with float(...))"
                )
            if not is_close(actual, expected_value):
                raise AssertionError(
                    f"{what}: row {number}[{key!r}] should be {expected_value!r}; it is {actual!r}"
                )
