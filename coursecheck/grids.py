"""Checks for a figure that holds a grid of subplots, one curve per panel.

For example a 3x3 grid whose panel i (counted row by row) draws row i of a table
of parameters. Panels are named the way students count them:
"panel 4 (row 2, column 1)" / 「第 4 張子圖（第 2 列第 1 欄）」.
"""

from coursecheck import numbers
from coursecheck.failures import fail
from coursecheck.figures import line_data

MIN_CURVE_POINTS = 50  # fewer points than this draws a kinked curve as a visible polygon
END_TOL = 1e-6  # how close (relative to the x range) a curve's ends must be to x_min and x_max


def panel_name(index, ncols):
    """('panel 4 (row 2, column 1)', '第 4 張子圖（第 2 列第 1 欄）') for index 3 of 3 columns."""
    row, column = divmod(index, ncols)
    return (
        f"panel {index + 1} (row {row + 1}, column {column + 1})",
        f"第 {index + 1} 張子圖（第 {row + 1} 列第 {column + 1} 欄）",
    )


def subplot_cells(ax):
    """(nrows, ncols, first, last) of the grid cells an Axes covers, counted row by row from 0.

    None when the Axes was not made by plt.subplot/plt.subplots/fig.add_subplot (e.g. add_axes).
    """
    spec = ax.get_subplotspec()
    if spec is None:
        return None
    return spec.get_geometry()


def panels_in_order(figure):
    """A figure's Axes ordered by their subplot cell, row by row; Axes outside any grid last."""
    in_grid = [ax for ax in figure.get_axes() if subplot_cells(ax) is not None]
    others = [ax for ax in figure.get_axes() if subplot_cells(ax) is None]
    return sorted(in_grid, key=lambda ax: subplot_cells(ax)[2]) + others


def check_one_figure(value, made, what):
    """Assert that `value` is a matplotlib Figure and that no more than one figure was `made`."""
    __tracebackhide__ = True
    from matplotlib.figure import Figure

    if len(made) > 1:
        fail(
            f"{what} made {len(made)} figures; all panels belong in ONE figure (create it once, "
            "with plt.figure() or plt.subplots(...), then draw each panel in a subplot)",
            f"{what} 畫了 {len(made)} 張圖；所有子圖都應該在「同一張」圖裡"
            "（只建立一次圖，用 plt.figure() 或 plt.subplots(...)，再把每張子圖畫在 subplot 中）",
        )
    if not isinstance(value, Figure):
        kind = type(value).__name__
        fail(
            f"{what} should be a matplotlib Figure; it is {kind} {value!r:.60} (a function "
            "should end with `return fig`; in the plt.subplot style fig = plt.gcf())",
            f"{what} 應該是 matplotlib 的 Figure；它是 {kind} {value!r:.60}"
            "（函式最後要 `return fig`；用 plt.subplot 寫法時可以用 fig = plt.gcf()）",
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


def check_grid(figure, nrows, ncols, what):
    """Assert `figure` is an nrows x ncols grid of subplots, one Axes per cell.

    Returns the Axes row by row. Also checks that where they sit on the figure agrees:
    each panel is right of the one before it in its row and below the one above it.
    """
    __tracebackhide__ = True
    axes = figure.get_axes()
    wanted = nrows * ncols
    shape = f"{nrows}x{ncols}"
    how = f"plt.subplot({nrows}, {ncols}, i + 1) or plt.subplots({nrows}, {ncols})"
    how_zh = f"plt.subplot({nrows}, {ncols}, i + 1) 或 plt.subplots({nrows}, {ncols})"
    if len(axes) != wanted:
        fail(
            f"{what} should have {wanted} panels (Axes) in a {shape} grid; it has {len(axes)}",
            f"{what} 應該有 {wanted} 張子圖（Axes），排成 {shape}；它有 {len(axes)} 張",
        )
    for ax in axes:
        cells = subplot_cells(ax)
        if cells is None:
            fail(
                f"a panel of {what} was not made as a subplot (fig.add_axes?); use {how}",
                f"{what} 有一張子圖不是用 subplot 建立的（fig.add_axes？）；請用 {how_zh}",
            )
        rows, cols, first, last = cells
        if (rows, cols) != (nrows, ncols):
            fail(
                f"a panel of {what} belongs to a {rows}x{cols} grid; expected a {shape} grid "
                f"({how})",
                f"{what} 有一張子圖屬於 {rows}x{cols} 的格子；應為 {shape}（{how_zh}）",
            )
        if first != last:
            fail(
                f"a panel of {what} spans several cells of the {shape} grid",
                f"{what} 有一張子圖跨了 {shape} 格子中的好幾格",
            )
    panels = panels_in_order(figure)
    used = [subplot_cells(ax)[2] for ax in panels]
    if used != list(range(wanted)):
        twice = sorted({index + 1 for index in used if used.count(index) > 1})
        fail(
            f"{what} draws more than one Axes in grid cell(s) {twice}",
            f"{what} 在格子 {twice} 中畫了不只一個 Axes",
        )
    check_reading_order(panels, ncols, what)
    return panels


def check_reading_order(panels, ncols, what):
    """Assert that panels (in subplot order) sit on the figure row by row, left to right."""
    __tracebackhide__ = True
    boxes = [ax.get_position() for ax in panels]
    for index, box in enumerate(boxes):
        row, column = divmod(index, ncols)
        this, this_zh = panel_name(index, ncols)
        if column > 0 and not box.x0 > boxes[index - 1].x0:
            before, before_zh = panel_name(index - 1, ncols)
            fail(
                f"in {what}, {this} is not right of {before} (was a panel moved with "
                "set_position?)",
                f"在 {what} 中，{this_zh}不在{before_zh}的右邊（是否用 set_position 移動過子圖？）",
            )
        if row > 0 and not box.y0 < boxes[index - ncols].y0:
            above, above_zh = panel_name(index - ncols, ncols)
            fail(
                f"in {what}, {this} is not below {above} (was a panel moved with set_position?)",
                f"在 {what} 中，{this_zh}不在{above_zh}的下面（是否用 set_position 移動過子圖？）",
            )


def curve_problem(ax, expected, x_min, x_max, min_points=MIN_CURVE_POINTS):
    """None when a line of `ax` is y = expected(x) for x from x_min to x_max, else why not.

    `expected` is a function of one float that the test gives. The line must start at
    x_min and end at x_max (both included, within END_TOL of the range), stay inside,
    have at least min_points points, and match everywhere. When no line fits, the
    answer is about the line with the most points. Problems are (English, 中文) pairs.
    """
    lines = [line_data(line) for line in ax.get_lines()]
    lines = [data for data in lines if data is not None and data[0]]
    if not lines:
        return (
            "it has no line (draw the curve with plt.plot(x, y) or ax.plot(x, y))",
            "它沒有任何曲線（用 plt.plot(x, y) 或 ax.plot(x, y) 畫出曲線）",
        )
    problems = [
        _one_curve_problem(xs, ys, expected, x_min, x_max, min_points)
        for xs, ys in sorted(lines, key=lambda data: -len(data[0]))
    ]
    return None if None in problems else problems[0]


def _one_curve_problem(xs, ys, expected_at, x_min, x_max, min_points):
    """Why the line (xs, ys) is not y = expected_at(x) from x_min to x_max, or None."""
    if not all(numbers.isfinite(value) for value in xs + ys):
        return "its line holds NaN or infinite values", "它的曲線含有 NaN 或無限大的值"
    tolerance = END_TOL * (x_max - x_min if x_max > x_min else 1.0)
    lowest, highest = min(xs), max(xs)
    if not (
        numbers.is_close(lowest, x_min, 0.0, tolerance)
        and numbers.is_close(highest, x_max, 0.0, tolerance)
    ):
        low, high = numbers.short(lowest), numbers.short(highest)
        start, stop = numbers.short(x_min), numbers.short(x_max)
        return (
            f"its line goes from x = {low} to {high}; it should go from {start} to {stop}, "
            "both ends included (np.linspace does that)",
            f"它的曲線從 x = {low} 到 {high}；應該從 {start} 到 {stop}，"
            "包含兩端點（np.linspace 可以做到）",
        )
    if len(xs) < min_points:
        return (
            f"its line has only {len(xs)} points; use at least {min_points}",
            f"它的曲線只有 {len(xs)} 個點；至少要 {min_points} 個",
        )
    for x, y in zip(xs, ys, strict=True):
        expected = expected_at(x)
        if not numbers.is_close(y, expected):
            at = numbers.short(x)
            return (
                f"at x = {at} its line has y = {y!r}, expected {expected!r}",
                f"在 x = {at} 時它的曲線 y = {y!r}，應為 {expected!r}",
            )
    return None


def check_panel_curves(panels, curves, ncols, context, context_zh):
    """Assert that panel i draws curves[i] = (expected, x_min, x_max, description, 描述).

    `expected` is a function of one float giving the y the panel's line should have.
    A wrong panel is named with the first thing wrong. When every wrong panel draws
    another panel's curve (panels filled column by column, say), the message says so.
    `context` starts every message, e.g. "In fig: ".
    """
    __tracebackhide__ = True
    if len(panels) != len(curves):
        fail(
            f"{context}expected {len(curves)} panels, found {len(panels)}",
            f"{context_zh}應有 {len(curves)} 張子圖，找到 {len(panels)} 張",
        )
    wrong = []
    for index, (expected, x_min, x_max, description, description_zh) in enumerate(curves):
        problem = curve_problem(panels[index], expected, x_min, x_max)
        if problem:
            wrong.append((index, description, description_zh, problem))
    if not wrong:
        return
    moved = {}  # wrong panel -> the panel whose curve it draws
    for index, *_ in wrong:
        for other, (expected, x_min, x_max, _, _) in enumerate(curves):
            if other != index and not curve_problem(panels[index], expected, x_min, x_max):
                moved[index] = other
                break
    index, description, description_zh, (problem, problem_zh) = wrong[0]
    name, name_zh = panel_name(index, ncols)
    hint = hint_zh = ""
    if len(moved) == len(wrong):
        nrows = -(-len(curves) // ncols)
        meant, meant_zh = panel_name(moved[index], ncols)
        hint = (
            f". It draws the curve meant for {meant}: fill the panels row by row (panel i is "
            f"plt.subplot({nrows}, {ncols}, i + 1), or axs.flat[i])"
        )
        hint_zh = (
            f"。它畫的是{meant_zh}的曲線：請一列一列地填子圖（第 i 張是 "
            f"plt.subplot({nrows}, {ncols}, i + 1)，或 axs.flat[i]）"
        )
    verb = "is" if len(wrong) == 1 else "are"
    fail(
        f"{context}{len(wrong)} of {len(curves)} panels {verb} wrong. {name} should draw "
        f"{description}, but {problem}{hint}",
        f"{context_zh}{len(curves)} 張子圖中有 {len(wrong)} 張不對。"
        f"{name_zh}應該畫出{description_zh}，但是{problem_zh}{hint_zh}",
    )


def check_panel_titles(panels, values, ncols, name, context, context_zh):
    """Assert that panel i has a title showing values[i]; `name` says what it is, e.g. 'alpha'."""
    __tracebackhide__ = True
    from coursecheck.figures import axes_titles

    if len(panels) != len(values):
        fail(
            f"{context}expected {len(values)} panels, found {len(panels)}",
            f"{context_zh}應有 {len(values)} 張子圖，找到 {len(panels)} 張",
        )
    wrong = []
    for index, value in enumerate(values):
        shown = axes_titles(panels[index])
        if not any(numbers.shows_number(text, value) for text in shown):
            wrong.append((index, value, shown))
    if not wrong:
        return
    index, value, shown = wrong[0]
    panel, panel_zh = panel_name(index, ncols)
    got = f"its title is {shown[0]!r}" if shown else "it has no title"
    got_zh = f"它的標題是 {shown[0]!r}" if shown else "它沒有標題"
    verb = "does" if len(wrong) == 1 else "do"
    fail(
        f"{context}{len(wrong)} of {len(values)} panel titles {verb} not show their {name}. "
        f"{panel} should show {name} = {value!r} in its title, but {got} "
        f"(e.g. ax.set_title(f'alpha = {{alpha}}') or plt.title(...) after plt.subplot)",
        f"{context_zh}{len(values)} 張子圖中有 {len(wrong)} 張的標題沒有顯示 {name}。"
        f"{panel_zh}的標題應顯示 {name} = {value!r}，但{got_zh}"
        f"（例如 ax.set_title(f'alpha = {{alpha}}')，或在 plt.subplot 之後用 plt.title(...)）",
    )
