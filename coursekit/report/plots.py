"""The report's figures, as PNG bytes: the score distribution and each test cell's pass rate.

matplotlib's object API (Figure, drawn to PNG by Agg): no pyplot, so no display,
backend or global figure state is involved. The axis labels are in English,
and in 繁體中文 too where matplotlib finds a font with Chinese glyphs (else a square
would stand for each character); the page around the figure says everything in both
languages anyway.
"""

import functools
import io
from pathlib import Path

from matplotlib import font_manager
from matplotlib.figure import Figure

from coursekit.report.text import TEXT

CJK_FONTS = (
    "Noto Sans CJK TC",
    "Noto Sans TC",
    "Source Han Sans TC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Microsoft JhengHei",
    "PingFang TC",
    "Heiti TC",
    "Arial Unicode MS",
)
COLOR, PASS, FAIL = "#3b6ea5", "#4c9a5b", "#c8553d"


CJK_FILES = ("wqy", "notosanscjk", "notosanstc", "sourcehansans", "msjh", "pingfang")


@functools.cache
def cjk_font():
    """The name of an installed font with Chinese glyphs, or None.

    matplotlib's font list is cached from when it was first built: a font installed
    since then (apt-get install fonts-wqy-microhei) is looked for among the system's
    font files and added for this process.
    """
    manager = font_manager.fontManager
    found = next((n for n in CJK_FONTS if n in {f.name for f in manager.ttflist}), None)
    if found:
        return found
    for path in font_manager.findSystemFonts():
        if any(part in Path(path).name.lower() for part in CJK_FILES):
            try:
                manager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # a font file matplotlib cannot read
                continue
    return next((n for n in CJK_FONTS if n in {f.name for f in manager.ttflist}), None)


def label(key):
    """An axis label: English, with the 繁體中文 where a font can show it."""
    english, chinese = TEXT[key]
    return f"{english} {chinese}" if cjk_font() else english


def png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def styled(width, height):
    font = cjk_font()
    figure = Figure(figsize=(width, height))
    axes = figure.subplots()
    axes.spines[["top", "right"]].set_visible(False)
    return figure, axes, ({"fontfamily": [font, "DejaVu Sans"]} if font else {})


def score_histogram(scores, max_score):
    """Bars: how many submissions got each score (scores rounded down to whole points)."""
    figure, axes, font = styled(6.4, 3.2)
    top = int(max_score) if max_score else 1
    counts = [0] * (top + 1)
    for score in scores:
        counts[min(top, max(0, int(score)))] += 1
    axes.bar(range(top + 1), counts, color=COLOR, width=0.8)
    axes.set_xticks(range(top + 1))
    axes.set_xlim(-0.6, top + 0.6)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel(label("axis_score"), **font)
    axes.set_ylabel(label("axis_students"), **font)
    for x, count in enumerate(counts):
        if count:
            axes.annotate(str(count), (x, count), ha="center", va="bottom", fontsize=8)
    return png(figure)


def pass_rates(cells):
    """Horizontal bars: each test cell's pass rate, in the order of the notebook (top down)."""
    figure, axes, font = styled(6.4, 0.45 * len(cells) + 1.0)
    names = [cell.grade_id for cell in cells][::-1]
    rates = [100 * cell.pass_rate for cell in cells][::-1]
    axes.barh(names, [100] * len(rates), color=FAIL, alpha=0.25, height=0.6)
    axes.barh(names, rates, color=PASS, height=0.6)
    for y, (rate, cell) in enumerate(zip(rates, cells[::-1], strict=True)):
        axes.annotate(
            f"{rate:.0f} % ({cell.passed}/{cell.graded})",
            (100, y),
            xytext=(4, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
        )
    axes.set_xlim(0, 100)
    axes.set_xlabel(label("axis_pass_rate"), **font)
    return png(figure)
