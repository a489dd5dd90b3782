"""Finding and reading the figures a student drew, from their data (lines, labels), not pixels.

Jupyter's inline backend closes every figure when a cell ends, so a test cell's
`plt.gcf()` is a new, empty figure. `remember_figures()` (run by the locked setup
cell) keeps every figure pyplot creates afterwards, with the cell that drew it.

A test judges the figures of the LAST cell that drew any: when a student redraws
the plot, the old figure no longer counts, even if a variable still holds it
(a stale pass otherwise). Figures that a check draws itself (`figures_made_by`) are
never a student's figures.
"""

import itertools

from coursecheck import numbers
from coursecheck.failures import fail

_remembered = []  # [figure, cell] for every figure pyplot created since remember_figures()
HOOK = f"{__name__}:_remember"  # how matplotlib finds the hook: module name and function


def _shell():
    """The running IPython shell, or None (plain Python, pytest)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _current_cell():
    """A number that grows with every cell run: IPython's execution count, or 0."""
    shell = _shell()
    return getattr(shell, "execution_count", 0) if shell is not None else 0


def _remember(figure):
    """matplotlib figure hook: keep each new figure, with the cell that drew it."""
    _remembered.append([figure, _current_cell()])


def _install_hook(*_event_info):
    """Put the figure hook into rcParams unless it is there (also run before each cell).

    Also into the defaults that plt.rcdefaults(), plt.style.use("default") and
    matplotlib.rc_file_defaults() restore: a student who resets rcParams and then
    calls plt.show() in the same cell keeps the hook (plt.show() closes the figure
    before _remember_open_figures could see it).
    """
    import matplotlib

    for params in (matplotlib.rcParams, matplotlib.rcParamsDefault, matplotlib.rcParamsOrig):
        hooks = list(params["figure.hooks"])
        if HOOK not in hooks:
            params["figure.hooks"] = hooks + [HOOK]


def _remember_open_figures():
    """After each cell, before the inline backend closes them: keep figures still open.

    Covers a student who reset rcParams (plt.style.use("default"), plt.rcdefaults())
    in the cell that drew the figure.
    """
    from matplotlib import _pylab_helpers

    known = {id(figure) for figure, _ in _remembered}
    for manager in _pylab_helpers.Gcf.get_all_fig_managers():
        figure = manager.canvas.figure
        if id(figure) not in known:
            _remembered.append([figure, _current_cell()])


def remember_figures():
    """Start remembering every figure pyplot creates from now on (the setup cell calls it).

    Uses rcParams["figure.hooks"] (matplotlib >= 3.7), which pyplot.figure and
    pyplot.subplots call with each new Figure. Calling it again starts afresh.
    """
    _install_hook()
    _remembered.clear()
    shell = _shell()
    if shell is not None:
        callbacks = shell.events.callbacks
        if _install_hook not in callbacks["pre_run_cell"]:
            shell.events.register("pre_run_cell", _install_hook)
        if _remember_open_figures not in callbacks["post_execute"]:
            callbacks["post_execute"].insert(0, _remember_open_figures)  # before the flush
        _draw_each_figure_once()


def _draw_each_figure_once():
    """With the inline backend, stop pyplot's redraw after each cell, which draws every new
    figure for a window that does not exist; the inline backend then draws it again for
    the picture under the cell. The picture is the same; the cell takes a third less."""
    import matplotlib
    import matplotlib.pyplot as plt

    if "inline" in matplotlib.get_backend():
        plt.uninstall_repl_displayhook()


def latest_figures():
    """The figures drawn by the last cell that drew any, oldest first."""
    if not _remembered:
        return []
    last = max(cell for _, cell in _remembered)
    return [figure for figure, cell in _remembered if cell == last]


def figures_made_by(function, *args, **kwargs):
    """Call function(*args, **kwargs) quietly; return (Outcome, the figures it made).

    The figures are a check's own drawing, not the student's: they are closed (so
    they are not shown under the test cell) and forgotten by latest_figures().
    Needs remember_figures() to have run (the locked setup cell does it).
    """
    import matplotlib.pyplot as plt

    from coursecheck.calls import call_quietly

    _install_hook()
    already = len(_remembered)
    outcome = call_quietly(function, *args, **kwargs)
    made = [figure for figure, _ in _remembered[already:]]
    del _remembered[already:]
    for figure in made:
        plt.close(figure)
    return outcome, made


def figure_of(value):
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


def axes_of(figures):
    """All Axes of the given figures, in order."""
    return [ax for figure in figures for ax in figure.get_axes()]


def line_data(line):
    """(x values, y values) of a Line2D as lists of Python floats; None for non-numeric data."""
    xs = numbers.as_floats(line.get_xdata())
    ys = numbers.as_floats(line.get_ydata())
    if xs is None or ys is None:
        return None
    return xs, ys


def axis_labels(ax):
    """(x label, y label) of an Axes, stripped of surrounding spaces."""
    return ax.get_xlabel().strip(), ax.get_ylabel().strip()


def axes_titles(ax):
    """Non-empty titles of one Axes (left, center, right), without the figure's suptitle."""
    found = [ax.get_title(loc=loc).strip() for loc in ("left", "center", "right")]
    return [text for text in found if text]


def titles(ax):
    """Non-empty titles shown above an Axes: its own titles and the figure's suptitle."""
    found = axes_titles(ax)
    figure = figure_of(ax)
    if figure is not None and figure.get_suptitle().strip():
        found.append(figure.get_suptitle().strip())
    return found


def legend_texts(ax):
    """Non-empty texts of the visible legends of an Axes and of its figure."""
    legends = [ax.get_legend()]
    figure = figure_of(ax)
    if figure is not None:
        legends.extend(figure.legends)
    texts = []
    for legend in legends:
        if legend is not None and legend.get_visible():
            texts.extend(text.get_text().strip() for text in legend.get_texts())
    return [text for text in texts if text]


def describe_line(line):
    """A short plain-words description of a line, for failure messages (English, 中文)."""
    data = line_data(line)
    label = line.get_label()
    labelled = label and not label.startswith("_")
    name = f"line {label!r}" if labelled else "an unlabelled line"
    name_zh = f"曲線 {label!r}" if labelled else "一條沒有名稱的曲線"
    if data is None:
        return f"{name} with non-numeric data", f"{name_zh}（資料不是數字）"
    xs, _ = data
    if not xs:
        return f"{name} with no points", f"{name_zh}（沒有任何點）"
    first, last = numbers.short(xs[0]), numbers.short(xs[-1])
    return (
        f"{name} with {len(xs)} points, x from {first} to {last}",
        f"{name_zh}（{len(xs)} 個點，x 從 {first} 到 {last}）",
    )


def describe_figures(figures):
    """What the given figures contain, in plain words (English, 中文)."""
    if not figures:
        return "no figure was found", "找不到任何圖"
    english, chinese = [], []
    for number, figure in enumerate(figures, start=1):
        lines = [line for ax in figure.get_axes() for line in ax.get_lines()]
        scattered = any(ax.collections for ax in figure.get_axes())
        if not lines and scattered:
            english.append(
                f"figure {number} has scattered points but no line "
                "(plt.scatter draws points; plt.plot draws a line)"
            )
            chinese.append(
                f"第 {number} 張圖只有散佈的點、沒有線（plt.scatter 畫點，plt.plot 畫線）"
            )
        elif not lines:
            english.append(f"figure {number} has no lines")
            chinese.append(f"第 {number} 張圖沒有任何線")
        else:
            described = [describe_line(line) for line in lines]
            english.append(f"figure {number} has " + "; ".join(e for e, _ in described))
            chinese.append(f"第 {number} 張圖有" + "；".join(z for _, z in described))
    return ". ".join(english), "。".join(chinese)


def find_line(figures, xs, ys):
    """(Axes, Line2D) of the first line whose data are xs and ys, or None."""
    for ax in axes_of(figures):
        for line in ax.get_lines():
            data = line_data(line)
            if data is None or len(data[0]) != len(xs):
                continue
            if numbers.first_difference(data[0], xs) is None and (
                numbers.first_difference(data[1], ys) is None
            ):
                return ax, line
    return None


def check_line_plotted(figures, xs, ys, what, what_zh):
    """Assert that some figure has a line with data xs, ys; return its (Axes, Line2D).

    `what` names the expected line in messages, e.g. "sigmoid(X) against X". When a
    line has the right x values but other y values, the message says where they differ.
    None in `ys` accepts any y value at that point.
    """
    __tracebackhide__ = True
    if not figures:
        fail(
            f"No figure was found: draw {what} in your answer cell with plt.plot(...) or "
            "ax.plot(...), and run that cell again before this test.",
            f"找不到任何圖：請在答案格中用 plt.plot(...) 或 ax.plot(...) 畫出{what_zh}，"
            "並在這個測試之前重新執行那一格。",
        )
    found = find_line(figures, xs, ys)
    if found is not None:
        return found
    for ax in axes_of(figures):
        for line in ax.get_lines():
            data = line_data(line)
            if data is None or len(data[0]) != len(xs):
                continue
            if numbers.first_difference(data[0], xs) is None:
                index = numbers.first_difference(data[1], ys)
                at, got, wanted = numbers.short(xs[index]), data[1][index], ys[index]
                line_en, line_zh = describe_line(line)
                fail(
                    f"{line_en} has the right x values but is not {what}: at x = {at} its y is "
                    f"{got!r}, expected {wanted!r}",
                    f"{line_zh} 的 x 值正確，但不是{what_zh}：在 x = {at} 時 y 是 {got!r}，"
                    f"應為 {wanted!r}",
                )
    first, last = numbers.short(xs[0]), numbers.short(xs[-1])
    found_en, found_zh = describe_figures(figures)
    fail(
        f"No line in your last drawn figure is {what} ({len(xs)} points, x from {first} to "
        f"{last}); found: {found_en}. (The test reads the figures of the last cell that drew "
        "any: run your plot cell again, then this test.)",
        f"你最後畫的圖中沒有{what_zh}（{len(xs)} 個點，x 從 {first} 到 {last}）；找到的是："
        f"{found_zh}。（測試讀取的是最後一個畫圖的儲存格所畫的圖：請重新執行畫圖的儲存格，再執行這個測試。）",
    )


def check_labelled(ax, what, what_zh):
    """Assert that an Axes has x and y axis labels, a title and a legend with a label."""
    __tracebackhide__ = True
    xlabel, ylabel = axis_labels(ax)
    if not xlabel or not ylabel:
        missing = [name for name, text in (("x", xlabel), ("y", ylabel)) if not text]
        empty = "the x and y labels are" if len(missing) == 2 else f"the {missing[0]} label is"
        empty_zh = "x 與 y 軸標籤都" if len(missing) == 2 else f"{missing[0]} 軸標籤"
        fail(
            f"{what} needs axis labels; {empty} empty "
            "(use plt.xlabel(...)/plt.ylabel(...) or ax.set_xlabel(...)/ax.set_ylabel(...))",
            f"{what_zh}需要座標軸標籤；{empty_zh}是空的"
            "（用 plt.xlabel(...)/plt.ylabel(...) 或 ax.set_xlabel(...)/ax.set_ylabel(...)）",
        )
    if not titles(ax):
        fail(
            f"{what} needs a title; it has none (use plt.title(...) or ax.set_title(...))",
            f"{what_zh}需要標題；目前沒有（用 plt.title(...) 或 ax.set_title(...)）",
        )
    if not legend_texts(ax):
        fail(
            f"{what} needs a legend with a label; it has none (give the line a label, e.g. "
            "plt.plot(x, y, label='sigmoid'), then call plt.legend() or ax.legend())",
            f"{what_zh}需要有名稱的圖例；目前沒有（先給曲線名稱，例如 "
            "plt.plot(x, y, label='sigmoid')，再呼叫 plt.legend() 或 ax.legend()）",
        )


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
                figure = figure_of(inner)
                if figure is not None and all(figure is not known for known in found):
                    found.append(figure)
    return found
