"""coursecheck.figures: finding the figures a student drew and reading them from their data.

In this process matplotlib runs headless (Agg) and outside IPython, where every figure
belongs to the same "cell". The figures that Jupyter's inline backend closes, the
cells they belong to and the stale pass are tested in a real kernel at the end (one
kernel for all of them).
"""

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import numpy as np
import pytest
from matplotlib.figure import Figure
from nbclient import NotebookClient

from coursecheck import figures
from coursekit.course import REPO
from tests.coursecheck import failure


def draw_in_a_function():
    """A pyplot-style plot whose figure no variable keeps, then closed like the inline backend."""
    plt.figure()
    plt.plot([0.0, 1.0, 2.0], [0.0, 1.0, 4.0], label="square")
    plt.close("all")


# --- Finding figures ------------------------------------------------------------------------


def test_a_closed_figure_no_variable_holds_is_still_found(remembering):
    draw_in_a_function()
    assert plt.get_fignums() == []
    found = figures.latest_figures()
    assert len(found) == 1
    assert figures.line_data(found[0].axes[0].lines[0]) == ([0.0, 1.0, 2.0], [0.0, 1.0, 4.0])


def test_remember_figures_installs_one_hook_and_starts_afresh(remembering):
    draw_in_a_function()
    figures.remember_figures()
    figures.remember_figures()
    assert matplotlib.rcParams["figure.hooks"].count("coursecheck.figures:_remember") == 1
    assert figures.HOOK == "coursecheck.figures:_remember"
    assert figures.latest_figures() == []


def test_only_the_figures_of_the_last_cell_that_drew_count(remembering, monkeypatch):
    cell = [1]
    monkeypatch.setattr(figures, "_current_cell", lambda: cell[0])
    first = plt.figure()
    cell[0] = 2  # a cell that draws nothing (a test cell) changes nothing
    assert figures.latest_figures() == [first]
    cell[0] = 3
    second, third = plt.figure(), plt.figure()
    assert figures.latest_figures() == [second, third]


def test_figures_left_open_are_kept_at_the_end_of_a_cell(remembering):
    """The post_execute safety net: a figure drawn after the hook was reset away."""
    hooked = plt.figure()
    matplotlib.rcParams["figure.hooks"] = []  # what plt.rcdefaults() does to the hook
    unhooked = plt.figure()
    assert figures.latest_figures() == [hooked]
    figures._remember_open_figures()
    figures._remember_open_figures()  # each figure is kept once
    assert figures.latest_figures() == [hooked, unhooked]


@pytest.mark.parametrize(
    "reset",
    [plt.rcdefaults, lambda: plt.style.use("default"), matplotlib.rc_file_defaults],
    ids=["rcdefaults", "style default", "rc_file_defaults"],
)
def test_a_reset_of_rcparams_keeps_the_hook(remembering, reset):
    """A student who resets rcParams, then draws and calls plt.show() in the same cell."""
    reset()
    plt.figure()
    plt.plot([0, 1], [0, 1], label="after the reset")
    plt.close("all")  # what plt.show() of the inline backend does, before the cell ends
    assert figures.describe_figures(figures.latest_figures())[0] == (
        "figure 1 has line 'after the reset' with 2 points, x from 0 to 1"
    )


def test_figures_a_check_draws_are_closed_and_forgotten(remembering):
    student = plt.figure()
    plt.plot([0, 1], [0, 1], label="the student's")

    def check_drawing(count):
        for _ in range(count):
            plt.figure()
            plt.plot([0, 1], [1, 0])
        return "drawn"

    outcome, made = figures.figures_made_by(check_drawing, 2)
    assert outcome.value == "drawn" and len(made) == 2
    assert all(isinstance(figure, Figure) for figure in made)
    assert plt.get_fignums() == [student.number]  # closed: not shown under the test cell
    assert figures.latest_figures() == [student]
    matplotlib.rcParams["figure.hooks"] = []  # the student reset rcParams: found all the same
    outcome, made = figures.figures_made_by(check_drawing, count=1)
    assert len(made) == 1 and figures.latest_figures() == [student]
    outcome, made = figures.figures_made_by(lambda: 1 / 0)
    assert isinstance(outcome.error, ZeroDivisionError) and made == []


def test_figures_are_found_through_variables_without_the_hook():
    figure = Figure()
    ax = figure.add_subplot()
    other = Figure()
    grid = np.empty((1, 2), dtype=object)
    grid[0, 0], grid[0, 1] = other.add_subplot(1, 2, 1), other.add_subplot(1, 2, 2)
    lines = ax.plot([1, 2], [3, 4])
    namespace = {"ax": ax, "axs": grid, "Out": {3: lines}, "__builtins__": {}, "n": 3}
    found = figures.figures_in_namespace(namespace)
    assert {id(f) for f in found} == {id(figure), id(other)}
    assert figures.figures_in_namespace({"f": figure, "g": figure}) == [figure]
    assert figures.figures_in_namespace({"__hidden__": figure}) == []


def test_figure_of_finds_the_root_figure():
    figure = Figure()
    sub = figure.subfigures(1, 2)[1]
    ax = sub.add_subplot()
    (line,) = ax.plot([0, 1], [0, 1])
    assert figures.figure_of(figure) is figure
    assert figures.figure_of(sub) is figure
    assert figures.figure_of(ax) is figure
    assert figures.figure_of(line) is figure
    assert figures.figure_of(np.zeros(2)) is None and figures.figure_of(None) is None


# --- Reading figures ------------------------------------------------------------------------


def test_labels_titles_and_legends_are_read():
    figure, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="_hidden")
    assert figures.axis_labels(ax) == ("", "")
    assert figures.titles(ax) == []
    assert figures.legend_texts(ax) == []
    ax.set_xlabel(" x ")
    ax.set_ylabel("y")
    ax.set_title("right title", loc="right")
    figure.suptitle("whole figure")
    figure.legend(["a line"])
    assert figures.axis_labels(ax) == ("x", "y")
    assert figures.axes_titles(ax) == ["right title"]  # without the suptitle
    assert figures.titles(ax) == ["right title", "whole figure"]
    assert figures.legend_texts(ax) == ["a line"]
    figures.check_labelled(ax, "the plot", "這張圖")
    figure.legends[0].set_visible(False)
    assert figures.legend_texts(ax) == []
    plt.close(figure)


@pytest.mark.parametrize(
    "missing, english, chinese",
    [
        ("xlabel", "the x label is empty", "x 軸標籤是空的"),
        ("both labels", "the x and y labels are empty", "x 與 y 軸標籤都是空的"),
        ("title", "the plot needs a title; it has none", "這張圖需要標題"),
        ("legend", "the plot needs a legend with a label", "這張圖需要有名稱的圖例"),
    ],
)
def test_check_labelled_names_what_is_missing(missing, english, chinese):
    figure, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="line")
    ax.set_xlabel("" if missing in ("xlabel", "both labels") else "x")
    ax.set_ylabel("" if missing == "both labels" else "y")
    ax.set_title("" if missing == "title" else "t")
    if missing != "legend":
        ax.legend()
    found_english, found_chinese = failure(figures.check_labelled, ax, "the plot", "這張圖")
    assert english in found_english and chinese in found_chinese
    plt.close(figure)


def test_check_line_plotted_finds_the_line_or_says_what_it_saw():
    xs = [-1.0, -0.5, 0.0, 0.5, 1.0]
    figure, ax = plt.subplots()
    english, chinese = failure(figures.check_line_plotted, [], xs, xs, "y = x", "y = x 的直線")
    assert english.startswith("No figure was found: draw y = x in your answer cell")
    assert chinese.startswith(
        "找不到任何圖：請在答案格中用 plt.plot(...) 或 ax.plot(...) 畫出y = x"
    )
    ax.plot(np.array(xs), np.array(xs) ** 3, label="cube")
    english, chinese = failure(figures.check_line_plotted, [figure], xs, xs, "y = x", "直線")
    assert english == (
        "line 'cube' with 5 points, x from -1 to 1 has the right x values but is not y = x: "
        "at x = -0.5 its y is -0.125, expected -0.5"
    )
    assert chinese.startswith("曲線 'cube'（5 個點，x 從 -1 到 1） 的 x 值正確，但不是直線")
    english, _ = failure(figures.check_line_plotted, [figure], xs[:4], xs[:4], "y = x", "直線")
    assert english.startswith(
        "No line in your last drawn figure is y = x (4 points, x from -1 to 0.5); "
        "found: figure 1 has line 'cube' with 5 points"
    )
    ax.plot(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    assert figures.check_line_plotted([figure], xs, xs, "y = x", "直線") == (ax, ax.lines[1])
    plt.close(figure)


def test_check_line_plotted_checks_only_the_y_values_it_is_given():
    xs = [-1.0, -0.5, 0.0, 0.5, 1.0]
    figure, ax = plt.subplots()
    ax.plot(xs, [x**3 for x in xs], label="cube")
    ends = [-1.0, None, None, None, 1.0]  # y = x and y = x**3 agree at both ends
    assert figures.check_line_plotted([figure], xs, ends, "y = x", "直線") == (ax, ax.lines[0])
    english, _ = failure(
        figures.check_line_plotted, [figure], xs, [None, -0.5, None, None, None], "y = x", "直線"
    )
    assert english.endswith("at x = -0.5 its y is -0.125, expected -0.5")
    plt.close(figure)


def test_lines_are_described_in_plain_words():
    figure, ax = plt.subplots()
    labelled, unlabelled, empty = (
        ax.plot([0.5, 1.0, 4.0], [0, 0, 0], label="relu")[0],
        ax.plot([0, 1], [0, 1])[0],
        ax.plot([], [], label="nothing")[0],
    )
    dates = ax.plot(["a", "b"], [1, 2], label="words")[0]
    assert figures.describe_line(labelled) == (
        "line 'relu' with 3 points, x from 0.5 to 4",
        "曲線 'relu'（3 個點，x 從 0.5 到 4）",
    )
    assert figures.describe_line(unlabelled)[0] == "an unlabelled line with 2 points, x from 0 to 1"
    assert figures.describe_line(unlabelled)[1].startswith("一條沒有名稱的曲線")
    assert figures.describe_line(empty) == (
        "line 'nothing' with no points",
        "曲線 'nothing'（沒有任何點）",
    )
    assert figures.describe_line(dates)[0] == "line 'words' with non-numeric data"
    plt.close(figure)


def test_a_scatter_plot_and_an_empty_figure_are_named_as_such():
    scattered, ax = plt.subplots()
    ax.scatter([0, 1], [0, 1])
    english, chinese = figures.describe_figures([scattered, Figure()])
    assert english == (
        "figure 1 has scattered points but no line (plt.scatter draws points; plt.plot draws "
        "a line). figure 2 has no lines"
    )
    assert "plt.scatter 畫點" in chinese and "第 2 張圖沒有任何線" in chinese
    assert figures.describe_figures([]) == ("no figure was found", "找不到任何圖")
    plt.close(scattered)


# --- In a real kernel with the inline backend ---------------------------------------------------

SETUP = f"""\
%matplotlib inline
import sys

sys.path.insert(0, {str(REPO)!r})  # the repository's coursecheck, as in the other tests

import matplotlib.pyplot as plt
import numpy as np

from coursecheck import figures
from coursecheck import leaky_relu_homework as homework
from coursecheck import sigmoid_exercise as check

check.remember_figures()
print(check.__file__)


def test(check_function):
    try:
        check_function()
    except AssertionError as error:
        print("FAIL", str(error).splitlines()[0])
    else:
        print("PASS")


def latest():
    print(figures.describe_figures(figures.latest_figures())[0])


X = np.linspace(-5, 5, 100)
Y = 1 / (1 + np.exp(-X))
"""
LABELLED = """\
kept = plt.figure()  # a variable still holds this figure after later cells
plt.plot(X, Y, label="sigmoid")
plt.xlabel("x")
plt.ylabel("sigmoid(x)")
plt.title("The sigmoid")
plt.legend()
plt.show()
"""
GRID_OF_SIGMOIDS = """\
def plot_grid(params):
    fig, axs = plt.subplots(3, 3)
    for ax in axs.flat:
        ax.plot(X, Y)  # unlabelled lines of sigmoid(X) against X
    return fig


test(lambda: homework.grid_layout(plot_grid))
print(plt.get_fignums())
"""
COUNTED_FIGURE = """\
fig = plt.figure(figsize=(4, 3))
fig.canvas.mpl_connect("draw_event", lambda event: draws.append(event))
plt.plot(X, Y)
plt.title("The sigmoid")
"""
KERNEL_CELLS = {  # name: source, run in this order
    "setup": SETUP,
    # figures the inline backend closes are found in a later cell
    "closed by show": "def draw():\n    plt.plot([0, 1], [0, 1], label='closed by show')\n"
    "    plt.show()\n\n\ndraw()",
    "after show": "latest()",
    "closed at the end": "plt.plot([0, 1, 2], [0, 1, 2], label='closed at the end of the cell')",
    "after the end": "latest()",
    "style reset": "plt.style.use('default')  # drops the figure hook from rcParams",
    "after a reset": "plt.plot([0, 1, 2, 3], [0, 1, 2, 3],"
    " label='after a reset in an earlier cell')\nplt.show()",
    "after the reset": "latest()\nprint(plt.get_fignums(), plt.rcParams['figure.hooks'])",
    "two figures": "plt.figure()\nplt.plot([0, 1], [1, 0], label='first')\n"
    "plt.figure()\nplt.plot([0, 1, 2], [2, 1, 0], label='second')",
    "after two figures": "latest()",
    # the stale pass: only the last cell that drew counts
    "labelled": LABELLED,
    "test labelled": "test(check.sigmoid_plot)",
    "unlabelled": "plt.plot(X, Y)\nplt.show()",
    "test unlabelled": "test(check.sigmoid_plot)\nprint(kept.axes[0].get_title())",
    "labelled again": LABELLED,
    "a check draws": GRID_OF_SIGMOIDS,
    "test after the check": "test(check.sigmoid_plot)",
    # a student who resets rcParams in the cell that draws is still read
    "reset and unlabelled": "plt.rcdefaults()\nplt.plot(X, Y)",
    "test reset and unlabelled": "test(check.sigmoid_plot)",
    "reset and labelled": "plt.rcdefaults()\n" + LABELLED,
    "test reset and labelled": "test(check.sigmoid_plot)\nprint(plt.rcParams['figure.hooks'])",
    "start again": "check.remember_figures()\ncheck.remember_figures()\n"
    "events = get_ipython().events.callbacks\n"
    "print([f.__name__ for f in events['pre_run_cell'] + events['post_execute']\n"
    "       if getattr(f, '__module__', '') == 'coursecheck.figures'])\n"
    "print(plt.rcParams['figure.hooks'])\n"
    "test(check.sigmoid_plot)",
    # the inline backend draws each figure for its picture only, and the picture is the same
    "drawn for the picture": "draws = []\n" + COUNTED_FIGURE,
    "draws for the picture": "print(len(draws))",
    "pyplot's redraw back": "plt.install_repl_displayhook()  # as without remember_figures()\n"
    "after_cell = get_ipython().events.callbacks['post_execute']\n"
    "after_cell.insert(0, after_cell.pop())  # first, where %matplotlib inline puts it",
    "drawn by pyplot too": "draws = []\n" + COUNTED_FIGURE,
    "draws by pyplot too": "print(len(draws))\ncheck.remember_figures()",
}


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """{cell name: its outputs} after running KERNEL_CELLS in one kernel, in order."""
    folder = tmp_path_factory.mktemp("kernel")
    cells = [nbformat.v4.new_code_cell(source) for source in KERNEL_CELLS.values()]
    notebook = nbformat.v4.new_notebook(cells=cells)
    client = NotebookClient(
        notebook, timeout=60, kernel_name="python3", resources={"metadata": {"path": folder}}
    )
    client.execute()
    return dict(zip(KERNEL_CELLS, (cell.outputs for cell in notebook.cells), strict=True))


def printed(outputs):
    """The lines a cell printed."""
    return "".join(o.get("text", "") for o in outputs if o.get("name") == "stdout").splitlines()


def images(outputs):
    """How many images a cell showed."""
    return sum("image/png" in o.get("data", {}) for o in outputs)


def png(outputs):
    """The picture a cell showed (base64 PNG)."""
    return next(o["data"]["image/png"] for o in outputs if "image/png" in o.get("data", {}))


def test_the_kernel_checks_with_the_repositorys_coursecheck(kernel):
    assert printed(kernel["setup"]) == [str(REPO / "coursecheck" / "sigmoid_exercise.py")]


def test_no_cell_writes_to_stderr(kernel):
    for name, outputs in kernel.items():
        assert not [o for o in outputs if o.get("name") == "stderr"], name


def test_figures_closed_by_the_inline_backend_are_found_in_a_later_cell(kernel):
    assert printed(kernel["after show"]) == [
        "figure 1 has line 'closed by show' with 2 points, x from 0 to 1"
    ]
    assert printed(kernel["after the end"]) == [
        "figure 1 has line 'closed at the end of the cell' with 3 points, x from 0 to 2"
    ]
    assert printed(kernel["after the reset"]) == [
        "figure 1 has line 'after a reset in an earlier cell' with 4 points, x from 0 to 3",
        "[] ['coursecheck.figures:_remember']",  # closed; the hook is back before each cell
    ]
    assert printed(kernel["after two figures"]) == [
        "figure 1 has line 'first' with 2 points, x from 0 to 1. "
        "figure 2 has line 'second' with 3 points, x from 0 to 2"
    ]


def test_a_redrawn_unlabelled_plot_fails_though_a_variable_holds_the_old_one(kernel):
    assert printed(kernel["test labelled"]) == ["PASS"]
    assert printed(kernel["test unlabelled"]) == [
        "FAIL your sigmoid plot needs axis labels; the x and y labels are empty "
        "(use plt.xlabel(...)/plt.ylabel(...) or ax.set_xlabel(...)/ax.set_ylabel(...))",
        "The sigmoid",  # `kept`, the labelled figure of the earlier cell, did not count
    ]


def test_figures_a_check_draws_are_never_the_students(kernel):
    assert printed(kernel["a check draws"]) == ["PASS", "[]"]
    assert images(kernel["a check draws"]) == 0  # closed, so not shown under the test cell
    assert images(kernel["labelled again"]) == 1
    # the check's nine unlabelled sigmoid lines are not the student's latest plot
    assert printed(kernel["test after the check"]) == ["PASS"]


def test_a_plot_drawn_after_plt_rcdefaults_in_the_same_cell_is_read(kernel):
    """rcdefaults drops the figure hook; the post_execute safety net still keeps the figure."""
    assert printed(kernel["test reset and unlabelled"])[0].startswith(
        "FAIL your sigmoid plot needs axis labels"
    )
    assert printed(kernel["test reset and labelled"]) == [
        "PASS",
        "['coursecheck.figures:_remember']",
    ]


def test_the_inline_backend_draws_a_figure_only_for_its_picture(kernel):
    """pyplot's redraw after each cell (for a window the inline backend has not) is
    dropped: a figure is drawn for its picture only, a third less work, same picture."""
    once, twice = kernel["drawn for the picture"], kernel["drawn by pyplot too"]
    assert images(once) == images(twice) == 1
    assert png(once) == png(twice)
    assert int(printed(kernel["draws for the picture"])[0]) + 1 == int(
        printed(kernel["draws by pyplot too"])[0]
    )


def test_remember_figures_registers_its_callbacks_once_and_starts_afresh(kernel):
    assert printed(kernel["start again"]) == [
        "['_install_hook', '_remember_open_figures']",
        "['coursecheck.figures:_remember']",
        "FAIL No figure was found: draw sigmoid(X) against X in your answer cell with "
        "plt.plot(...) or ax.plot(...), and run that cell again before this test.",
    ]
