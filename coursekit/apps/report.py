"""`make report ASSIGNMENT=...`: the class report of one graded assignment, as a page.

    python -m coursekit.apps.report ASSIGNMENT [--folder FOLDER] [--out OUT]

Reads the course folder FOLDER (default: this repository; `make demo`'s is
build/demo-term) after grading, and writes OUT/ASSIGNMENT.html (OUT defaults to
FOLDER/reports): one self-contained page, in English and 繁體中文, that opens
offline in a browser or from formgrader's folder. The figures are inside the page
and also saved beside it as ASSIGNMENT-scores.png and ASSIGNMENT-pass-rates.png.

The page shows the score distribution and each test cell's pass rate, the most
common failure messages of each test cell with how many students got each, the late,
missing, not-graded and needs-review students with the reason, and pairs of
submissions whose answer code is alike (a lead for a person, never a verdict).
See coursekit/report/ for how each part is made.
"""

import argparse
import logging
import sys
import warnings
from pathlib import Path

from sqlalchemy.exc import SAWarning

from coursekit.course import REPO
from coursekit.report import data, html, plots


def write_report(folder, assignment, out=None, settings=None):
    """Collect, draw and write; returns (page path, [figure paths], ClassReport)."""
    report = data.collect(folder, assignment, settings)
    out = Path(out) if out else report.folder / "reports"
    out.mkdir(parents=True, exist_ok=True)
    figures = {
        "scores": plots.score_histogram(report.scores.values(), report.max_score),
        "passes": plots.pass_rates(report.cells),
    }
    written = []
    for key, suffix in (("scores", "scores"), ("passes", "pass-rates")):
        path = out / f"{assignment}-{suffix}.png"
        path.write_bytes(figures[key])
        written.append(path)
    page = out / f"{assignment}.html"
    page.write_text(html.render(report, figures), encoding="utf-8")
    return page, written, report


def main(argv=None, out=print):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment", help="the assignment's name, e.g. sigmoid_exercise")
    parser.add_argument(
        "--folder", default=str(REPO), help="the course folder (default: %(default)s)"
    )
    parser.add_argument("--out", help="where to write the page (default: FOLDER/reports)")
    args = parser.parse_args(argv)
    folder = Path(args.folder).resolve()
    if not (folder / "nbgrader_config.py").exists():
        print(f"{folder} is not a course folder (no nbgrader_config.py)", file=sys.stderr)
        return 2
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    # nbgrader 0.9.6 with SQLAlchemy 2.1 warns on reading some submissions; nothing is written
    warnings.filterwarnings("ignore", category=SAWarning)
    try:
        page, figures, report = write_report(folder, args.assignment, args.out)
    except data.ReportError as error:
        print(f"No report: {error}", file=sys.stderr)
        return 1
    messages = sum(len(c.failures) for c in report.cells)
    out(
        f"{report.assignment}: {len(report.scores)} graded of {report.students} students, "
        f"{counted(messages, 'distinct failure message')}, "
        f"{counted(len(report.flagged), 'flag')} to look at, "
        f"{counted(len(report.pairs), 'alike pair')}."
    )
    out(f"Report: {page}")
    for path in figures:
        out(f"Figure: {path}")
    return 0


def counted(number, thing):
    """'1 alike pair', '2 alike pairs'."""
    return f"{number} {thing}" + ("" if number == 1 else "s")


if __name__ == "__main__":
    sys.exit(main())
